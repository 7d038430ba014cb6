"""kill -9 at random points of `migrate` up and down: each revision commits with its stamp, so the
database is always at some revision whose tables it has, and the next `migrate` brings it to head with
every row the up direction had."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from corpus_db.store.guard import check_database
from tests.sync_support import cli_command, cli_env, run_cli, wal_size

KILLS = 3


def _kill_mid_migration(args: list[str], db: Path, rnd: random.Random) -> None:
    """Start the command, wait until it writes to the database (its WAL grows), then kill it after a
    random few milliseconds: somewhere inside the revisions."""
    start = wal_size(db)
    proc = subprocess.Popen(cli_command(*args), env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if wal_size(db) != start:
            break
        time.sleep(0.002)
    time.sleep(rnd.uniform(0, 0.04))
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


@pytest.mark.parametrize("direction", ["up", "down"])
def test_a_killed_migration_leaves_a_consistent_database(direction: str, seeded_db: Path, tmp_path: Path) -> None:
    rnd = random.Random(f"{direction}-{os.getpid()}")
    papers = sqlite3.connect(seeded_db).execute("SELECT COUNT(*) FROM papers").fetchone()[0]
    for attempt in range(KILLS):
        db = tmp_path / f"{direction}-{attempt}.db"
        shutil.copy(seeded_db, db)
        if direction == "up":
            assert run_cli("migrate", db, "--downgrade", "--revision", "0001", "--yes").returncode == 0
            _kill_mid_migration(["migrate", str(db)], db, rnd)
        else:
            _kill_mid_migration(["migrate", str(db), "--downgrade", "--revision", "base", "--yes"], db, rnd)
        stamp = check_database(db)  # raises when the stamp and the tables disagree
        result = run_cli("migrate", db)
        assert result.returncode == 0, (stamp, result.stderr)
        stats = run_cli("stats", db, "--json")
        assert stats.returncode == 0, stats.stderr
        if direction == "up":
            assert f'"papers": {papers}' in stats.stdout, stats.stdout
