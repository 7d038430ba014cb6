"""The store on re-imports: per-record change detection, listing state, duplicates within a source."""

import sqlite3
from pathlib import Path

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import fts
from corpus_db.store.search import search


def listing(path: Path, records: list[tuple[str, str]]) -> Path:
    chrome = "Get trending papers in your email inbox!\n"  # what makes text a listing page
    path.write_text(chrome + "".join(f"{t}\n{a}\n" for t, a in records), encoding="utf-8")
    return path


RECORDS = [(f"Paper number {i} about topic{i}", f"Abstract {i} discusses topic{i} at length.") for i in range(1, 101)]


def rows(conn: sqlite3.Connection) -> dict[int, tuple]:
    return {r[0]: r for r in conn.execute("SELECT id, title, abstract, last_updated FROM papers")}


def test_editing_one_record_touches_one_paper_and_its_fts_entry(db_path: Path, tmp_path: Path) -> None:
    dump = listing(tmp_path / "dump.txt", RECORDS)
    run_import(db_path, [SourceTask.for_path(dump)])
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE papers SET last_updated = 'before'")
    conn.commit()
    edited = list(RECORDS)
    edited[41] = (RECORDS[41][0], "A rewritten abstract about zeppelins.")
    listing(dump, edited)
    _totals, [result] = run_import(db_path, [SourceTask.for_path(dump)])
    assert (result.counts.updated, result.counts.unchanged, result.counts.inserted) == (1, 99, 0)
    changed = [pid for pid, (_, _, _, stamp) in rows(conn).items() if stamp != "before"]
    assert len(changed) == 1
    assert [h.title for h in search(conn, "zeppelins")] == [RECORDS[41][0]]
    assert search(conn, "topic42") and "zeppelins" not in search(conn, "topic42")[0].snippet
    fts.integrity_check(conn)


def test_a_record_that_disappears_is_kept_and_marked_then_listed_again(db_path: Path, tmp_path: Path) -> None:
    dump = listing(tmp_path / "dump.txt", RECORDS)
    run_import(db_path, [SourceTask.for_path(dump)])
    listing(dump, RECORDS[:10] + RECORDS[11:])
    _, [result] = run_import(db_path, [SourceTask.for_path(dump)])
    assert result.counts.unlisted == 1
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 100
    listed, unlisted_at = conn.execute(
        "SELECT ps.listed, ps.unlisted_at FROM paper_sources ps JOIN papers p ON p.id = ps.paper_id WHERE p.title = ?",
        (RECORDS[10][0],),
    ).fetchone()
    assert listed == 0 and unlisted_at
    assert [h.title for h in search(conn, "topic11")] == [RECORDS[10][0]]
    listing(dump, RECORDS)
    _, [again] = run_import(db_path, [SourceTask.for_path(dump)])
    assert again.counts.updated == 1 and again.counts.unchanged == 99
    assert conn.execute("SELECT COUNT(*) FROM paper_sources WHERE listed = 0").fetchone()[0] == 0


def test_a_work_listed_twice_in_one_source_has_two_listings(db_path: Path, tmp_path: Path) -> None:
    dump = listing(tmp_path / "dump.txt", [RECORDS[0], RECORDS[1], RECORDS[0]])
    _totals, [result] = run_import(db_path, [SourceTask.for_path(dump)])
    assert (result.counts.inserted, result.counts.merged) == (2, 1)
    conn = sqlite3.connect(db_path)
    keys = [k for (k,) in conn.execute("SELECT record_key FROM paper_sources ORDER BY position")]
    assert keys[2] == keys[0] + "#2"
    _, [again] = run_import(db_path, [SourceTask.for_path(dump)], force=True)
    assert again.counts.unchanged == 3


def test_a_title_match_never_joins_papers_with_different_arxiv_ids(db_path: Path, tmp_path: Path) -> None:
    lines = [
        '{"id": "1607.06450", "title": "Layer Normalization", "abstract": "One.", "authors": "A B",'
        ' "categories": "cs.LG", "versions": [{"version": "v1", "created": "Thu, 21 Jul 2016 19:57:52 GMT"}],'
        ' "authors_parsed": [["B", "A", ""]], "update_date": "2016-07-21"}',
        '{"id": "2001.00001", "title": "Layer Normalization", "abstract": "Two.", "authors": "C D",'
        ' "categories": "cs.LG", "versions": [{"version": "v1", "created": "Wed, 1 Jan 2020 00:00:00 GMT"}],'
        ' "authors_parsed": [["D", "C", ""]], "update_date": "2020-01-01"}',
    ]
    dump = tmp_path / "snap.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    _, [result] = run_import(db_path, [SourceTask.for_path(dump)])
    assert result.status == "imported", result.error
    assert result.counts.inserted == 2
    title_only = listing(tmp_path / "listing.txt", [("Layer Normalization", "Listed without an id.")])
    _, [joined] = run_import(db_path, [SourceTask.for_path(title_only)])
    assert joined.counts.merged == 1  # joins the oldest compatible paper, creates nothing


def test_json_each_arrays_carry_any_key() -> None:
    """The writer's look-ups pass keys to json_each as one JSON array (made by orjson)."""
    from corpus_db.store.writer import _json

    keys = ["arxiv:2405.00001", "title:caf\u00e9 \u00fcber", "title:\U0001f600 \u2028 key", 'quote " and \\ slash']
    conn = sqlite3.connect(":memory:")
    assert [v for (v,) in conn.execute("SELECT value FROM json_each(?)", (_json(keys),))] == keys
    assert [v for (v,) in conn.execute("SELECT value FROM json_each(?)", (_json(iter({3, 1, 2})),))] == [1, 2, 3]
