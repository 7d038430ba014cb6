"""SIGKILL in the middle of a source: the database is as it was before that source, the killed run is
closed as 'interrupted' by the next one, and the next sync completes the work."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from corpus_db.store import db as database
from corpus_db.store import fts
from corpus_db.sync.rounds import sync_once
from tests.paths import ROOT
from tests.sync_support import (
    cli_command,
    cli_env,
    count,
    generated_records,
    table_counts,
    wal_size,
    write_listing,
    write_sources,
)

BIG = 20_000
SEED_PAPERS = 389


def _wait_until_writing(proc: subprocess.Popen[str], db_path: Path, grown_by: int) -> None:
    """Until the open transaction spills pages into the WAL: the process is inside the big source."""
    deadline = time.monotonic() + 120
    while wal_size(db_path) <= grown_by:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.01)


def test_sigkill_mid_source_rolls_it_back_and_the_next_sync_completes_it(tmp_path: Path) -> None:
    db_path = tmp_path / "corpus.db"
    sync_once(db_path, ROOT / "sources.yml")  # the earlier state: the seeds
    before = table_counts(db_path)
    write_listing(tmp_path / "big.txt", generated_records(BIG, start=100_000))
    sources = write_sources(tmp_path / "sources.yml", [
        {"name": "seeds", "glob": str(ROOT / "seeds" / "*.txt"), "format": "listing", "tags": ["seeds"]},
        {"name": "big", "path": "big.txt", "tags": ["big"]},
    ])

    proc = subprocess.Popen(cli_command("sync", db_path, "--sources", sources), env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_until_writing(proc, db_path, grown_by=2 * 1024 * 1024)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)  # reaped: its pid is gone, as after any crash
    assert proc.returncode == -signal.SIGKILL

    assert table_counts(db_path) == before
    conn = database.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    fts.integrity_check(conn)
    killed_id, status, pid = conn.execute("SELECT id, status, pid FROM import_runs ORDER BY id DESC").fetchone()
    assert (status, pid) == ("running", proc.pid)

    result = subprocess.run(cli_command("sync", db_path, "--sources", sources), env=cli_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"Marked earlier run(s) #{killed_id} as interrupted" in result.stdout
    assert f"{BIG} new" in result.stdout
    assert count(db_path, "SELECT COUNT(*) FROM papers") == SEED_PAPERS + BIG
    status, message = conn.execute("SELECT status, message FROM import_runs WHERE id = ?", (killed_id,)).fetchone()
    assert status == "interrupted" and "ended before the run finished" in message
    assert conn.execute("SELECT status FROM import_runs ORDER BY id DESC").fetchone() == ("ok",)
    fts.integrity_check(conn)
