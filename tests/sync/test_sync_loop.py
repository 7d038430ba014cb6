"""`corpus-db sync --every`: rounds go on after a failure, and a signal ends the loop between rounds."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from corpus_db.store.db import DatabaseBusyError
from corpus_db.sync.rounds import run_every
from tests.http_fixture import Document, TestServer, sequence, status
from tests.http_fixture import http_server as http_server  # the fixture
from tests.paths import ROOT
from tests.sync_support import cli_command, cli_env, count, generated_records, run_cli, write_listing, write_sources


def test_a_failed_or_raising_round_is_logged_and_the_loop_goes_on() -> None:
    log: list[str] = []
    outcomes = iter([DatabaseBusyError("db: another corpus-db process is writing"), False, True])

    def one_round(_number: int) -> bool:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert run_every(0.01, one_round, log=log.append, rounds=3) is True
    assert log[0] == "round 1 failed: DatabaseBusyError: db: another corpus-db process is writing"
    assert "round 2 FAILED; next round in" in log[2]
    with pytest.raises(StopIteration):
        next(outcomes)  # all three rounds ran


def test_rounds_every_interval_with_a_failure_in_between(http_server: TestServer, tmp_path: Path) -> None:
    db_path = tmp_path / "corpus.db"
    body = write_listing(tmp_path / "feed.txt", generated_records(5)).read_bytes()
    http_server.routes["/feed.txt"] = sequence(status(500), Document(body))
    sources = write_sources(tmp_path / "sources.yml", [{"name": "feed", "url": http_server.url("/feed.txt")}])

    result = run_cli("sync", db_path, "--sources", sources, "--every", "0.1s", "--rounds", "3", "--retries", "0")

    assert result.returncode == 0, result.stderr  # the last round went well
    assert "round 1 FAILED" in result.stderr and "HTTP 500" in result.stderr
    assert result.stdout.count("5 new") == 1 and "Nothing to do" in result.stdout
    statuses = [count(db_path, "SELECT status FROM import_runs WHERE id = ?", (n,)) for n in (1, 2, 3)]
    assert statuses == ["failed", "ok", "ok"]
    message = count(db_path, "SELECT message FROM import_runs WHERE id = 1")
    assert message == f"{http_server.url('/feed.txt')}: HTTP 500 Internal Server Error"
    assert http_server.requests[-1][1].get("If-None-Match") == '"v1"'  # round 3 asked conditionally: 304


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_the_loop_between_rounds(tmp_path: Path, signum: signal.Signals) -> None:
    db_path = tmp_path / "corpus.db"
    proc = subprocess.Popen(
        cli_command("sync", db_path, "--sources", ROOT / "sources.yml", "--every", "1h"), env=cli_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while not (db_path.exists() and _finished_runs(db_path)):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the first round never finished"
        time.sleep(0.1)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"{signum.name}: stopping after the current round" in err and "stopped after round 1" in err
    assert count(db_path, "SELECT COUNT(*) FROM import_runs") == 1
    assert count(db_path, "SELECT status FROM import_runs") == "ok"


def _finished_runs(db_path: Path) -> int:
    try:
        return count(db_path, "SELECT COUNT(*) FROM import_runs WHERE finished_at IS NOT NULL")
    except Exception:  # the schema may not be there yet
        return 0
