"""The worker started as an import or sync command starts (ingest/worker_process.py): a large dump's first
part runs in it, with the same result as in a worker started for the dump; one no dump took is stopped at
once; it never outlives its writer; only import and sync start one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_db.cli.app import _wants_early_worker
from corpus_db.ingest import worker_process
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.ingest.worker import WORKER_MIN_BYTES_ENV
from tests.ingest.test_file_identity import write_dump
from tests.sync_support import fetch_all


@pytest.fixture
def no_early_worker_left() -> Iterator[None]:
    yield
    worker_process.stop_early()


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _table(db: Path) -> list[tuple]:
    return fetch_all(db, "SELECT record_key, position, record_hash, listed FROM paper_sources ORDER BY 1")


def test_a_large_dump_is_prepared_in_the_early_worker_as_in_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_early_worker_left: None
) -> None:
    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, "1")  # every dump in workers
    dump = write_dump(tmp_path / "snap.jsonl", count=1200)
    worker_process.start_early()
    early = worker_process._started()
    assert early is not None and early.process.is_alive()
    _, [first] = run_import(tmp_path / "early.db", [SourceTask.for_path(dump)])
    assert worker_process.take_early() is None  # taken by the import
    assert not early.process.is_alive() and early.process.exitcode == 0  # its work done, not stopped
    _, [plain] = run_import(tmp_path / "plain.db", [SourceTask.for_path(dump)])
    assert first.error is None and plain.error is None
    assert first.counts == plain.counts and first.counts.inserted == 1200
    assert _table(tmp_path / "early.db") == _table(tmp_path / "plain.db")
    # A re-import with one record edited: one worker, the early one again, skimming by fingerprint.
    worker_process.start_early()
    write_dump(dump, count=1200, edit=True)
    _, [again] = run_import(tmp_path / "early.db", [SourceTask.for_path(dump)])
    assert again.error is None and (again.counts.unchanged, again.counts.updated) == (1199, 1)
    assert worker_process.take_early() is None


def test_an_early_worker_no_dump_took_is_stopped_at_once(no_early_worker_left: None) -> None:
    worker_process.start_early()
    early = worker_process._started()
    assert early is not None
    started = time.monotonic()
    worker_process.stop_early()  # while it may still be starting
    assert not early.process.is_alive() and time.monotonic() - started < 2
    assert worker_process.take_early() is None
    worker_process.stop_early()  # nothing left: nothing to do


EARLY_THEN_WAIT = """
import sys, time
from corpus_db.ingest import worker_process
worker_process.start_early()
print(worker_process._started().process.pid, flush=True)
time.sleep(60)
"""


def test_an_early_worker_ends_with_its_killed_writer() -> None:
    writer = subprocess.Popen([sys.executable, "-c", EARLY_THEN_WAIT], stdout=subprocess.PIPE, text=True)
    try:
        early_pid = int(writer.stdout.readline())  # type: ignore[union-attr]
        time.sleep(0.5)  # booted and waiting for its work
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        assert _gone(early_pid, within=5)
    finally:
        if writer.poll() is None:
            writer.kill()


@pytest.mark.parametrize(("args", "wanted"), [
    (["import", "corpus.db", "dump.jsonl"], True), (["sync", "--db", "c.db"], True),
    (["search", "corpus.db", "x"], False), (["import", "--help"], False), (["-h"], False), ([], False),
    (["--db", "c.db", "import"], False),  # an option first: rare, and only the early start is missed
])
def test_only_import_and_sync_start_one(args: list[str], wanted: bool) -> None:
    assert _wants_early_worker(args) is wanted
