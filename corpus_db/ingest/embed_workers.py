"""Embedding on every core: model processes fed batches of texts through pipes, so a big pass embeds on
both cores of a 2-core machine while this process reads texts and writes vectors.

The model is Python-bound (a dict lookup and a few numpy calls per text), so threads would not help.
Workers are spawned, not forked: a forked child would inherit the writer lock's file descriptor and hold
the lock after its parent died. A worker exits when its pipe closes (its parent ended, even by kill -9)."""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection

import numpy as np

from corpus_db.rules.embedding import load_model

WORKERS_ENV = "CORPUS_DB_EMBED_WORKERS"
IN_FLIGHT = 2  # batches queued per worker: one embedding, one waiting, so a worker never idles


def worker_count() -> int:
    """How many model processes: $CORPUS_DB_EMBED_WORKERS, else one per core."""
    return max(1, int(os.environ.get(WORKERS_ENV, os.cpu_count() or 1)))


def _serve(channel: Connection) -> None:
    """A worker's loop: texts in, float32 vectors out, until the pipe closes. A thread drains the pipe
    into a queue: while this worker sends a result, its parent may be sending it the next batch, and
    with neither side reading, both sends would block for ever once the pipe's buffer is full."""
    inbox: queue.SimpleQueue[list[str] | None] = queue.SimpleQueue()

    def receive() -> None:
        while True:
            try:
                inbox.put(channel.recv())
            except (EOFError, OSError):
                inbox.put(None)
                return

    threading.Thread(target=receive, daemon=True).start()
    model = load_model()
    while (texts := inbox.get()) is not None:
        try:
            channel.send(model.embed(texts))
        except (BrokenPipeError, OSError):
            return


class EmbedWorkers:
    """A pool of model processes; use as a context manager (the processes end on exit)."""

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.channels: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs,), daemon=True, name="corpus-db-embed")
            process.start()
            theirs.close()  # only the worker holds its end: our exit is its EOF
            self.channels.append(ours)
            self.processes.append(process)

    def __enter__(self) -> EmbedWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        for channel in self.channels:
            channel.close()
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()

    def embed(self, batches: Iterable[list[str]]) -> Iterator[np.ndarray]:
        """Vectors of each batch of texts, in order; batches are dealt to the workers in turn."""
        pending: deque[Connection] = deque()
        for turn, texts in enumerate(batches):
            if len(pending) >= IN_FLIGHT * len(self.channels):
                yield self._receive(pending.popleft())
            channel = self.channels[turn % len(self.channels)]
            channel.send(texts)
            pending.append(channel)
        while pending:
            yield self._receive(pending.popleft())

    def _receive(self, channel: Connection) -> np.ndarray:
        try:
            return channel.recv()
        except EOFError:  # the worker died (out of memory, killed): say so rather than hang
            raise RuntimeError("an embedding worker process ended unexpectedly") from None
