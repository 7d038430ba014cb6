"""A first import into a new or empty database is built beside it and renamed into place: afterwards the
database is whole, in WAL mode, with its run history; a failing source still rolls back alone; a kill -9
at any point leaves nothing or the whole corpus, and the next run clears the stale build."""

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
from corpus_db.store import fts
from corpus_db.store.build import build_path, start_build
from corpus_db.store.migrate import SCHEMA_HEAD, current_revision, migrate
from tests.paths import ROOT
from tests.sync_support import cli_command, cli_env

sys.path.insert(0, str(ROOT / "bench"))

import generate

N = 1500


def _papers(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
    finally:
        conn.close()


def _check_whole(db: Path, papers: int) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == papers
        fts.integrity_check(conn)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == SCHEMA_HEAD
    finally:
        conn.close()


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dumps") / "arxiv.jsonl"
    generate.write_arxiv(path, N, seed=11)
    return path


def test_a_new_database_is_built_beside_and_renamed_into_place(tmp_path: Path, dump: Path) -> None:
    db = tmp_path / "corpus.db"
    totals, _ = run_import(db, [SourceTask.for_path(dump)])
    assert totals.status == "ok" and totals.counts.inserted == N
    _check_whole(db, N)
    assert not build_path(db).exists()
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("corpus.db"))
    assert left == ["corpus.db", "corpus.db.lock", "corpus.db.search"]  # the search index beside it


def test_an_empty_database_keeps_its_history_and_a_full_one_is_imported_in_place(tmp_path: Path, dump: Path) -> None:
    db = tmp_path / "corpus.db"
    migrate(db)
    run_import(db, [])  # a run that imported nothing: its row must survive the build
    run_import(db, [SourceTask.for_path(dump)])
    _check_whole(db, N)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM import_runs WHERE status = 'ok'").fetchone()[0] == 2
    conn.close()
    assert start_build(db) is None  # it holds a source now


def test_a_failing_source_rolls_back_alone_in_a_build(tmp_path: Path, dump: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    lines = dump.read_text(encoding="utf-8").splitlines()
    # Cut off in the middle of a record: a truncated file fails whole (one mangled line would be a reject).
    broken.write_text("\n".join([*lines[:50], '{"id": "2401.0']), encoding="utf-8")
    db = tmp_path / "corpus.db"
    _, results = run_import(db, [SourceTask.for_path(broken), SourceTask.for_path(dump)])
    assert [r.status for r in results] == ["failed", "imported"]
    _check_whole(db, N)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 1
    conn.close()


def test_a_kill_at_any_point_leaves_nothing_or_everything(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    generate.write_arxiv(big, 6000, seed=12)
    db = tmp_path / "corpus.db"
    env = cli_env(**{WORKER_MIN_BYTES_ENV: "0"})
    rng = random.Random(15)
    outcomes = []
    for _ in range(6):
        proc = subprocess.Popen(cli_command("import", db, big, "--quiet"), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.3, 6.0))
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers, as a crash would
        proc.wait(timeout=60)
        if db.exists():
            _check_whole(db, 6000)
            outcomes.append("whole")
            db.unlink()
        else:
            assert current_revision(db) is None
            outcomes.append("nothing")
    # The next run clears whatever build the kills left and completes.
    totals, _ = run_import(db, [SourceTask.for_path(big)])
    assert totals.counts.inserted == 6000
    _check_whole(db, 6000)
    assert not build_path(db).exists()
    assert "nothing" in outcomes, outcomes
