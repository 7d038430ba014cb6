"""Searches for the web page run in a few worker processes, so that the second core serves them: in
Datasette's own process every search shares one GIL with the HTTP handling (tantivy, SQLite and the
snippets then run one at a time). Each worker keeps its read-only SQLite connection (memory-mapped) and
its open index across requests; the route awaits the answer. A worker that dies breaks the pool: the
pool is replaced and that request is answered in Datasette's process instead, so no user sees an error.

CORPUS_DB_SEARCH_WORKERS=N turns this on with N processes. It is off by default: on this project's
2-core benchmark machine, shared with other work, the pool measured 0.75x-1.3x the requests/s of
searching in Datasette's process from one run to the next (BENCHMARKS.md), no gain that held."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sqlite3
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from corpus_db.store.db import connect_read_only
from corpus_db.store.search import MMAP_BYTES, SearchPage, search_connection

WORKERS_ENV = "CORPUS_DB_SEARCH_WORKERS"

# In a worker: one connection per database file, kept for the life of the process.
_connections: dict[str, sqlite3.Connection] = {}


def configured_workers() -> int:
    """Processes to search in: the environment's choice (0, the default: none)."""
    try:
        return max(0, int(os.environ.get(WORKERS_ENV, "0").strip() or 0))
    except ValueError:
        return 0


PARENT_CHECK_SECONDS = 1.0


def _watch_parent(parent: int) -> None:
    """A worker's initializer: exit once the server that started it is gone. A spawned worker holds
    both ends of its task queue, so it never sees the end of input and would outlive a killed server."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="corpus-db-parent-watch", daemon=True).start()


def _connection(db_path: str) -> sqlite3.Connection:
    conn = _connections.get(db_path)
    if conn is None:
        conn = connect_read_only(db_path)
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        _connections[db_path] = conn
    return conn


def search_in_worker(db_path: str, text: str, kwargs: dict[str, Any]) -> SearchPage:
    """What a worker runs: search() on its kept connection."""
    try:
        return search_connection(_connection(db_path), text, db_path=db_path, **kwargs)
    except sqlite3.Error:
        # The file may have been replaced (a publish over it): reopen once.
        stale = _connections.pop(db_path, None)
        if stale is not None:
            stale.close()
        return search_connection(_connection(db_path), text, db_path=db_path, **kwargs)


class SearchWorkers:
    """A process pool that replaces itself when one of its processes dies."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn: forking Datasette's process (threads, an event loop) is unsafe.
                self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_watch_parent, initargs=(os.getpid(),))
            return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def submit(self, db_path: str, text: str, kwargs: dict[str, Any]) -> Future[SearchPage]:
        return self._current().submit(search_in_worker, db_path, text, kwargs)

    async def search(self, db_path: str, text: str, kwargs: dict[str, Any]) -> SearchPage | None:
        """The page from a worker, or None when the pool broke (the caller searches itself)."""
        pool = self._current()
        try:
            return await asyncio.wrap_future(pool.submit(search_in_worker, db_path, text, kwargs))
        except BrokenProcessPool:
            self._replace(pool)
            return None

    def pids(self) -> list[int]:
        """The worker processes now running (for tests and diagnostics)."""
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return [p.pid for p in processes.values() if p.is_alive()]

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_workers: SearchWorkers | None = None
_workers_lock = threading.Lock()


def shared_workers() -> SearchWorkers | None:
    """The process's pool (made on first use), or None when searches run in Datasette's process."""
    global _workers
    processes = configured_workers()
    if processes == 0:
        return None
    with _workers_lock:
        if _workers is None or _workers.processes != processes:
            _workers = SearchWorkers(processes)
        return _workers
