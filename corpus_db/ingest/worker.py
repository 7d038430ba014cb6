"""Parsing and preparing records in a second process while the writer stores the previous batch.

Parsing, normalizing, tagging and link-finding are pure Python and take most of an import's time;
the writer's SQL takes the rest. On one core they add up; a worker process on the second core
overlaps them. A record whose fingerprint the source gave, listed, at its last committed import
becomes Unchanged (before it is parsed, where the format can cut records out cheaply); every other
record is completed here (tags, links, author keys), so the writer only writes. Small dumps run the
same stream in-process, where starting a process would cost more than it saves."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from corpus_db.importers import FORMATS, Importer
from corpus_db.ingest.files import open_dump
from corpus_db.ingest.prepare import complete, prepare, text_hash
from corpus_db.model import MergedId, PreparedRecord, Rejected, Unchanged
from corpus_db.rules.taxonomy import Taxonomy
from corpus_db.store.listings import LastImport

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


Item = PreparedRecord | Unchanged | Rejected | MergedId  # the last two go to the writer as they are


def _splits(importer: Importer) -> bool:
    """Whether the format cuts records out of the stream before parsing them (see Importer)."""
    return importer.split is not None and importer.parse_one is not None


def _parsed(job: Job, last: LastImport, progress: Progress | None) -> Iterator[Item]:
    """The dump's records, cheaply prepared. Where the format can cut records out before parsing
    them, those the source gave unchanged at its last import are not parsed at all."""
    importer = FORMATS[job.format_name]
    with open_dump(Path(job.path), progress) as stream:
        if not _splits(importer):
            for record in importer.parse(stream, job.path):
                yield record if isinstance(record, Rejected | MergedId) else prepare(record, job.path)
            return
        raws = importer.split(stream, job.path)
        while batch := list(islice(raws, BATCH)):
            hashes = [text_hash(raw.text) for raw in batch]
            known = set() if job.reprocess else last.listed_hashes(hashes)
            for raw, digest in zip(batch, hashes, strict=True):
                if digest in known:
                    yield Unchanged(digest)
                else:
                    parsed = importer.parse_one(raw, job.path)
                    yield parsed if isinstance(parsed, Rejected | MergedId) else prepare(parsed, job.path)


def _completed(job: Job, last: LastImport, items: list[Item]) -> list[Item]:
    """A batch as the writer wants it: records the source gave unchanged last time become Unchanged
    (split formats did that before parsing), the rest get their dear facts."""
    prepared = [item for item in items if isinstance(item, PreparedRecord)]
    checked = job.reprocess or _splits(FORMATS[job.format_name])
    known = set() if checked else last.listed_hashes([item.record_hash for item in prepared])
    return [
        item if isinstance(item, Unchanged | Rejected | MergedId)
        else Unchanged(item.record_hash) if item.record_hash in known
        else complete(item, job.taxonomy)
        for item in items
    ]


def _batches(job: Job, last: LastImport, progress: Progress | None) -> Iterator[list[Item]]:
    records = _parsed(job, last, progress)
    while batch := list(islice(records, BATCH)):
        yield _completed(job, last, batch)


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
        last = LastImport(job.db_path, job.locator)
        for batch in _batches(job, last, count):
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
    """The dump's records, prepared and completed: in a worker process for large dumps, else lazily in
    this one. Leaving the block stops the worker, done or not."""
    path = Path(job.path)
    if path.stat().st_size < worker_min_bytes():
        last = LastImport(job.db_path, job.locator)
        try:
            yield (item for batch in _batches(job, last, progress) for item in batch)
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
