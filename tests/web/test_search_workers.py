"""The web page's searches in worker processes: the same pages as a search in the server's own process,
and a worker killed mid-service costs no request an error."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store.search import search
from corpus_db.web import search_workers
from corpus_db.web.search_workers import SearchWorkers

RECORDS = [(f"Paper number {i} about topic{i % 7}", f"Abstract {i} discusses topic{i % 5} and graph{i} methods.")
           for i in range(1, 61)]
QUERIES = ["topic3", "topic3 graph17", '"discusses topic2"', "grap*", "abstract", "nothing-matches-this"]


@pytest.fixture
def imported(db_path: Path, tmp_path: Path) -> Path:
    dump = tmp_path / "dump.txt"
    dump.write_text("".join(f"{t}\n{a}\n" for t, a in RECORDS), encoding="utf-8")
    run_import(db_path, [SourceTask.for_path(dump, format="listing")])
    return db_path


@pytest.fixture
def workers() -> SearchWorkers:
    pool = SearchWorkers(2)
    yield pool
    pool.close()


def _kwargs() -> dict[str, object]:
    return {"limit": 20, "offset": 0, "author": None, "highlight": ("[", "]"), "engine": None}


def test_a_worker_returns_the_page_the_server_process_would(imported: Path, workers: SearchWorkers) -> None:
    for query in QUERIES:
        mine = search(imported, query)
        theirs = workers.submit(str(imported), query, _kwargs()).result(timeout=60)
        assert theirs.engine == mine.engine == "tantivy"
        assert [h.as_dict() for h in theirs] == [h.as_dict() for h in mine], query
        assert theirs.more == mine.more


def test_a_killed_worker_costs_no_request_an_error(imported: Path, workers: SearchWorkers) -> None:
    async def run() -> list[object]:
        first = await workers.search(str(imported), "topic3", _kwargs())
        assert first is not None and len(first) > 0
        for pid in workers.pids():
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        broken = await workers.search(str(imported), "topic3", _kwargs())
        again = await workers.search(str(imported), "topic3", _kwargs())
        return [first, broken, again]

    first, broken, again = asyncio.run(run())
    # The request that found the pool broken is told so (the route then searches itself); the next
    # one is served by a new pool.
    assert broken is None or [h.id for h in broken] == [h.id for h in first]
    assert again is not None and [h.id for h in again] == [h.id for h in first]


async def test_the_route_answers_through_the_workers_and_after_one_dies(imported: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from datasette.app import Datasette

    monkeypatch.setenv(search_workers.WORKERS_ENV, "1")
    ds = Datasette([str(imported)])
    expected = [h.title for h in search(imported, "topic3")]
    path = f"/{imported.stem}/search.json?q=topic3"
    body = (await ds.client.get(path)).json()
    assert [r["title"] for r in body["rows"]] == expected and body["engine"] == "tantivy"
    pool = search_workers.shared_workers()
    assert pool is not None and pool.pids()
    for pid in pool.pids():
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    for _ in range(2):  # the first finds the pool broken and is answered in-process, the second by a new pool
        response = await ds.client.get(path)
        assert response.status_code == 200
        assert [r["title"] for r in response.json()["rows"]] == expected


def test_the_number_of_workers_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(search_workers.WORKERS_ENV, raising=False)
    assert search_workers.shared_workers() is None  # off unless asked for
    monkeypatch.setenv(search_workers.WORKERS_ENV, "0")
    assert search_workers.shared_workers() is None
    monkeypatch.setenv(search_workers.WORKERS_ENV, "3")
    assert search_workers.configured_workers() == 3
    monkeypatch.setenv(search_workers.WORKERS_ENV, "many")
    assert search_workers.configured_workers() == 0


def test_workers_exit_when_the_server_is_killed(imported: Path) -> None:
    import subprocess
    import sys

    from tests.paths import ROOT

    server = subprocess.Popen([sys.executable, "-c", f"""
import time
from corpus_db.web.search_workers import SearchWorkers
pool = SearchWorkers(2)
page = pool.submit({str(imported)!r}, "topic3", {_kwargs()!r}).result(timeout=60)
assert len(page) > 0
print(*pool.pids(), flush=True)
time.sleep(120)
"""], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        pids = [int(p) for p in server.stdout.readline().split()]
        assert pids
    finally:
        server.kill()
        server.wait()
    deadline = time.monotonic() + 15
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in pids if _running(pid)]
    assert not alive, f"workers {alive} outlived the server"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False
