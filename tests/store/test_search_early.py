"""The search index's update begun during an import (search_early.py): the documents handed over while the
import writes are committed only after it, re-done where a paper changed again, and dropped with a source
that rolls back; the index is then what the plain update would have made."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import tantivy

from corpus_db.ingest import worker
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import search_early, search_index
from corpus_db.store.db import connect
from corpus_db.store.lock import writer_lock
from corpus_db.store.search import search
from corpus_db.store.search_early import EarlyIndex
from corpus_db.store.transaction import write_transaction
from tests.store.test_search_index import listing

RECORDS = [(f"Paper number {i} about topic{i}", f"Abstract {i} discusses topic{i} at length.") for i in range(1, 41)]


@pytest.fixture
def imported(db_path: Path, tmp_path: Path) -> Path:
    run_import(db_path, [SourceTask.for_path(listing(tmp_path / "dump.txt", RECORDS), format="listing")])
    return db_path


@contextmanager
def writing(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A write transaction on a connection of its own, as the writer's."""
    conn = connect(db_path)
    try:
        with write_transaction(conn, db_path):
            yield conn
    finally:
        conn.close()


def titles(db_path: Path, query: str) -> list[str]:
    page = search(db_path, query)
    assert page.engine == "tantivy", page.fallback_reason
    return sorted(h.title for h in page)


def current_index(db_path: Path) -> tantivy.Index:
    conn = sqlite3.connect(db_path)
    try:
        state = search_index.read_state(conn)
    finally:
        conn.close()
    assert state is not None
    return search_index.open_index(search_index.index_root(db_path) / state.generation)


@pytest.fixture
def added(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(where, how many) for every call that adds documents: during the import or in the update after it."""
    calls: list[tuple[str, int]] = []
    real = search_index.add_documents

    def counting(writer, schema, forms, rows):  # type: ignore[no-untyped-def]
        caller = sys._getframe(1).f_code.co_name
        calls.append(("import" if caller == "_take" else "update", len(rows)))
        return real(writer, schema, forms, rows)

    monkeypatch.setattr(search_index, "add_documents", counting)
    return calls


def test_a_re_import_hands_its_papers_over_while_writing(
    imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, added: list[tuple[str, int]]
) -> None:
    monkeypatch.setattr(search_early, "TAKE_AT", 2)
    edited = list(RECORDS)
    for n in (3, 17, 29):
        edited[n] = (RECORDS[n][0], f"A rewritten abstract about zeppelins number {n}.")
    run_import(imported, [SourceTask.for_path(listing(tmp_path / "dump.txt", edited), format="listing")])
    assert titles(imported, "zeppelins") == sorted(RECORDS[n][0] for n in (3, 17, 29))
    assert titles(imported, "topic4") == [RECORDS[3][0]]  # its title still says so
    assert titles(imported, '"discusses topic18"') == []  # the old abstract is gone
    # Every edited paper went in during the import; the update after the commit only committed them.
    assert sum(n for where, n in added if where == "import") == 3
    assert sum(n for where, n in added if where == "update") == 0
    assert current_index(imported).searcher().num_docs == len(RECORDS)


def test_a_paper_changed_again_after_its_hand_over_is_indexed_as_committed(imported: Path) -> None:
    early = EarlyIndex(imported)
    with writing(imported) as conn:
        conn.execute("UPDATE papers SET title = 'Zeppelins at dawn' WHERE title = ?", (RECORDS[4][0],))
        conn.execute("DELETE FROM papers WHERE title = ?", (RECORDS[5][0],))
        early.take(conn, final=True)
        conn.execute("UPDATE papers SET title = 'Airships at dusk' WHERE title = 'Zeppelins at dawn'")
        conn.execute("UPDATE papers SET abstract = 'Balloons.' WHERE title = ?", (RECORDS[6][0],))
    with writer_lock(imported):
        result = search_index.update(imported, early=early)
    assert result.action == "applied"
    assert titles(imported, "zeppelins") == [] and titles(imported, "airships") == ["Airships at dusk"]
    assert titles(imported, "topic6") == []  # deleted before its hand-over: its document went
    assert titles(imported, "balloons") == [RECORDS[6][0]]  # never handed over: applied from the queue
    assert current_index(imported).searcher().num_docs == len(RECORDS) - 1


def test_handed_over_documents_are_not_searchable_before_the_update_commits(imported: Path) -> None:
    early = EarlyIndex(imported)
    with writing(imported) as conn:
        conn.execute("UPDATE papers SET title = 'Zeppelins at dawn' WHERE title = ?", (RECORDS[4][0],))
        early.take(conn, final=True)
        # The writer's lock is held until the update takes the work over or it is abandoned.
        with pytest.raises(ValueError, match="LockBusy"):
            current_index(imported).writer(search_index.WRITER_HEAP, 1)
        fresh = current_index(imported)
        assert fresh.searcher().search(fresh.parse_query("zeppelins", ["title"]), 5).hits == []
    early.abandon()  # as a kill would: nothing of it was committed
    current_index(imported).writer(search_index.WRITER_HEAP, 1)  # the lock went with it
    with writer_lock(imported):
        assert search_index.update(imported).action == "applied"  # from the queue, as always
    assert titles(imported, "zeppelins") == ["Zeppelins at dawn"]


def _jsonl_line(n: int, abstract: str) -> str:
    return json.dumps({
        "id": f"2401.{n:05d}", "title": f"Paper {n} on graph learning", "abstract": abstract,
        "authors": "A B", "authors_parsed": [["B", "A", ""]], "categories": "cs.LG", "update_date": "2024-01-02",
        "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}],
    })


def test_a_source_that_rolls_back_takes_its_early_documents_with_it(
    imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, added: list[tuple[str, int]]
) -> None:
    monkeypatch.setattr(search_early, "TAKE_AT", 1)
    monkeypatch.setattr(worker, "BATCH", 2)  # several batches, each handed over, before the dump fails
    good = [_jsonl_line(n, f"Abstract {n} about zeppelins.") for n in range(1, 6)]
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([_jsonl_line(n, f"Abstract {n} about airships.") for n in range(10, 16)])
                      + '\n{"id": "2401.00099", "title": "cut sho', encoding="utf-8")
    fine = tmp_path / "fine.jsonl"
    fine.write_text("\n".join(good) + "\n", encoding="utf-8")
    _, results = run_import(imported, [SourceTask.for_path(fine), SourceTask.for_path(broken)])
    assert [r.status for r in results] == ["imported", "failed"]
    assert sum(n for where, n in added if where == "import") >= 6  # the broken source's papers were handed over
    assert len(titles(imported, "zeppelins")) == 5
    assert titles(imported, "airships") == []
    assert current_index(imported).searcher().num_docs == len(RECORDS) + 5
