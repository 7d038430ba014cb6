"""Parsing and preparing records in a second process while the writer stores the previous batch.

Parsing, normalizing, tagging and link-finding are pure Python and take most of an import's time;
the writer's SQL takes the rest. On one core they add up; worker processes on the other cores
overlap them. Formats that cut records out before parsing them (JSON lines) are shared among several
workers, batch by batch in turn (every worker reads the whole file, cheaply, and parses only its own
batches), and the writer takes the batches back in file order: the result is the same as with one.
A record whose fingerprint the source gave, listed, at its last committed import becomes Unchanged
(before it is parsed, where the format can cut records out cheaply); every other record is completed
here (tags, links, author keys), so the writer only writes; on a skimmed re-import, the few other
records are parsed and completed by finish(), batch by batch, in the pass over every line. Small
dumps run the same stream in-process, where starting a process would cost more than it saves."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path
from typing import TypeVar

from corpus_db.importers import Importer, importer_named
from corpus_db.ingest.files import open_dump
from corpus_db.ingest.heap import tune_for_import
from corpus_db.ingest.prepare import bytes_hashes, complete, prepare, text_hash
from corpus_db.ingest.worker_process import Channel, exit_with, new_channel, new_process, take_early
from corpus_db.model import Batch, MergedId, PaperRecord, PreparedRecord, RawRecord, Rejected, Unchanged
from corpus_db.rules.taxonomy import Taxonomy
from corpus_db.runs import runs
from corpus_db.store.listings import LastImport

Progress = Callable[[int], None]
T = TypeVar("T")

WORKER_MIN_BYTES_ENV = "CORPUS_DB_WORKER_MIN_BYTES"
DEFAULT_WORKER_MIN_BYTES = 8 * 1024 * 1024
BATCH = 500
# A batch also ends once its records' text passes this many bytes: 500 lines of a hostile dump, each
# near the 16 MiB line limit, would otherwise be one 8 GB batch. Real batches (500 x 2.2 KB) never reach it.
BATCH_BYTES = 4 << 20
WORKERS_ENV = "CORPUS_DB_WORKERS"
# Two workers beside the writer keep two cores busy: measured at 20k papers on 2 cores, the writer
# waited 1.9 s for records instead of 4.6 s with one. More than 4 would outrun any writer.
MAX_WORKERS = 4
# A batch holds one queue place per BATCH_BYTES of text (the extra places are taken by empty markers
# sent before it), so what waits for the writer stays near QUEUE_BATCHES * BATCH_BYTES whatever the lines.
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
    fresh: bool = False  # nothing to look up: never imported before (a build's file is not read), or keyed again
    part: int = 0  # this worker prepares batches part, part + parts, part + 2 * parts, ...
    parts: int = 1


def worker_min_bytes() -> int:
    """Dumps at least this large are prepared in a worker process ($CORPUS_DB_WORKER_MIN_BYTES)."""
    return int(os.environ.get(WORKER_MIN_BYTES_ENV, DEFAULT_WORKER_MIN_BYTES))


def worker_count(importer: Importer) -> int:
    """How many worker processes prepare a large dump ($CORPUS_DB_WORKERS, else one per core up to
    MAX_WORKERS); one for formats that cannot cut records out before parsing them."""
    if not _splits(importer):
        return 1
    wanted = os.environ.get(WORKERS_ENV)
    count = int(wanted) if wanted else min(MAX_WORKERS, os.cpu_count() or 1)
    return max(1, count)


Item = PreparedRecord | Unchanged | Rejected | MergedId  # the last two go to the writer as they are


class _NothingListed:
    """LastImport of a source never imported: every record is new."""

    def listed(self, hashes: list[str]) -> dict[str, tuple[str, ...]]:
        return {}

    def keys_of(self, hashes: list[str]) -> list[tuple[str, ...] | None]:
        return [None] * len(hashes)

    def close(self) -> None:
        pass


def _last_import(job: Job) -> LastImport | _NothingListed:
    return _NothingListed() if job.fresh else LastImport(job.db_path, job.locator)


def _splits(importer: Importer) -> bool:
    """Whether the format cuts records out of the stream before parsing them (see Importer)."""
    return importer.split is not None and importer.parse_one is not None


Known = tuple[str, ...]  # a skimmed line's token: the record keys of the source's rows with its text


def _recogniser(last: LastImport | _NothingListed) -> Callable[[list[bytes]], list[Known | None]]:
    """For skim: which lines the source gave, listed, at its last import (fingerprinted as bytes). A known
    line's token is its record keys (never empty), not an Unchanged: a re-import's 100k tokens are then
    counted batch by batch (_skimmed), with no object made and taken apart per line."""

    def recognise(lines: list[bytes]) -> list[Known | None]:
        return last.keys_of(bytes_hashes(lines))

    return recognise


def _skims(importer: Importer, job: Job) -> bool:
    """Whether the dump is skimmed: a re-import, by one worker, of a format that can."""
    return _splits(importer) and importer.skim is not None and not job.fresh and not job.reprocess and job.parts == 1


def _parsed(job: Job, last: LastImport | _NothingListed, progress: Progress | None) -> Iterator[list[Item]]:
    """This worker's batches of the dump's records, cheaply prepared. Where the format can cut records
    out before parsing them, those the source gave unchanged at its last import are not parsed at all."""
    importer = importer_named(job.format_name)
    with open_dump(Path(job.path), progress) as stream:
        if not _splits(importer):
            records = (_prepared(record, job.path) for record in importer.parse(stream, job.path))
            yield from _cut(records)
            return
        assert importer.split is not None
        for number, batch in enumerate(_cut(importer.split(stream, job.path))):
            if number % job.parts != job.part:
                continue  # another worker's batch
            yield _parsed_raws(importer, job, last, batch)


def _parsed_raws(importer: Importer, job: Job, last: LastImport | _NothingListed, batch: list) -> list[Item]:
    """The batch with its RawRecords parsed and prepared, or Unchanged where the source gave their text,
    listed, at its last import."""
    todo = [raw for raw in batch if isinstance(raw, RawRecord)]
    if not todo:
        return batch
    assert importer.parse_one is not None
    hashes = [text_hash(raw.text) for raw in todo]
    known = {} if job.reprocess else last.listed(hashes)
    parsed = iter([
        Unchanged(known[digest]) if digest in known
        else _prepared_raw(importer.parse_one(raw, job.path), raw, digest, job.path)
        for raw, digest in zip(todo, hashes, strict=True)
    ])
    return [next(parsed) if isinstance(raw, RawRecord) else raw for raw in batch]


def _skimmed(job: Job, last: LastImport | _NothingListed, progress: Progress | None) -> Iterator[Batch]:
    """A re-import's batches, cut as _cut cuts them (a known line weighs nothing, as an Unchanged does):
    the lines skim knew only counted, their keys chained in C; the others (edited or new lines, rejects)
    as skim gave them, for finish() to parse. At 100k lines with 1% edited, every batch holds a few
    edited lines: making and taking apart an Unchanged per line cost the worker, which the writer waits
    on, ~0.1 s of CPU."""
    importer = importer_named(job.format_name)
    assert importer.skim is not None
    with open_dump(Path(job.path), progress) as stream:
        tokens: list[Known] = []
        others: list = []
        size = 0
        for item in importer.skim(stream, job.path, _recogniser(last)):
            if type(item) is tuple:
                tokens.append(item)
            else:
                others.append(item)
                size += text_bytes(item)
            if len(tokens) + len(others) == BATCH or size >= BATCH_BYTES:
                yield Batch(items=others, unchanged=len(tokens), unchanged_keys=list(chain.from_iterable(tokens)))
                tokens, others, size = [], [], 0
        if tokens or others:
            yield Batch(items=others, unchanged=len(tokens), unchanged_keys=list(chain.from_iterable(tokens)))


def finish(job: Job, last: LastImport | _NothingListed, batch: Batch) -> Batch:
    """A skimmed batch with its other records parsed, prepared and completed, as _parsed and _completed
    do (the known lines' keys first: the writer only adds them to a set). It runs in the worker, whose
    `last` holds every fingerprint of the source: the writer, busy with the edited records' rows, would
    look them up in SQL batch by batch. (Round 6 ran it in the writer while the worker's pass over every
    line was the longer; with that pass 0.12 s shorter, the writer is: a 1%-edited re-import at 100k
    took ~0.1 s less with finish here, alternated runs.)"""
    if not any(type(item) is RawRecord for item in batch.items):
        return batch
    done = _completed(job, last, _parsed_raws(importer_named(job.format_name), job, last, batch.items))
    done.unchanged += batch.unchanged
    done.unchanged_keys = [*batch.unchanged_keys, *done.unchanged_keys]
    return done


def text_bytes(item: object) -> int:
    """The memory a record's text takes (O(1)): a RawRecord's line, a PreparedRecord's raw record."""
    if isinstance(item, RawRecord):
        return sys.getsizeof(item.text)
    if isinstance(item, PreparedRecord):
        return sys.getsizeof(item.raw)
    return 0


def _cut(items: Iterator[T]) -> Iterator[list[T]]:
    """Batches in file order: BATCH items, or fewer once their text passes BATCH_BYTES. Cut only by
    what the file holds, so every worker of a dump cuts it the same way."""
    return runs(items, BATCH, BATCH_BYTES, text_bytes)


def queue_places(batch: Batch) -> int:
    """How many of a channel's QUEUE_BATCHES places a batch holds: one per BATCH_BYTES of text."""
    return 1 + sum(map(text_bytes, batch.items)) // BATCH_BYTES


def _prepared(record: PaperRecord | Rejected | MergedId, path: str) -> PreparedRecord | Rejected | MergedId:
    return prepare(record, path) if isinstance(record, PaperRecord) else record


def _prepared_raw(
    record: PaperRecord | Rejected | MergedId, raw: RawRecord, digest: str, path: str,
) -> PreparedRecord | Rejected | MergedId:
    """_prepared, reusing the fingerprint of the text the record was parsed from (hashed already to look
    it up) when the record keeps that text as its raw record: ~2.7 us a paper less."""
    if not isinstance(record, PaperRecord):
        return record
    return prepare(record, path, digest if record.raw is raw.text else None)


def _completed(job: Job, last: LastImport | _NothingListed, items: list[Item]) -> Batch:
    """A batch as the writer wants it: records the source gave unchanged last time become Unchanged
    (split formats did that before parsing), the rest get their dear facts."""
    checked = job.reprocess or _splits(importer_named(job.format_name))
    prepared = [item.record_hash for item in items if isinstance(item, PreparedRecord)]
    known = last.listed(prepared) if prepared and not checked else {}
    batch = Batch()
    keys, unchanged = batch.unchanged_keys, 0
    for item in items:
        if type(item) is Unchanged:  # most items of a re-import: the cheapest test first
            keys += item.record_keys
            unchanged += 1
        elif not isinstance(item, PreparedRecord):
            batch.items.append(item)
        elif item.record_hash in known:
            keys += known[item.record_hash]
            unchanged += 1
        else:
            batch.items.append(complete(item, job.taxonomy))
    batch.unchanged = unchanged
    return batch


def _batches(job: Job, last: LastImport | _NothingListed, progress: Progress | None) -> Iterator[Batch]:
    if _skims(importer_named(job.format_name), job):
        yield from (finish(job, last, batch) for batch in _skimmed(job, last, progress))
        return
    for batch in _parsed(job, last, progress):
        yield _completed(job, last, batch)


def _work(job: Job, channel: Channel, parent: int) -> None:
    """A worker process's life: _prepare_into, ending with its writer."""
    exit_with(parent)
    _prepare_into(job, channel)


def _prepare_into(job: Job, channel: Channel) -> None:
    """The job's batches put on the channel, then "done" (or the failure, as "error")."""
    read = 0

    def count(n: int) -> None:
        nonlocal read
        read += n

    tune_for_import()
    try:
        last = _last_import(job)
        for batch in _batches(job, last, count):
            done, read = read, 0
            for _ in range(queue_places(batch) - 1):
                channel.put(("place", None, 0))
            channel.put(("batch", batch, done))
        channel.put(("done", None, read))
    except BaseException as exc:  # every failure goes to the writer, which reports it with the file
        channel.put(("error", _picklable(exc), read))


def _picklable(exc: BaseException) -> BaseException:
    """The exception as it can cross to the writer, carrying its traceback as text (for the run's record)."""
    details = "".join(traceback.format_exception(exc))
    try:
        exc.worker_traceback = details  # type: ignore[attr-defined]
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        fallback = PreparationError(f"{type(exc).__name__}: {exc}")
        fallback.worker_traceback = details  # type: ignore[attr-defined]
        return fallback


@contextmanager
def prepared_records(job: Job, progress: Progress | None = None) -> Iterator[Iterator[Batch]]:
    """The dump's records, prepared and completed, in batches (see _cut) in file order (the writer
    stores each as one chunk): in worker processes for large dumps, else lazily in this one. Leaving the
    block stops the workers, done or not."""
    path = Path(job.path)
    if path.stat().st_size < worker_min_bytes():
        last = _last_import(job)
        try:
            yield _batches(job, last, progress)
        finally:
            last.close()
        return
    # A re-import skips most records by fingerprint: one worker does that sooner than a second starts.
    parts = worker_count(importer_named(job.format_name)) if job.fresh or job.reprocess else 1
    channels: list[Channel] = []
    workers: list[multiprocessing.process.BaseProcess] = []
    early = take_early()  # started with the command: the first part's, already (nearly) booted
    for part in range(parts):
        part_job = replace(job, part=part, parts=parts)
        if part == 0 and early is not None:
            early.give(_prepare_into, part_job)
            channels.append(early.channel)
            workers.append(early.process)
            continue
        channel = new_channel()
        name = f"corpus-db prepare {path.name} {part + 1}/{parts}"
        worker = new_process(_work, (part_job, channel, os.getpid()), name)
        worker.start()
        channels.append(channel)
        workers.append(worker)
    try:
        yield _receive(channels, workers, progress)
    finally:
        for worker, channel in zip(workers, channels, strict=True):
            if worker.is_alive():
                worker.terminate()
            worker.join()
            channel.close()


def _receive(
    channels: list[Channel], workers: list[multiprocessing.process.BaseProcess],
    progress: Progress | None,
) -> Iterator[Batch]:
    """Batches in file order: the first worker's first, the second's first, ..., the first's second.
    Every worker reads the whole file; the first one's byte counts are the progress."""
    turn = 0
    while True:
        try:
            kind, payload, read = channels[turn].get(timeout=_GET_TIMEOUT)
        except queue.Empty:
            worker = workers[turn]
            if not worker.is_alive():
                raise PreparationError(f"the worker preparing records died (exit code {worker.exitcode})") from None
            continue
        if progress and read and turn == 0:
            progress(read)
        if kind == "batch":
            yield payload
            turn = (turn + 1) % len(channels)
        elif kind == "place":
            continue  # a big batch's extra place in the queue; the batch follows
        elif kind == "error":
            raise payload
        else:
            return
