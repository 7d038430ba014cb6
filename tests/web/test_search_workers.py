"""The web page's searches in worker processes: the same answers as a search in the server's own process,
a worker killed mid-service costs no request an error, a request given up on does not cost a worker,
and workers exit when the server is killed."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import time
from pathlib import Path

import orjson
import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store.search import search
from corpus_db.web import search_workers
from corpus_db.web.search_hits_html import rendered_page
from corpus_db.web.search_json import json_body
from corpus_db.web.search_worker import JSON, PAGE
from corpus_db.web.search_workers import SearchWorkers

RECORDS = [(f"Paper number {i} about topic{i % 7}", f"Abstract {i} discusses topic{i % 5} and graph{i} methods.")
           for i in range(1, 61)]
QUERIES = ["topic3", "topic3 graph17", '"discusses topic2"', "grap*", "abstract", "nothing-matches-this"]
KWARGS = {"limit": 20, "offset": 0, "author": None, "highlight": ("[", "]"), "engine": None}


@pytest.fixture
def imported(db_path: Path, tmp_path: Path) -> Path:
    dump = tmp_path / "dump.txt"
    dump.write_text("".join(f"{t}\n{a}\n" for t, a in RECORDS), encoding="utf-8")
    run_import(db_path, [SourceTask.for_path(dump, format="listing")])
    return db_path


@pytest.fixture
def workers(imported: Path) -> SearchWorkers:
    pool = SearchWorkers(2, [str(imported)])
    yield pool
    pool.close()


def _page_request(db: Path, query: str) -> dict[str, object]:
    return {"db": str(db), "q": query, "kwargs": KWARGS, "reply": "page"}


def _json_request(db: Path, query: str) -> dict[str, object]:
    return {"db": str(db), "q": query, "kwargs": {**KWARGS, "highlight": ("", "")}, "reply": "json",
            "papers_url": "/corpus/papers", "next_url": "/corpus/search.json?q=x&page=2", "array": False}


def test_a_worker_answers_what_the_server_process_would(imported: Path, workers: SearchWorkers) -> None:
    async def run() -> list[tuple[bytes | None, bytes | None]]:
        return [(await workers.ask(_page_request(imported, q)), await workers.ask(_json_request(imported, q)))
                for q in QUERIES]

    for query, (page_reply, json_reply) in zip(QUERIES, asyncio.run(run()), strict=True):
        assert page_reply is not None and page_reply[:1] == PAGE
        theirs, mine = pickle.loads(page_reply[1:]), search(imported, query)
        assert theirs.engine == mine.engine == "tantivy"
        assert [h.as_dict() for h in theirs] == [h.as_dict() for h in mine], query
        assert theirs.more == mine.more
        assert json_reply is not None and json_reply[:1] == JSON
        plain = search(imported, query, highlight=("", ""))
        assert json_reply[1:] == json_body(plain, "/corpus/papers", "/corpus/search.json?q=x&page=2"), query
        assert orjson.loads(json_reply[1:])["engine"] == "tantivy"


def test_a_worker_renders_the_html_pages_results_as_the_server_process_would(
    imported: Path, workers: SearchWorkers,
) -> None:
    urls = {"papers_url": "/corpus/papers", "tag_url": "/corpus/-/tag?name="}

    async def run() -> list[bytes | None]:
        return [await workers.ask({**_page_request(imported, q), "reply": "html", **urls}) for q in QUERIES]

    for query, reply in zip(QUERIES, asyncio.run(run()), strict=True):
        assert reply is not None and reply[:1] == PAGE
        theirs = pickle.loads(reply[1:])
        mine = rendered_page(search(imported, query, highlight=("[", "]")), **urls)
        assert theirs == mine, query
        assert theirs.page.hits == [] and theirs.count == len(search(imported, query))
    assert b"topic3" in pickle.loads(asyncio.run(run())[0][1:]).html


def test_eight_requests_at_once_share_two_workers(imported: Path, workers: SearchWorkers) -> None:
    async def run() -> list[bytes | None]:
        return await asyncio.gather(*(workers.ask(_page_request(imported, q)) for q in QUERIES + QUERIES[:2]))

    replies = asyncio.run(run())
    expected = [[h.id for h in search(imported, q)] for q in QUERIES + QUERIES[:2]]
    assert [[h.id for h in pickle.loads(r[1:])] for r in replies if r is not None] == expected
    assert len(workers.pids()) == 2


def test_a_search_that_fails_in_a_worker_is_handed_back(workers: SearchWorkers, tmp_path: Path) -> None:
    missing = tmp_path / "gone.db"  # read-only open fails: the route then searches itself and reports that
    reply = asyncio.run(workers.ask(_page_request(missing, "topic3")))
    assert reply is None
    assert len(workers.pids()) == 2  # the worker itself is fine


def test_a_killed_worker_costs_no_request_an_error(imported: Path, workers: SearchWorkers) -> None:
    async def run() -> tuple[list[int], list[bytes | None], list[int]]:
        first = await workers.ask(_page_request(imported, "topic3"))
        assert first is not None
        killed = workers.pids()
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.3)
        replies = [await workers.ask(_page_request(imported, "topic3")) for _ in range(4)]
        return killed, replies, workers.pids()

    killed, replies, now = asyncio.run(run())
    expected = [h.id for h in search(imported, "topic3")]
    # A request that met a dead worker is told so (the route then searches itself); new workers take over.
    assert all(r is None or [h.id for h in pickle.loads(r[1:])] == expected for r in replies)
    assert replies[-1] is not None
    assert len(now) == 2 and not set(now) & set(killed)


def test_a_request_given_up_on_keeps_its_worker(imported: Path, workers: SearchWorkers) -> None:
    async def run() -> list[bytes | None]:
        asked = [asyncio.ensure_future(workers.ask(_page_request(imported, q))) for q in QUERIES]
        await asyncio.sleep(0)
        for task in asked[:4]:  # clients that hung up: two in the workers, two waiting for one
            task.cancel()
        await asyncio.gather(*asked, return_exceptions=True)
        return await asyncio.gather(*(workers.ask(_page_request(imported, q)) for q in QUERIES))

    replies = asyncio.run(run())
    assert [[h.id for h in pickle.loads(r[1:])] for r in replies if r is not None] == [
        [h.id for h in search(imported, q)] for q in QUERIES]


def test_a_new_event_loop_reads_the_same_workers(imported: Path, workers: SearchWorkers) -> None:
    for _ in range(2):  # the tests' clients run one loop each; a server runs one
        reply = asyncio.run(workers.ask(_page_request(imported, "topic3")))
        assert reply is not None and reply[:1] == PAGE


def test_the_number_of_workers_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(search_workers.WORKERS_ENV, raising=False)
    cores = len(os.sched_getaffinity(0))
    expected = min(cores + 1, search_workers.MAX_DEFAULT_WORKERS) if cores > 1 else 0
    assert search_workers.configured_workers() == expected
    monkeypatch.setenv(search_workers.WORKERS_ENV, "0")
    assert search_workers.shared_workers() is None
    monkeypatch.setenv(search_workers.WORKERS_ENV, "3")
    assert search_workers.configured_workers() == 3
    monkeypatch.setenv(search_workers.WORKERS_ENV, "many")
    assert search_workers.configured_workers() == 0


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
    assert pool is not None and len(pool.pids()) == 1
    for pid in pool.pids():
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    for _ in range(2):  # the first meets the dead worker and is answered in-process, the second by a new one
        for page in (path, path.replace(".json", "")):
            response = await ds.client.get(page)
            assert response.status_code == 200
        assert [r["title"] for r in (await ds.client.get(path)).json()["rows"]] == expected
    assert len(pool.pids()) == 1


def test_workers_exit_when_the_server_is_killed(imported: Path) -> None:
    import subprocess
    import sys

    from tests.paths import ROOT

    server = subprocess.Popen([sys.executable, "-c", f"""
import asyncio, time
from corpus_db.web.search_workers import SearchWorkers
pool = SearchWorkers(2, [{str(imported)!r}])
reply = asyncio.run(pool.ask({_page_request(imported, "topic3")!r}))
assert reply is not None
print(*pool.pids(), flush=True)
time.sleep(120)
"""], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        pids = [int(p) for p in server.stdout.readline().split()]
        assert len(pids) == 2
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
