"""Importing dumps: for each source, hash it, skip it when unchanged, else parse and store it in one
transaction; one failing source is rolled back and reported while the others go on."""

from __future__ import annotations

import sqlite3
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_db.ingest.digest import FileDigest, current_identity, hash_file
from corpus_db.ingest.files import hash_ahead, read_head
from corpus_db.ingest.heap import import_gc
from corpus_db.model import Batch, ImportCounts, ParseError
from corpus_db.rules import similar_extra
from corpus_db.rules.credentials import redact_text
from corpus_db.rules.taxonomy import Taxonomy
from corpus_db.store.build import Build, start_build
from corpus_db.store.checkpoint import BackgroundCheckpoints
from corpus_db.store.db import DatabaseBusyError, connect, db_path_of
from corpus_db.store.guard import check_database
from corpus_db.store.lock import writer_lock
from corpus_db.store.migrate import SCHEMA_HEAD, current_revision, ensure_migrated
from corpus_db.store.rejects import RejectLimit
from corpus_db.store.runs import RunTotals, begin_run, finish_run
from corpus_db.store.search_early import EarlyIndex
from corpus_db.store.search_index import refresh
from corpus_db.store.sources import KnownSource, SourceInfo, known_source
from corpus_db.store.vectors import embedding_enabled
from corpus_db.store.writer import ListingOrderConflict, SourceWriter, refresh_unchanged_source, source_transaction

if TYPE_CHECKING:
    from corpus_db.importers.base import Importer
    from corpus_db.ingest.worker import Job

# The importers and the worker (every format's parser, multiprocessing, the record preparation: ~45 ms of
# a ~180 ms unchanged re-import) are imported where records are read: a re-import of untouched files
# never needs them.

Progress = Callable[[int], None]


@dataclass
class SourceTask:
    """One dump to import: a local file (a URL source arrives here already downloaded, or not at all when
    the server answered 304 Not Modified: then `not_modified` is set and `path` is None)."""

    path: Path | None
    locator: str  # how the source is known across runs: its absolute path or its URL
    format: str | None = None  # None: detect from the content
    tags: Sequence[str] = ()
    name: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    digest: Future[FileDigest] | None = field(default=None, repr=False, compare=False)  # its hash, being taken

    @classmethod
    def for_path(cls, path: str | Path, **options: object) -> SourceTask:
        resolved = Path(path).resolve()
        # A file name that is not UTF-8 (bytes the file system allows) is known by an escaped spelling:
        # the database, the terminal and the web take only text.
        return cls(path=resolved, locator=as_text(str(resolved)), **options)  # type: ignore[arg-type]

    @property
    def is_local(self) -> bool:
        """Known by its own path (not a URL downloaded to a temp file): its file's identity means something
        at the next import."""
        return self.path is not None and self.locator == as_text(str(self.path))


def hash_ahead_of(conn: sqlite3.Connection, tasks: Sequence[SourceTask], *, trust_identity: bool) -> None:
    """Have the tasks' files hashed on a thread from now on (files.hash_ahead), in the order given, but
    for those whose identity says they are untouched since their last import: their turn in
    import_source finds them unchanged without reading them, so the thread must not read them either."""
    pending = [
        task for task in tasks
        if task.path is not None and not task.not_modified and task.digest is None
        and not (trust_identity and _untouched(task, task.path, known_source(conn, task.locator)))
    ]
    futures = hash_ahead([task.path for task in pending if task.path is not None])
    for task in pending:
        if task.path is not None:
            task.digest = futures[task.path]


@dataclass
class SourceResult:
    """How one source went."""

    locator: str
    status: str  # imported, unchanged, failed
    format: str | None = None
    counts: ImportCounts = field(default_factory=ImportCounts)
    error: str | None = None
    seconds: float = 0.0
    details: str | None = None  # the traceback of an unexpected failure: for the run's record, not the user


def import_source(
    conn: sqlite3.Connection,
    task: SourceTask,
    *,
    taxonomy: Taxonomy,
    force: bool = False,
    progress: Progress | None = None,
    max_rejects: RejectLimit | None = None,
    rehash: bool = False,
    early_index: EarlyIndex | None = None,
) -> SourceResult:
    """Import one source in its own transaction. Never raises for anything the source does: bad input,
    an importer's bug, recursion or memory running out all become a failed result with a clear error (the
    traceback, if any, in `details`). Only Ctrl-C and the like go through. A local file whose identity
    is the one recorded with its last import's hash is unchanged without being read, unless `rehash` or
    `force`. `early_index`: the search index's update, begun as the records are written (search_early.py)."""
    started = time.monotonic()
    result = SourceResult(locator=task.locator, status="failed", format=task.format)
    writer: SourceWriter | None = None
    try:
        known = known_source(conn, task.locator)
        if task.not_modified:
            if known is None:
                raise ParseError(task.locator, "the server answered 304 Not Modified for a source never imported")
            _keep_unchanged(conn, task, known, result)
            return result
        path = task.path
        if path is None or not path.exists():
            raise ParseError(str(path or task.locator), "no such file")
        if not path.is_file():
            raise ParseError(str(path), "not a regular file (a directory, a device or a pipe?); name a dump file")
        if not (force or rehash) and _untouched(task, path, known):
            if task.digest is not None:
                task.digest.cancel()  # not read at all if its turn has not come yet
            assert known is not None
            _keep_unchanged(conn, task, known, result)
            if progress:
                progress(path.stat().st_size)
            return result
        with ExitStack() as early:
            records = _prepare_early(early, conn, task, path, known, taxonomy, progress) if not force else None
            # A dump whose records are being prepared already is written while its hash is still taken: the
            # writer waited 2.6 s for a 2.2 GB dump's hash, while the worker, its queue full, waited on it.
            hashing = task.digest if records is not None else None
            hashed = None
            if hashing is None:
                hashed = task.digest.result() if task.digest is not None else hash_file(path)
                if _same_bytes(hashed, known, force):
                    _keep_unchanged_file(conn, task, known, result, hashed, path, progress)
                    return result
            importer = _importer(task, path)
            result.format = importer.name
            info = SourceInfo(
                locator=task.locator, format=importer.name, content_hash=hashed.sha256 if hashed else "",
                name=task.name, etag=task.etag, last_modified=task.last_modified, size_hint=path.stat().st_size,
                file_identity=_identity(hashed, task),
            )
            limit = max_rejects if max_rejects is not None else RejectLimit()
            rules = {"tags_for": taxonomy.tags_for, "import_tags": task.tags, "reprocess": force,
                     "reject_limit": limit, "early": early_index}
            from corpus_db.ingest.worker import prepared_records

            try:
                with source_transaction(conn, info, **rules) as writer:
                    if records is None:
                        job = _job(conn, task, importer, path, taxonomy, force, fresh=known is None)
                        records = early.enter_context(prepared_records(job, progress))
                    if hashing is not None:
                        records = _unless_same_bytes(records, hashing, known)
                    result.counts = writer.write(records)
                    if hashing is not None:
                        hashed = hashing.result()
                        if _same_bytes(hashed, known, force):
                            raise _SameBytes
                        writer.set_content_hash(hashed.sha256, _identity(hashed, task))
            except _SameBytes:  # rolled back: the bytes were those of the last import after all
                assert hashing is not None
                result.counts = ImportCounts()  # not what the writer counted before it stopped
                _keep_unchanged_file(conn, task, known, result, hashing.result(), path, progress)
                return result
            except ListingOrderConflict:
                early.close()  # stop the first pass's worker
                if hashing is not None:
                    hashed = hashing.result()
                    info = replace(info, content_hash=hashed.sha256, file_identity=_identity(hashed, task))
                # Rolled back. Again without recognising unchanged records before the writer: every record is
                # parsed and keyed in file order, and the writer still leaves the unchanged ones as they are.
                job = _job(conn, task, importer, path, taxonomy, force, fresh=True)
                with source_transaction(conn, info, **rules) as writer, prepared_records(job) as records:
                    result.counts = writer.write(records)
        result.status = "imported"
    except DatabaseBusyError as exc:
        result.error = str(exc)
    except ParseError as exc:
        result.error = str(exc)
    except sqlite3.Error as exc:  # a full disk, say: nothing of this source was written
        result.error = f"{task.locator}: the database could not be written ({exc})"
    except (OSError, UnicodeError, EOFError) as exc:
        result.error = f"{task.locator}: cannot be read ({type(exc).__name__}: {exc})"
    except Exception as exc:  # a bug, RecursionError, MemoryError: this source's failure, not the batch's
        result.error = f"{task.locator}: {_unexpected(exc, result.format)}; the details are in `corpus-db runs`"
        result.details = getattr(exc, "worker_traceback", None) or "".join(traceback.format_exception(exc))
    if result.error:
        result.error = as_text(redact_text(result.error))
    if result.details:
        result.details = as_text(result.details)
    if result.status == "failed" and writer is not None:
        # Nothing of the source was kept: everything read up to and including the bad record is rejected.
        result.counts = ImportCounts(rejected=writer.counts.records + writer.counts.rejected + 1)
    result.seconds = time.monotonic() - started
    return result


class _SameBytes(Exception):
    """The dump written while its hash was taken has the bytes of the source's last import."""


def _same_bytes(hashed: FileDigest | None, known: KnownSource | None, force: bool) -> bool:
    assert hashed is not None  # only a stop() ends a hash early, and none was given or cancelled
    return known is not None and known.content_hash == hashed.sha256 and not force


def _identity(hashed: FileDigest | None, task: SourceTask) -> str | None:
    return hashed.identity_text if hashed is not None and task.is_local else None


def _keep_unchanged_file(
    conn: sqlite3.Connection, task: SourceTask, known: KnownSource | None, result: SourceResult,
    hashed: FileDigest | None, path: Path, progress: Progress | None,
) -> None:
    """_keep_unchanged for a file read and found to hold the last import's bytes: its identity is new."""
    assert known is not None and hashed is not None
    identity = _identity(hashed, task)
    _keep_unchanged(conn, task, known, result, identity if identity != known.file_identity else None)
    if progress:
        progress(path.stat().st_size)


def _unless_same_bytes(
    records: Iterator[Batch], hashing: Future[FileDigest], known: KnownSource | None
) -> Iterator[Batch]:
    """The batches, until the hash, once taken, says the bytes are the last import's (a dump put in place
    again unchanged): then _SameBytes, and the writer's work so far is rolled back."""
    for batch in records:
        if hashing.done() and not hashing.cancelled() and hashing.exception() is None \
                and _same_bytes(hashing.result(), known, False):
            raise _SameBytes
        yield batch


def _untouched(task: SourceTask, path: Path, known: KnownSource | None) -> bool:
    """The file at `path` has the identity recorded when the last import's hash was taken from it: same
    device, inode, size, mtime and ctime (digest.py; racy identities were never recorded)."""
    if known is None or known.file_identity is None or not task.is_local:
        return False
    try:
        return current_identity(path).text() == known.file_identity
    except OSError:
        return False


def _importer(task: SourceTask, path: Path) -> Importer:
    from corpus_db.importers import detect_format, importer_named

    return importer_named(task.format) if task.format else detect_format(read_head(path), str(path))


def _prepare_early(
    stack: ExitStack, conn: sqlite3.Connection, task: SourceTask, path: Path, known: KnownSource | None,
    taxonomy: Taxonomy, progress: Progress | None,
) -> Iterator[Batch] | None:
    """The records of a dump whose hash is still being taken, prepared (and written) meanwhile, when the
    hash cannot make the import a no-op: a source never imported (a 2.2 GB dump's hash kept its first
    import's workers from starting for ~2.5 s), or a re-import whose file was put in place since the last
    import (its inode changed: a new download, a copy, a link), so probably changed (a worker process
    takes ~0.2 s to start, the hash of a 222 MB dump ~0.13 s). If the hash says unchanged after all,
    leaving `stack` stops the worker unused. Otherwise None: the hash comes first, so that an unchanged
    dump costs no process (or the format is not recognised: the import says so after the hash, as before)."""
    if task.digest is None or task.digest.done() or (known is not None and known.imported_at is None):
        return None
    try:
        if known is not None:
            assert known.imported_at is not None
            placed = datetime.fromtimestamp(path.stat().st_ctime, UTC).replace(microsecond=0)
            if placed < datetime.fromisoformat(known.imported_at):
                return None
        importer = _importer(task, path)
    except (ParseError, OSError, ValueError):
        return None
    from corpus_db.ingest.worker import prepared_records

    job = _job(conn, task, importer, path, taxonomy, False, fresh=known is None)
    return stack.enter_context(prepared_records(job, progress))


def _job(
    conn: sqlite3.Connection, task: SourceTask, importer: Importer, path: Path, taxonomy: Taxonomy, force: bool,
    *, fresh: bool,
) -> Job:
    from corpus_db.ingest.worker import Job

    return Job(importer.name, str(path), taxonomy, db_path_of(conn), task.locator, force, fresh=fresh)


def as_text(text: str) -> str:
    """`text` as storable UTF-8: a file name's undecodable bytes (surrogate escapes) spelled \\xNN."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")


def _unexpected(exc: BaseException, format_name: str | None) -> str:
    """One sentence for a failure no importer should raise."""
    importer = f"the {format_name} importer" if format_name else "corpus-db"
    if isinstance(exc, RecursionError):
        return f"{importer} met data nested too deeply to read (RecursionError)"
    if isinstance(exc, MemoryError):
        return f"{importer} ran out of memory (MemoryError)"
    worker = sys.modules.get("corpus_db.ingest.worker")  # not imported: no worker ran, none failed
    if worker is not None and isinstance(exc, worker.PreparationError):
        return str(exc)
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{importer} failed unexpectedly ({type(exc).__name__}{': ' + text if text else ''})"


def _keep_unchanged(
    conn: sqlite3.Connection, task: SourceTask, known: KnownSource, result: SourceResult,
    file_identity: str | None = None,
) -> None:
    """A source whose bytes are those of its last import: apply new import tags, keep the server's latest
    validators (so the next conditional GET can be answered 304) and the file's new identity (so the next
    import need not read it), and write nothing else."""
    fresh_validators = task.not_modified or task.etag is not None or task.last_modified is not None
    new_validators = fresh_validators and (task.etag, task.last_modified) != (known.etag, known.last_modified)
    refresh_unchanged_source(conn, task.locator, task.tags, (task.etag, task.last_modified) if new_validators else None,
                             file_identity)
    result.status, result.format = "unchanged", known.format
    result.counts.unchanged = known.record_count


def _messages(results: Sequence[SourceResult], extra: str | None = None) -> str | None:
    errors = [r.error for r in results if r.error]
    if extra:
        errors.append(extra)
    return "\n".join(errors) if errors else None


def _details(results: Sequence[SourceResult]) -> str | None:
    texts = [f"{r.locator}:\n{redact_text(r.details)}" for r in results if r.details]
    return "\n".join(texts) if texts else None


def _embed_after_import(conn: sqlite3.Connection, db_path: str | Path) -> int | None:
    """Embed the new and changed papers when this database keeps similar-paper vectors (`corpus-db embed`
    was run once) and the extra is installed; the number embedded, None when not applicable. A step after
    the source transactions, still under the writer lock: each batch commits whole rows (see embed.py)."""
    if not similar_extra.available() or not embedding_enabled(conn):
        return None
    from corpus_db.ingest.embed import embed_pending  # numpy (~50 ms to import): only when there is work

    return embed_pending(conn, db_path).embedded


def run_import(
    db_path: str | Path,
    tasks: Iterable[SourceTask | SourceResult],
    *,
    command: str = "import",
    taxonomy: Taxonomy | None = None,
    force: bool = False,
    progress: Progress | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
    max_rejects: RejectLimit | None = None,
    rehash: bool = False,
    hash_early: bool = False,
) -> tuple[RunTotals, list[SourceResult]]:
    """Take the writer lock, migrate if behind, close the rows of runs that died, then import every task,
    recording the run in import_runs. Into a new or empty database the run is built beside it and renamed
    into place at the end (store/build.py): a kill leaves nothing or everything. `tasks` is consumed lazily,
    under the lock; an item that is already a SourceResult (a download that failed, say) is recorded as it
    is. `hash_early`: hash the files of a list of tasks on a thread from the start (hash_ahead_of). Raises
    DatabaseBusyError when another writer holds the database for longer than the busy timeout."""
    rules = taxonomy or Taxonomy.load()
    check_database(db_path)  # a foreign or newer file is refused before even its lock file is made
    command = as_text(command)
    with writer_lock(db_path), import_gc():
        build = start_build(db_path)
        # In place, each source's commit leaves copying its pages into the database to a thread; the last
        # of it runs beside the search index's update (a new build is written without a log).
        checkpoints = None if build else BackgroundCheckpoints(db_path)
        # A new build is indexed from scratch after it; in place, the update starts with the writes.
        early_index = None if build else EarlyIndex(db_path)
        try:
            try:
                outcome = _run_locked(build.path if build else Path(db_path), build, tasks, command=command,
                                      taxonomy=rules, force=force, progress=progress, on_result=on_result,
                                      max_rejects=max_rejects, rehash=rehash, hash_early=hash_early,
                                      checkpoints=checkpoints, early_index=early_index)
            except BaseException:
                if build:
                    build.discard()
                raise
            if build:
                build.finish()
            totals, _ = outcome
            # Still under the writer lock, on the file now in place.
            totals.search_index = refresh(db_path, early=early_index)
            return outcome
        finally:
            if early_index is not None:
                early_index.abandon()  # taken over by refresh, or its uncommitted documents dropped
            if checkpoints:
                checkpoints.close()


def _run_locked(
    db_path: Path,
    build: Build | None,
    tasks: Iterable[SourceTask | SourceResult],
    *,
    command: str,
    taxonomy: Taxonomy,
    force: bool,
    progress: Progress | None,
    on_result: Callable[[SourceResult], None] | None,
    max_rejects: RejectLimit | None,
    rehash: bool,
    hash_early: bool,
    checkpoints: BackgroundCheckpoints | None,
    early_index: EarlyIndex | None,
) -> tuple[RunTotals, list[SourceResult]]:
    totals = RunTotals(counts=ImportCounts())
    before = current_revision(db_path)
    if ensure_migrated(db_path):
        totals.schema_upgrade = (before, SCHEMA_HEAD)
    conn = build.connect() if build else connect(db_path)
    if checkpoints:
        checkpoints.pause_automatic(conn)
    try:
        if hash_early and isinstance(tasks, Sequence):
            files = [task for task in tasks if isinstance(task, SourceTask)]
            hash_ahead_of(conn, files, trust_identity=not (force or rehash))  # beside the run row's commit
        run_id, totals.interrupted_runs = begin_run(conn, db_path, command)
        results: list[SourceResult] = []
        try:
            for item in tasks:
                if isinstance(item, SourceResult):
                    result = item
                else:
                    result = import_source(
                        conn, item, taxonomy=taxonomy, force=force, progress=progress, max_rejects=max_rejects,
                        rehash=rehash, early_index=early_index,
                    )
                results.append(result)
                totals.add(result.status, result.counts)
                if checkpoints and result.status == "imported":
                    checkpoints.after_commit()
                if on_result:
                    on_result(result)
        except BaseException as exc:
            # Ctrl-C, SIGTERM or a bug: close the row now instead of leaving it to the next run.
            stopped = isinstance(exc, KeyboardInterrupt | SystemExit)
            note = "stopped by the user" if stopped else redact_text(f"{type(exc).__name__}: {exc}")
            details = _details(results)
            if not stopped:
                details = "\n".join(filter(None, [details, redact_text("".join(traceback.format_exception(exc)))]))
            with suppress(sqlite3.Error):
                finish_run(conn, run_id, totals, _messages(results, note), details,
                           status="interrupted" if stopped else "failed")
            raise
        finish_run(conn, run_id, totals, _messages(results), _details(results))
        totals.embedded = _embed_after_import(conn, db_path)
        return totals, results
    finally:
        conn.close()
