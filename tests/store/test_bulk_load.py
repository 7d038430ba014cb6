"""A bulk load indexes each chunk's new papers itself (the insert trigger is off meanwhile) and, into an
empty corpus, builds the secondary indexes once at the end: afterwards the FTS index, the triggers and
the indexes are exactly what they were, and the rows are those a load by triggers stores."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.ingest.worker import WORKER_MIN_BYTES_ENV, WORKERS_ENV
from corpus_db.store import fts, fts_levels, fts_side, writer
from corpus_db.store.migrate import migrate
from tests.ingest.test_worker import contents
from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import generate


def _schema(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dumps")
    generate.write_arxiv(root / "first.jsonl", 1200, seed=21)
    # 5% edited (new titles and abstracts: the update trigger's path) and 200 new papers.
    generate.write_arxiv(root / "second.jsonl", 1200, seed=21, edit_fraction=0.05, append=200)
    return root / "first.jsonl", root / "second.jsonl"


def _load(db: Path, dumps: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, *, bulk: bool) -> None:
    monkeypatch.setattr(writer, "BULK_MIN_RECORDS", 1 if bulk else 10**9)
    monkeypatch.setattr(writer, "BULK_SHARE_OF_EXISTING", 0.0 if bulk else 10.0)
    for dump in dumps:
        target = db.parent / f"{db.stem}-{dump.name}"  # each dump its own source
        target.write_bytes(dump.read_bytes())
        totals, results = run_import(db, [SourceTask.for_path(target)])
        assert totals.status == "ok", [r.error for r in results]


def test_a_bulk_load_stores_what_triggers_store(tmp_path: Path, dumps: tuple[Path, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    bulk_db, trigger_db = tmp_path / "bulk.db", tmp_path / "triggers.db"
    _load(bulk_db, dumps, monkeypatch, bulk=True)
    _load(trigger_db, dumps, monkeypatch, bulk=False)
    assert contents(bulk_db) == contents(trigger_db)
    assert _schema(bulk_db) == _schema(trigger_db)  # every index and trigger back, as the schema wrote it
    conn = sqlite3.connect(bulk_db)
    try:
        fts.integrity_check(conn)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []  # built without the look-ups
        assert fts.triggers_present(conn) == set(fts.TRIGGERS)
        config = dict(conn.execute("SELECT k, v FROM papers_fts_config"))
        assert config["hashsize"] == fts.DEFAULT_HASH_BYTES
        # FTS5's own merging, as before the load (FTS5 keeps a setting once made: the defaults written back)
        assert config.get("automerge", fts.DEFAULT_AUTOMERGE) == fts.DEFAULT_AUTOMERGE
        assert config.get("crisismerge", fts.DEFAULT_CRISIS_MERGE) == fts.DEFAULT_CRISIS_MERGE
    finally:
        conn.close()


def test_several_workers_store_what_one_stores(tmp_path: Path, dumps: tuple[Path, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, "0")
    stored = {}
    for workers in ("1", "3"):
        monkeypatch.setenv(WORKERS_ENV, workers)
        db = tmp_path / f"workers-{workers}.db"
        for dump in dumps:  # the second is a re-import of the first source: unchanged, edited and new records
            live = tmp_path / f"live-{workers}.jsonl"
            live.write_bytes(dump.read_bytes())
            totals, results = run_import(db, [SourceTask.for_path(live)])
            assert totals.status == "ok", [r.error for r in results]
        assert totals.counts.inserted == 200 and totals.counts.updated > 0
        totals, _ = run_import(db, [SourceTask.for_path(live)], force=True)  # every record again, in parts
        assert totals.counts.records == 1400
        stored[workers] = contents(db)
    assert stored["1"] == stored["3"]


def test_a_failing_bulk_load_leaves_indexes_and_triggers_as_they_were(tmp_path: Path, dumps: tuple[Path, Path],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "BULK_MIN_RECORDS", 1)
    monkeypatch.setattr(writer, "BULK_SHARE_OF_EXISTING", 0.0)
    broken = tmp_path / "broken.jsonl"
    lines = dumps[0].read_text(encoding="utf-8").splitlines()
    broken.write_text("\n".join([*lines[:1100], '{"id": "2401.0']), encoding="utf-8")  # truncated: fails whole
    db = tmp_path / "corpus.db"
    migrate(db)
    schema = _schema(db)
    totals, _ = run_import(db, [SourceTask.for_path(broken)])
    assert totals.sources_failed == 1
    assert _schema(db) == schema  # the dropped indexes and the insert trigger came back with the rollback
    totals, _ = run_import(db, [SourceTask.for_path(dumps[0])])
    assert totals.counts.inserted == 1200
    conn = sqlite3.connect(db)
    try:
        fts.integrity_check(conn)
    finally:
        conn.close()


def repeats_dump(tmp_path: Path, first: Path) -> Path:
    """The first dump with its 11th paper listed again at the end: first without an abstract, then with one."""
    lines = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    lines[10]["abstract"] = ""
    lines.append(dict(lines[10], abstract="A later listing of the same paper, with its abstract: zebrafish."))
    dump = tmp_path / "repeats.jsonl"
    dump.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return dump


@pytest.mark.parametrize("indexer", ["thread", "writer"])
def test_a_paper_whose_text_a_later_record_improves(tmp_path: Path, dumps: tuple[Path, Path],
                                                    monkeypatch: pytest.MonkeyPatch, indexer: str) -> None:
    """The writer's own indexing (as into a corpus with papers) indexes new papers many chunks at a time; a
    later chunk that fills in the abstract of a paper still waiting goes through the update trigger, which
    needs the paper indexed first. The FTS5 thread of a load into an empty corpus has the paper already (a
    hand-over per 100 papers): its log of changed papers takes the old text out and puts the new one in."""
    if indexer == "writer":
        monkeypatch.setattr(writer, "db_path_of", lambda conn: "")
        monkeypatch.setattr(writer, "FTS_BATCH", 10**6)  # nothing indexed before the end, but for the update
    else:
        monkeypatch.setattr(fts_side, "HAND_OVER", 100)
        monkeypatch.setattr(fts_side, "ROWS_PER_STATEMENT", 30)
    dump = repeats_dump(tmp_path, dumps[0])
    stored = {}
    for bulk in (True, False):
        db = tmp_path / f"bulk-{bulk}.db"
        _load(db, (dump,), monkeypatch, bulk=bulk)
        conn = sqlite3.connect(db)
        try:
            fts.integrity_check(conn)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            hits = conn.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'zebrafish'").fetchall()
            assert hits == [(11,)]
        finally:
            conn.close()
        stored[bulk] = contents(db)
    assert stored[True] == stored[False]


def test_authors_are_the_same_whether_their_ids_are_remembered_or_looked_up(
    tmp_path: Path, dumps: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer remembers author ids up to writer.AUTHOR_CACHE names and looks the rest up in the database;
    a tiny cache (most names looked up, some remembered) and none at all must store the same rows."""
    stored = {}
    for cache in (0, 25):
        monkeypatch.setattr(writer, "AUTHOR_CACHE", cache)
        db = tmp_path / f"cache-{cache}.db"
        _load(db, dumps, monkeypatch, bulk=True)
        conn = sqlite3.connect(db)
        try:  # the ids themselves too: the same names get the same ids in the same order
            stored[cache] = (conn.execute("SELECT * FROM authors ORDER BY id").fetchall(),
                             conn.execute("SELECT * FROM paper_authors ORDER BY paper_id, position").fetchall())
        finally:
            conn.close()
    assert stored[0] == stored[25]
    assert len(stored[0][1]) > len(stored[0][0]) > 25  # names recur, and more than the cache holds


@pytest.mark.parametrize("indexer", ["thread", "writer"])
def test_a_bulk_load_leaves_its_merged_segment_high_enough_for_small_writes(
    tmp_path: Path, dumps: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, indexer: str
) -> None:
    # FTS5's optimize puts the merged segment one level above the highest in use. A load that never merged
    # left it on level 1, where the merges of the next small writes reached it: a 1%-edited re-import of
    # 100k papers spent 1.23 s in the update trigger instead of 0.23 s, rewriting the whole index. The load
    # still does not merge (8% of the writer), and its merged segment is lifted, by the FTS5 thread of a load
    # into an empty corpus as by the writer's own indexing.
    if indexer == "writer":
        monkeypatch.setattr(writer, "db_path_of", lambda conn: "")
    monkeypatch.setattr(fts_side, "HAND_OVER", 50)
    monkeypatch.setattr(fts_side, "ROWS_PER_STATEMENT", 50)
    monkeypatch.setattr(writer, "FTS_BATCH", 50)
    monkeypatch.setattr(fts, "BULK_HASH_BYTES", 16 * 1024)  # many flushes of a few pages, as a big load makes
    db = tmp_path / "bulk.db"
    _load(db, dumps[:1], monkeypatch, bulk=True)
    conn = sqlite3.connect(db)
    try:
        levels = fts_levels.read_structure(conn, fts.FTS_TABLE).segments_per_level
        assert sum(levels) == 1 and levels.index(1) == fts_levels.LIFTED_LEVEL, levels
        conn.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
        settings = dict(conn.execute("SELECT k, v FROM papers_fts_config WHERE k IN ('automerge', 'crisismerge')"))
        assert settings == {"automerge": fts.DEFAULT_AUTOMERGE, "crisismerge": fts.DEFAULT_CRISIS_MERGE}
    finally:
        conn.close()
