"""An import's commits leave the checkpoint to a thread (BackgroundCheckpoints): the pages still reach the
database file, and the log is gone once the command ends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store.checkpoint import BackgroundCheckpoints
from corpus_db.store.db import connect
from tests.ingest.test_worker import snapshot_lines


def _wal(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def test_a_commit_without_its_checkpoint_is_copied_by_the_thread(seeded_db: Path) -> None:
    db = seeded_db
    writer = connect(db)
    writer.execute("CREATE TABLE t (x TEXT)")
    BackgroundCheckpoints.pause_automatic(writer)
    checkpoints = BackgroundCheckpoints(db)
    writer.execute("BEGIN")
    writer.executemany("INSERT INTO t VALUES (?)", [("x" * 2000,) for _ in range(20_000)])  # ~2,500 pages
    writer.execute("COMMIT")
    assert _wal(db).stat().st_size > 30_000_000  # the commit left every page in the log
    size = db.stat().st_size
    checkpoints.after_commit()
    writer.close()  # not the last connection: no checkpoint here
    assert _wal(db).exists()
    checkpoints.wait()
    assert db.stat().st_size > size + 30_000_000  # the thread copied the pages into the database
    checkpoints.close()  # the thread's pass, then the last close
    assert not _wal(db).exists() or _wal(db).stat().st_size == 0
    plain = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert plain.execute("SELECT count(*) FROM t").fetchone() == (20_000,)
    plain.close()


def test_an_import_in_place_ends_with_its_pages_in_the_database(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    dump = tmp_path / "snap.jsonl"
    dump.write_text("\n".join(snapshot_lines(300)) + "\n")
    run_import(db, [SourceTask.for_path(dump)])  # a new database: built beside it, no log
    dump.write_text("\n".join(snapshot_lines(600)) + "\n")
    _, [grown] = run_import(db, [SourceTask.for_path(dump)])  # in place: the checkpoint on a thread
    assert grown.status == "imported" and grown.counts.inserted == 300, grown.error
    assert not _wal(db).exists() or _wal(db).stat().st_size == 0
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM papers").fetchone() == (600,)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
