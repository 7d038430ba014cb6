"""Parsing and preparing records in a second process while the writer stores the previous batch.

Parsing, normalizing, tagging and link-finding are pure Python and take most of an import's time;
the writer's SQL takes the rest. On one core they add up; a worker process on the second core
overlaps them. The worker derives the dear facts (tags, links, author keys) only for records whose
fingerprint differs from what the source gave last time, which it reads from the database's last
committed state, so a re-import of a barely changed dump stays cheap. Small dumps stay in-process,
where starting a process would cost more than it saves."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from corpus_db.db import connect_read_only
from corpus_db.importers import FORMATS
from corpus_db.prepare import PreparedRecord, Unchanged, complete, prepare, text_hash
from corpus_db.source_files import open_dump
from corpus_db.taxonomy import Taxonomy

Progress = Callable[[int], None]

WORKER_MIN_BYTES_ENV = "CORPUS_DB_WORKER_MIN_BYTES"
DEFAULT_WORKER_MIN_BYTES = 8 * 1024 * 1024
BATCH = 500
QUEUE_BATCHES = 8  # at most this many prepared batches wait for the writer: memory stays flat
_PUT_TIMEOUT = 1.0
_GET_TIMEOUT = 5.0


class PreparationError(RuntimeError):
    """The worker preparing records failed in a way that is not a parse error of the dump."""


@dataclass(frozen=True)
class Job:
    """What the worker needs: the dump, how to read it, and where to look up what changed."""

    format_name: str
    path: str
    taxonomy: Taxonomy
    db_path: str
    locator: str
    reprocess: bool


def worker_min_bytes() -> int:
    """Dumps at least this large are prepared in a worker process ($CORPUS_DB_WORKER_MIN_BYTES)."""
    return int(os.environ.get(WORKER_MIN_BYTES_ENV, DEFAULT_WORKER_MIN_BYTES))


class _LastImport:
    """Fingerprints the source's records had at its last committed import (read-only connection)."""

    def __init__(self, db_path: str, locator: str):
        self.conn = connect_read_only(db_path)
        row = self.conn.execute("SELECT id FROM sources WHERE locator = ?", (locator,)).fetchone()
        self.source_id = row[0] if row else None

    def listed_hashes(self, hashes: list[str]) -> set[str]:
        if self.source_id is None:
            return set()
        rows = self.conn.execute(
            """SELECT record_hash FROM paper_sources
               WHERE source_id = ? AND listed AND record_hash IN (SELECT value FROM json_each(?))""",
            (self.source_id, json.dumps(hashes)),
        )
        return {digest for (digest,) in rows}

    def close(self) -> None:
        self.conn.close()

    def hashes(self, keys: list[str]) -> dict[str, str]:
        if self.source_id is None:
            return {}
        rows = self.conn.execute(
            """SELECT record_key, record_hash FROM paper_sources
               WHERE source_id = ? AND record_key IN (SELECT value FROM json_each(?))""",
            (self.source_id, json.dumps(keys)),
        )
        return dict(rows.fetchall())


Item = PreparedRecord | Unchanged


def _parsed(job: Job, last: _LastImport, progress: Progress | None) -> Iterator[Item]:
    """The dump's records, cheaply prepared. Where the format can cut records out before parsing
    them, those the source gave unchanged at its last import are not parsed at all."""
    importer = FORMATS[job.format_name]
    with open_dump(Path(job.path), progress) as stream:
        if importer.split is None or importer.parse_one is None:
            for record in importer.parse(stream, job.path):
                yield prepare(record, job.path)
            return
        raws = importer.split(stream, job.path)
        while batch := list(islice(raws, BATCH)):
            hashes = [text_hash(raw.text) for raw in batch]
            known = set() if job.reprocess else last.listed_hashes(hashes)
            for raw, digest in zip(batch, hashes, strict=True):
                if digest in known:
                    yield Unchanged(digest)
                else:
                    yield prepare(importer.parse_one(raw, job.path), job.path)


def _send(channel: multiprocessing.Queue, item: object, parent: int) -> None:
    """Put an item; when the parent has gone (a killed writer), leave at once. A plain return would
    hang at exit: the queue's feeder thread waits to flush into a pipe nobody reads any more."""
    while True:
        try:
            channel.put(item, timeout=_PUT_TIMEOUT)
            return
        except queue.Full:
            if os.getppid() != parent:
                os._exit(1)


def _work(job: Job, channel: multiprocessing.Queue, parent: int) -> None:
    read = 0

    def count(n: int) -> None:
        nonlocal read
        read += n

    try:
        last = _LastImport(job.db_path, job.locator)
        records = _parsed(job, last, count)
        while batch := list(islice(records, BATCH)):
            prepared = [item for item in batch if isinstance(item, PreparedRecord)]
            known = {} if job.reprocess else last.hashes([item.record_key for item in prepared])
            for item in prepared:
                if known.get(item.record_key) != item.record_hash:
                    complete(item, job.taxonomy)
            done, read = read, 0
            _send(channel, ("batch", batch, done), parent)
        _send(channel, ("done", None, read), parent)
    except BaseException as exc:  # every failure goes to the writer, which reports it with the file
        _send(channel, ("error", _picklable(exc), read), parent)


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return PreparationError(f"{type(exc).__name__}: {exc}")


@contextmanager
def prepared_records(job: Job, progress: Progress | None = None) -> Iterator[Iterator[Item]]:
    """The dump's records, prepared: in a worker process for large dumps, else lazily in this one (the
    store completes the records that changed). Leaving the block stops the worker, done or not."""
    path = Path(job.path)
    if path.stat().st_size < worker_min_bytes():
        last = _LastImport(job.db_path, job.locator)
        try:
            yield _parsed(job, last, progress)
        finally:
            last.close()
        return
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited locks or connections
    channel = context.Queue(maxsize=QUEUE_BATCHES)
    worker = context.Process(
        target=_work, args=(job, channel, os.getpid()), daemon=True, name=f"corpus-db prepare {path.name}"
    )
    worker.start()
    try:
        yield _receive(channel, worker, progress)
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        channel.close()


def _receive(
    channel: multiprocessing.Queue, worker: multiprocessing.process.BaseProcess, progress: Progress | None
) -> Iterator[Item]:
    while True:
        try:
            kind, payload, read = channel.get(timeout=_GET_TIMEOUT)
        except queue.Empty:
            if not worker.is_alive():
                raise PreparationError(f"the worker preparing records died (exit code {worker.exitcode})") from None
            continue
        if progress and read:
            progress(read)
        if kind == "batch":
            yield from payload
        elif kind == "error":
            raise payload
        else:
            return
