"""Writers and readers at the same time, as real processes: Datasette keeps answering while a sync
writes, a second writer waits or leaves with a clear message, and two syncs never both import."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from corpus_db.cli.web import datasette_command
from corpus_db.store import db as database
from corpus_db.store import migrate as migrations
from corpus_db.store.lock import writer_lock
from corpus_db.sync.rounds import sync_once
from tests.paths import ROOT
from tests.sync_support import (
    cli_command,
    cli_env,
    count,
    generated_records,
    run_cli,
    table_counts,
    write_listing,
    write_sources,
)

EXIT_BUSY = 75
SEED_PAPERS = 389


@pytest.fixture
def seeded_copy(tmp_path: Path) -> Path:
    """A database named corpus.db (Datasette serves it as /corpus) holding the seeds, via sync."""
    path = tmp_path / "corpus.db"
    totals, _ = sync_once(path, ROOT / "sources.yml")
    assert totals.status == "ok"
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def datasette(seeded_copy: Path) -> Iterator[str]:
    """A real `datasette serve` (the command `corpus-db serve` runs) on a free port; its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        datasette_command(seeded_copy, "127.0.0.1", port, None), env=cli_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/-/versions.json", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "datasette exited during start-up"
            assert time.monotonic() < deadline, "datasette did not start"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_datasette_keeps_answering_during_a_large_sync(datasette: str, seeded_copy: Path, tmp_path: Path) -> None:
    big = 20_000
    write_listing(tmp_path / "big.txt", generated_records(big, start=100_000))
    sources = write_sources(tmp_path / "big.yml", [{"name": "big", "path": "big.txt"}])
    sync = subprocess.Popen(
        cli_command("sync", seeded_copy, "--sources", sources), env=cli_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    answers: list[tuple[int, object]] = []
    answers_during_sync = 0
    with httpx.Client(base_url=datasette, timeout=60) as client:
        while True:
            running = sync.poll() is None
            counted = client.get("/corpus.json", params={"sql": "select count(*) from papers", "_shape": "array"})
            table = client.get("/corpus/papers.json", params={"_size": "1", "_sort_desc": "id"})
            answers.append((counted.status_code, counted.json()[0]["count(*)"] if counted.is_success else counted.text))
            answers.append((table.status_code, table.text[:200] if not table.is_success else "ok"))
            answers_during_sync += running and sync.poll() is None
            if not running:
                break
    _, err = sync.communicate(timeout=300)
    assert sync.returncode == 0, err
    assert answers_during_sync > 0  # the loop really overlapped the import
    assert all(code == 200 for code, _ in answers), [a for a in answers if a[0] != 200][:3]
    # One transaction per source: readers see all of it or none of it, never a part.
    seen = {value for _, value in answers if isinstance(value, int)}
    assert seen <= {SEED_PAPERS, SEED_PAPERS + big} and SEED_PAPERS + big in seen
    assert count(seeded_copy, "SELECT COUNT(*) FROM papers") == SEED_PAPERS + big


def test_a_second_writer_gives_up_with_a_clear_message(seeded_copy: Path) -> None:
    before = table_counts(seeded_copy)
    holder = database.connect(seeded_copy)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction, as SQLite sees it
    try:
        result = run_cli("sync", seeded_copy, "--sources", ROOT / "sources.yml", "--wait", "0.5")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == EXIT_BUSY
    assert "another corpus-db process is writing to this database; waited 0.5s" in result.stderr
    assert "Traceback" not in result.stderr

    with writer_lock(seeded_copy, timeout=5):  # another import or sync holding the command lock
        result = run_cli("import", seeded_copy, ROOT / "seeds", "--wait", "0.5")
    assert result.returncode == EXIT_BUSY
    assert "another corpus-db import or sync is running (pid " in result.stderr and "Traceback" not in result.stderr
    assert table_counts(seeded_copy) == before


def test_a_second_writer_waits_for_the_first(seeded_copy: Path) -> None:
    holder = database.connect(seeded_copy)
    holder.execute("BEGIN IMMEDIATE")
    try:
        waiting = subprocess.Popen(
            cli_command("sync", seeded_copy, "--sources", ROOT / "sources.yml", "--wait", "120"), env=cli_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        time.sleep(2)  # not a measurement: just give it time to reach the lock
        assert waiting.poll() is None, waiting.communicate()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "Nothing to do" in out


def test_two_syncs_started_together_import_once(tmp_path: Path) -> None:
    db_path = tmp_path / "corpus.db"
    migrations.migrate(db_path)
    write_listing(tmp_path / "feed.txt", generated_records(3000))
    sources = write_sources(tmp_path / "sources.yml", [{"name": "feed", "path": "feed.txt"}])
    procs = [
        subprocess.Popen(cli_command("sync", db_path, "--sources", sources, "--wait", "300"), env=cli_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    assert sorted("3000 new" in out for out, _ in outputs) == [False, True]  # one imported, one found it done
    assert count(db_path, "SELECT COUNT(*) FROM papers") == 3000
    assert count(db_path, "SELECT COUNT(*) FROM import_runs WHERE status = 'ok'") == 2
