"""A write into a corpus indexes its papers' text a window at a time (store/fts_window.py): the index
agrees with papers after imports that insert, edit and edit again across windows, the triggers are back
after the commit and after a failed source, and the window stays bounded."""

import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import fts, fts_window
from corpus_db.store.db import connect
from corpus_db.store.fts_window import TextWindow
from corpus_db.store.search import search
from corpus_db.store.sources import SourceInfo
from corpus_db.store.writer import source_transaction


def listing(path: Path, records: list[tuple[str, str]]) -> Path:
    chrome = "Get trending papers in your email inbox!\n"  # what makes text a listing page
    path.write_text(chrome + "".join(f"{t}\n{a}\n" for t, a in records), encoding="utf-8")
    return path


RECORDS = [(f"Paper number {i} about topic{i}", f"Abstract {i} discusses topic{i} at length.") for i in range(1, 61)]


def titles(conn: sqlite3.Connection, query: str) -> set[str]:
    return {hit.title for hit in search(conn, query, limit=100)}


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fts_window, "WINDOW_PAPERS", 7)  # several windows per import of 60 records


def test_edits_and_new_papers_across_windows_leave_the_index_equal_to_papers(
    db_path: Path, tmp_path: Path, small_window: None
) -> None:
    dump = listing(tmp_path / "dump.txt", RECORDS)
    run_import(db_path, [SourceTask.for_path(dump)])
    edited = [(t, f"A rewritten abstract about zeppelin{i}.") if i % 3 == 0 else (t, a)
              for i, (t, a) in enumerate(RECORDS)]
    added = [(f"A new paper {i} on airships", f"Airship{i} lore.") for i in range(25)]
    listing(dump, edited + added)
    _, [result] = run_import(db_path, [SourceTask.for_path(dump)])
    assert (result.counts.updated, result.counts.inserted) == (20, 25)
    conn = sqlite3.connect(db_path)
    fts.integrity_check(conn)  # rank=1: every paper's stored text, and nothing else, is in the index
    assert titles(conn, "zeppelin9") == {RECORDS[9][0]}
    assert titles(conn, "topic10") == {RECORDS[9][0]}  # the title still says it; the old abstract is gone
    assert conn.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'abstract:topic10'").fetchone()[0] == 0
    assert len(titles(conn, "airships")) == 25
    assert fts.triggers_present(conn) == set(fts.TRIGGERS)


def test_a_paper_changed_twice_before_its_window_is_indexed_loses_its_first_text(db_path: Path) -> None:
    conn = connect(db_path)
    conn.execute("INSERT INTO papers (id, identity_key, title, title_key, abstract, first_seen, last_updated) "
                 "VALUES (1, 'k1', 'Old title', 'old title', 'first words', 'now', 'now')")
    conn.execute("BEGIN IMMEDIATE")
    window = TextWindow(conn)
    window.text_changing(1, "Old title", "first words")
    conn.execute("UPDATE papers SET abstract = 'second words' WHERE id = 1")
    window.text_changing(1, "Old title", "second words")  # the index still holds the first: kept
    conn.execute("UPDATE papers SET title = 'New title', abstract = 'third words' WHERE id = 1")
    window.close()
    conn.execute("COMMIT")
    fts.integrity_check(conn)
    assert [h.title for h in search(conn, "third")] == ["New title"]
    assert list(search(conn, "first")) == [] and list(search(conn, "second")) == []
    assert fts.triggers_present(conn) == set(fts.TRIGGERS)


def test_a_failed_source_rolls_the_dropped_triggers_back(db_path: Path) -> None:
    conn = connect(db_path)
    conn.execute("BEGIN IMMEDIATE")
    TextWindow(conn)
    assert fts.triggers_present(conn) == {"papers_fts_ad"}
    conn.execute("ROLLBACK")
    assert fts.triggers_present(conn) == set(fts.TRIGGERS)


def test_the_window_is_indexed_once_its_old_text_passes_the_character_bound(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fts_window, "WINDOW_CHARS", 1_000)
    conn = connect(db_path)
    long_text = "words " * 100
    conn.executemany("INSERT INTO papers (id, identity_key, title, title_key, abstract, first_seen, last_updated) "
                     "VALUES (?, ?, 'A title', 'a title', ?, 'now', 'now')", [(i, f"k{i}", long_text) for i in (1, 2)])
    conn.execute("BEGIN IMMEDIATE")
    window = TextWindow(conn)
    window.text_changing(1, "A title", long_text)
    conn.execute("UPDATE papers SET abstract = 'short one' WHERE id = 1")
    window.flush_if_full()
    assert list(search(conn, "short")) == []  # 609 characters waiting: under the bound
    window.text_changing(2, "A title", long_text)
    conn.execute("UPDATE papers SET abstract = 'short two' WHERE id = 2")
    window.flush_if_full()
    assert len(list(search(conn, "short"))) == 2  # indexed now, inside the transaction
    window.close()
    conn.execute("COMMIT")
    fts.integrity_check(conn)


def test_a_source_committed_without_its_records_written_still_gets_its_triggers_back(db_path: Path) -> None:
    conn = connect(db_path)
    with source_transaction(conn, SourceInfo("dump.txt", "listing", ""), tags_for=lambda title, abstract: []):
        assert fts.triggers_present(conn) == {"papers_fts_ad"}  # the window's, until the commit
    assert fts.triggers_present(conn) == set(fts.TRIGGERS)
