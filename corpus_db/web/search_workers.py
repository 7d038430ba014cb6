"""The web page's searches run in a few worker processes (search_worker.py), so that every core serves
them: in Datasette's own process every search shares one GIL with the HTTP handling. On by default
where the machine has two cores or more, one more worker than cores (CORPUS_DB_SEARCH_WORKERS=N sets the
number, 0 turns them off); they start with the server and open its databases and their indexes before
the first request.

Each worker is a process and one end of a socket pair. The route's request goes to an idle worker (or
waits for one) and the event loop reads the reply when it arrives: no threads, no pickled futures (a
process pool's hand-off cost ~4x the parent's CPU of this one). A worker that dies is replaced at once;
the request it held is answered in Datasette's process, so no user sees an error."""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

import corpus_db
from corpus_db.web.search_worker import ERROR, HEADER, ID_BYTES

WORKERS_ENV = "CORPUS_DB_SEARCH_WORKERS"
MAX_DEFAULT_WORKERS = 4  # each keeps its connections and indexes open; more cores than this serve HTTP
READ_BYTES = 1 << 20
# Not `-m corpus_db.web.search_worker`: the package (this plugin) imports that module first, and runpy warns.
WORKER_MAIN = "import sys; from corpus_db.web.search_worker import main; sys.exit(main(sys.argv[1:]))"
# The folder that holds the corpus_db package: the worker imports it from there, as this process did.
_PACKAGE_ROOT = str(Path(corpus_db.__path__[0]).resolve().parent)


def configured_workers() -> int:
    """Processes to search in: the environment's number, else one more than the cores this process may
    use, at most MAX_DEFAULT_WORKERS (a search is not all CPU: page faults, preemption by the server; at
    1M papers on 2 cores, 3 workers served 1.13-1.21x the requests/s of 2), and 0, searching in
    Datasette's process, on a single core, where a hand-off would only add work."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw:
        try:
            return max(0, int(raw))
        except ValueError:
            return 0
    cores = _cores()
    return min(cores + 1, MAX_DEFAULT_WORKERS) if cores > 1 else 0


@functools.cache
def _cores() -> int:
    """Cores this process may run on (asked once: the route asks at every request)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class _Worker:
    """One worker process and the server's end of its socket. It holds at most one request."""

    def __init__(self, pool: SearchWorkers, db_paths: Iterable[str]) -> None:
        self.pool = pool
        mine, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER_MAIN, str(theirs.fileno()), *db_paths],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env,
        )
        theirs.close()
        mine.setblocking(False)
        self.sock = mine
        self.loop: asyncio.AbstractEventLoop | None = None
        self.buffer = bytearray()
        self.sent = 0  # the id of the last request sent; a reply carries the id it answers
        self.reply: asyncio.Future[bytes | None] | None = None
        self.alive = True

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read this worker's replies in `loop` (the serving loop; tests run one loop per test)."""
        if self.loop is loop or not self.alive:
            return
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        loop.add_reader(self.sock.fileno(), self._readable)
        self.loop = loop

    def send(self, request: dict[str, Any], loop: asyncio.AbstractEventLoop) -> asyncio.Future[bytes | None]:
        self.attach(loop)
        self.sent += 1
        future = self.reply = loop.create_future()
        message = orjson.dumps({**request, "id": self.sent})
        framed = HEADER.pack(len(message)) + message
        try:
            # The worker is idle and has read everything sent before: a request of a few hundred bytes
            # fits the socket's buffer whole.
            if self.sock.send(framed) != len(framed):
                raise OSError("request not sent whole")
        except OSError:
            self._die()
        return future

    def _readable(self) -> None:
        try:
            chunk = self.sock.recv(READ_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._die()
            return
        self.buffer += chunk
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if len(self.buffer) < HEADER.size + size:
                return
            message = bytes(self.buffer[HEADER.size:HEADER.size + size])
            del self.buffer[:HEADER.size + size]
            self._answered(message)

    def _answered(self, message: bytes) -> None:
        answered, reply = int.from_bytes(message[:ID_BYTES], "big"), message[ID_BYTES:]
        if answered != self.sent:
            return  # the reply to a request given up on (its loop closed): the worker is still ours
        self._settle(None if reply[:1] == ERROR else reply)
        self.pool.release(self)

    def _settle(self, value: bytes | None) -> None:
        future, self.reply = self.reply, None
        if future is not None and not future.done() and not future.get_loop().is_closed():
            future.set_result(value)

    def _die(self) -> None:
        if not self.alive:
            return
        self.alive = False
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        self.sock.close()
        self._settle(None)
        self.pool.release(self)

    def stop(self) -> None:
        self.alive = False
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        self.sock.close()  # the worker reads the end of its input and exits
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class SearchWorkers:
    """Worker processes, started at once; requests go to idle ones in turn."""

    def __init__(self, processes: int, db_paths: Iterable[str] = ()) -> None:
        self.processes = processes
        self._db_paths = list(dict.fromkeys(db_paths))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._workers = [_Worker(self, self._db_paths) for _ in range(processes)]
        self._idle: deque[_Worker] = deque(self._workers)
        self._waiting: deque[asyncio.Future[_Worker]] = deque()
        self._closed = False

    async def ask(self, request: dict[str, Any]) -> bytes | None:
        """The worker's reply (a kind byte, then the body: see search_worker.py), or None when the worker
        failed or died on it: the caller answers this request itself."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._move_to(loop)
        worker = await self._idle_worker(loop)
        if worker is None:
            return None
        return await worker.send(request, loop)

    async def _idle_worker(self, loop: asyncio.AbstractEventLoop) -> _Worker | None:
        if self._closed:
            return None
        if self._idle:
            return self._idle.popleft()
        waiter: asyncio.Future[_Worker] = loop.create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed a worker, then cancelled: pass it on
                self.release(waiter.result())
            raise

    def release(self, worker: _Worker) -> None:
        """A worker is free again (or dead: a new one takes its place)."""
        if self._closed:
            return
        if not worker.alive:
            if worker in self._idle:  # it died between requests
                self._idle.remove(worker)
            index = self._workers.index(worker)
            worker.process.poll()
            worker = self._workers[index] = _Worker(self, self._db_paths)
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done() and not waiter.get_loop().is_closed():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _move_to(self, loop: asyncio.AbstractEventLoop) -> None:
        """A new event loop (in tests): read every worker there; a request of the old loop is given up."""
        self._loop = loop
        self._waiting.clear()
        for worker in self._workers:
            worker.attach(loop)

    def pids(self) -> list[int]:
        """The worker processes now running (for tests and diagnostics)."""
        return [w.process.pid for w in self._workers if w.alive and w.process.poll() is None]

    def close(self) -> None:
        self._closed = True
        for worker in self._workers:
            worker.stop()


_workers: SearchWorkers | None = None
_workers_lock = threading.Lock()


def shared_workers(db_paths: Iterable[str] = ()) -> SearchWorkers | None:
    """The process's workers (started on first call, opening db_paths), or None when searches run in
    Datasette's process."""
    global _workers
    processes = configured_workers()
    with _workers_lock:
        if _workers is not None and _workers.processes != processes:
            _workers.close()
            _workers = None
        if _workers is None and processes:
            _workers = SearchWorkers(processes, db_paths)
        return _workers
