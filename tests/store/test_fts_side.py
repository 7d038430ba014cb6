"""The FTS5 index a first import builds on a thread (store/fts_side.py): the index it puts in place is the one
the triggers would have built, whatever happened to the papers meanwhile, and a failure leaves nothing behind."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.ingest.worker import WORKER_MIN_BYTES_ENV
from corpus_db.store import fts, fts_side, writer
from corpus_db.store.build import build_path
from corpus_db.store.migrate import migrate
from tests.store.test_build import _check_whole
from tests.store.test_bulk_load import _schema, dumps  # noqa: F401 (a fixture)
from tests.sync_support import cli_env

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import generate

NOW = "2026-11-26T00:00:00Z"


def _paper(conn: sqlite3.Connection, paper_id: int, title: str, abstract: str | None) -> None:
    conn.execute(
        "INSERT INTO papers (id, identity_key, title, title_key, abstract, first_seen, last_updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (paper_id, f"k{paper_id}", title, title.lower(), abstract, NOW, NOW),
    )


def _matches(conn: sqlite3.Connection, query: str) -> list[int]:
    return [r for (r,) in conn.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid",
                                       (query,))]


def test_rows_handed_over_as_inserted_are_indexed_as_the_papers_end(tmp_path: Path) -> None:
    """The writer hands over the rows it inserted, not read back: a paper changed or deleted between its
    insert and its hand-over is indexed with its text at the hand-over, or not at all."""
    db = tmp_path / "corpus.db"
    migrate(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    side = fts_side.SideIndex(conn, db, 1)
    rows = [(i, f"paper {i} about walruses", "an abstract on kelp") for i in range(1, 6)]
    for row in rows:
        _paper(conn, *row)
    conn.execute("UPDATE papers SET title = 'paper 2 about narwhals' WHERE id = 2")
    conn.execute("DELETE FROM papers WHERE id = 5")  # the last row handed over
    side.hand_over(rows)
    assert side.sent_to == 6
    _paper(conn, 6, "paper 6 about seals", None)
    conn.execute("UPDATE papers SET abstract = 'now on plankton' WHERE id = 1")  # handed over already
    side.hand_over([(6, "paper 6 about seals", None)])
    side.hand_over([])
    side.finish()
    side.copy_into()
    fts.create_triggers(conn)
    conn.execute("COMMIT")
    fts.integrity_check(conn)
    assert _matches(conn, "walruses") == [1, 3, 4] and _matches(conn, "narwhals") == [2]
    assert _matches(conn, "kelp") == [2, 3, 4] and _matches(conn, "plankton") == [1]
    assert _matches(conn, "seals") == [6]
    fts_side.detach(conn)


def test_papers_changed_or_deleted_after_their_hand_over_are_indexed_as_they_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fts_side, "ROWS_PER_STATEMENT", 2)  # several segments to merge
    db = tmp_path / "corpus.db"
    migrate(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    side = fts_side.SideIndex(conn, db, 1)
    assert side.path.exists() and fts.triggers_present(conn) == set()
    rows = [(i, f"paper {i} about walruses", "an abstract on kelp" if i % 2 else None) for i in range(1, 6)]
    for row in rows:
        _paper(conn, *row)
    side.hand_over(rows)
    conn.execute("UPDATE papers SET title = 'paper 2 about narwhals' WHERE id = 2")
    conn.execute("UPDATE papers SET abstract = 'now on plankton' WHERE id = 2")  # the first old text is kept
    conn.execute("DELETE FROM papers WHERE id = 3")
    _paper(conn, 6, "paper 6 about walruses", "kelp again")
    conn.execute("UPDATE papers SET title = 'paper 6 about seals' WHERE id = 6")  # not handed over yet
    side.hand_over([(6, "paper 6 about walruses", "kelp again")])
    conn.execute("UPDATE papers SET abstract = 'kelp forests' WHERE id = 4")  # after the last hand-over
    side.hand_over([])
    side.finish()
    side.copy_into()
    fts.create_triggers(conn)
    conn.execute("COMMIT")
    assert not side.path.exists()
    fts.integrity_check(conn)  # the rank=1 form compares every row with papers
    assert _matches(conn, "walruses") == [1, 4, 5]
    assert _matches(conn, "narwhals") == [2] and _matches(conn, "plankton") == [2]
    assert _matches(conn, "kelp") == [1, 4, 5, 6] and _matches(conn, "seals") == [6]
    assert conn.execute("SELECT COUNT(*) FROM temp.fts_side_stale").fetchone()[0] == 0
    assert conn.execute("SELECT name FROM sqlite_temp_master WHERE type = 'trigger'").fetchall() == []
    # The scratch file, attached to copy it in, is let go of once the transaction is over.
    assert "fts_side" in [name for _, name, _ in conn.execute("PRAGMA database_list")]
    fts_side.detach(conn)
    assert [name for _, name, _ in conn.execute("PRAGMA database_list")] == ["main", "temp"]
    conn.close()


def test_a_failing_thread_fails_the_source_and_leaves_nothing(tmp_path: Path, dumps: tuple[Path, Path],  # noqa: F811
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "BULK_MIN_RECORDS", 1)
    monkeypatch.setattr(writer, "BULK_SHARE_OF_EXISTING", 0.0)
    monkeypatch.setattr(fts_side, "HAND_OVER", 100)
    monkeypatch.setattr(fts_side, "_statement", lambda kind, rows: "INSERT INTO no_such_table VALUES (?)")
    db = tmp_path / "corpus.db"
    migrate(db)
    schema = _schema(db)
    totals, results = run_import(db, [SourceTask.for_path(dumps[0])])
    assert totals.sources_failed == 1
    assert "no_such_table" in (results[0].error or "") and "database could not be written" in results[0].error
    assert _schema(db) == schema
    assert list(tmp_path.glob(f"*{fts_side.SIDE_SUFFIX}")) == []
    monkeypatch.undo()
    totals, _ = run_import(db, [SourceTask.for_path(dumps[0])])
    assert totals.counts.inserted == 1200


# The CLI with every load a bulk one and small hand-overs, so that a kill finds the FTS5 thread at work.
_BULK_CLI = (
    "import sys; from corpus_db.store import fts_side, writer; writer.BULK_MIN_RECORDS = 1; "
    "writer.BULK_SHARE_OF_EXISTING = 0.0; fts_side.HAND_OVER = fts_side.ROWS_PER_STATEMENT = 300; "
    "from corpus_db.cli import main; sys.argv[0] = 'corpus-db'; main()"
)


def test_a_kill_while_the_thread_indexes_leaves_nothing_or_everything(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    generate.write_arxiv(big, 12000, seed=13)
    db = tmp_path / "corpus.db"
    env = cli_env(**{WORKER_MIN_BYTES_ENV: "0"})
    rng = random.Random(16)
    outcomes = []
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", _BULK_CLI, "import", str(db), str(big), "--quiet"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        scratch = fts_side.side_path(build_path(db))
        deadline = time.monotonic() + 60
        while not scratch.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert scratch.exists(), "the thread never started"
        time.sleep(rng.uniform(0.0, 0.5))
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI, its thread and its workers, as a crash would
        proc.wait(timeout=60)
        if db.exists():
            _check_whole(db, 12000)
            outcomes.append("whole")
            db.unlink()
        else:
            outcomes.append("nothing")
    done = subprocess.run([sys.executable, "-c", _BULK_CLI, "import", str(db), str(big), "--quiet"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    _check_whole(db, 12000)
    assert list(tmp_path.glob(f"*{fts_side.SIDE_SUFFIX}")) == [], outcomes  # the next run cleared the kills' files
    assert "nothing" in outcomes, outcomes
