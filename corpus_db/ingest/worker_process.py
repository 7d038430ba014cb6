"""Worker processes as such: each a fresh interpreter ("spawn": no inherited locks or connections) with a
bounded queue to the writer, ending when its writer is gone; and one started early, as an import or sync
command starts, before it knows its dump.

A fresh interpreter takes ~0.08 s to start and import the worker's modules, and the writer of a large
import waited for that at its start: the 1%-edited re-import of 100k papers spent it with one core idle.
Started as the command starts, it boots while the command imports its own modules and opens the database
(the 100k 1%-edited re-import, medians of alternated runs: 1.295 -> 1.225 s started in line, 1.265 -> 1.23 s
on a thread, as now). The first source that prepares its records in workers takes it as its first; one
never taken is stopped when the command ends. This module imports no worker code: the early process
learns what to run with its job."""

from __future__ import annotations

import multiprocessing
import multiprocessing.process
import multiprocessing.queues
import os
import threading
import time
from collections.abc import Callable
from typing import Any

QUEUE_BATCHES = 8  # at most this many prepared batches wait for the writer: memory stays flat
_PARENT_POLL = 0.2  # a worker whose writer was killed ends within this many seconds
_CONTEXT = multiprocessing.get_context("spawn")

Channel = multiprocessing.queues.Queue
Run = Callable[..., None]  # run(*args, channel): a worker's work, its batches put on channel


def new_channel() -> Channel:
    return _CONTEXT.Queue(maxsize=QUEUE_BATCHES)


def new_process(target: Callable[..., None], args: tuple[Any, ...], name: str) -> multiprocessing.process.BaseProcess:
    return _CONTEXT.Process(target=target, args=args, daemon=True, name=name)


def exit_with(parent: int) -> None:
    """Leave at once when the parent has gone (a killed writer), wherever this worker is. Checking only
    where it waits to put is not enough: a worker within QUEUE_BATCHES of the end puts its last batches
    and returns, and exit then joins the queue's feeder thread, which waits for ever to flush into the
    pipe (this process holds the pipe's read end too, so no EPIPE ends it). A thread polling getppid()
    sees the parent go wherever the worker is blocked (a put, that join, a slow read of the dump, the
    wait for its job) and works on any POSIX; PR_SET_PDEATHSIG would be Linux-only and follows the
    thread that started us."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="corpus-db parent watch", daemon=True).start()


def _serve(tasks: Any, channel: Channel, parent: int) -> None:
    """The early process: wait for its work (None: not needed), then do it."""
    exit_with(parent)
    task = tasks.get()
    if task is not None:
        run, args = task
        run(*args, channel)


class EarlyWorker:
    """A worker process started before its work is known, with its channel to the writer."""

    def __init__(self) -> None:
        self._tasks = _CONTEXT.SimpleQueue()
        self.channel = new_channel()
        self.process = new_process(_serve, (self._tasks, self.channel, os.getpid()), "corpus-db prepare (early)")
        self.process.start()

    def give(self, run: Run, *args: Any) -> None:
        """Have it call run(*args, its channel); importable by name (it is pickled)."""
        self._tasks.put((run, args))

    def stop(self) -> None:
        """End it unused, at once (it may still be starting: nothing of it is kept)."""
        self.process.terminate()
        self.process.join()
        self.channel.close()
        self._tasks.close()


_early: EarlyWorker | None = None
_starting: threading.Thread | None = None


def start_early() -> None:
    """Start the early worker on a thread (starting a process takes ~10 ms the command need not wait
    for), unless one is there already or this machine has one core (where it would only take the
    command's own time)."""
    global _starting
    if _starting is None and _early is None and (os.cpu_count() or 1) > 1:
        _starting = threading.Thread(target=_start, name="corpus-db early worker", daemon=True)
        _starting.start()


def _start() -> None:
    global _early
    _early = EarlyWorker()


def _started() -> EarlyWorker | None:
    """The early worker once its start is over (None: not started, taken, or failed to start)."""
    global _starting
    if _starting is not None:
        _starting.join()
        _starting = None
    return _early


def take_early() -> EarlyWorker | None:
    """The early worker, for the caller to give work to; None when there is none (any more)."""
    global _early
    early, _early = _started(), None
    return early


def stop_early() -> None:
    """Stop the early worker if no source took it."""
    early = take_early()
    if early is not None:
        early.stop()
