"""Importing dumps: for each source, hash it, skip it when unchanged, else parse and store it in one
transaction; one failing source is rolled back and reported while the others go on."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from corpus_db.importers import FORMATS, detect_format
from corpus_db.ingest.files import content_hash, read_head
from corpus_db.ingest.worker import Job, PreparationError, prepared_records
from corpus_db.model import ImportCounts, ParseError
from corpus_db.rules import similar_extra
from corpus_db.rules.taxonomy import Taxonomy
from corpus_db.store.db import DatabaseBusyError, connect, db_path_of
from corpus_db.store.lock import writer_lock
from corpus_db.store.migrate import SCHEMA_HEAD, current_revision, ensure_migrated
from corpus_db.store.runs import RunTotals, begin_run, finish_run
from corpus_db.store.sources import KnownSource, SourceInfo, known_source
from corpus_db.store.writer import SourceWriter, refresh_unchanged_source, source_transaction

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

    @classmethod
    def for_path(cls, path: str | Path, **options: object) -> SourceTask:
        resolved = Path(path).resolve()
        return cls(path=resolved, locator=str(resolved), **options)  # type: ignore[arg-type]


@dataclass
class SourceResult:
    """How one source went."""

    locator: str
    status: str  # imported, unchanged, failed
    format: str | None = None
    counts: ImportCounts = field(default_factory=ImportCounts)
    error: str | None = None
    seconds: float = 0.0


def import_source(
    conn: sqlite3.Connection,
    task: SourceTask,
    *,
    taxonomy: Taxonomy,
    force: bool = False,
    progress: Progress | None = None,
) -> SourceResult:
    """Import one source in its own transaction; never raises for bad input, returns a failed result."""
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
        if path is None or not path.is_file():
            raise ParseError(str(path or task.locator), "no such file")
        digest = content_hash(path)
        if known is not None and known.content_hash == digest and not force:
            _keep_unchanged(conn, task, known, result)
            if progress:
                progress(path.stat().st_size)
            return result
        importer = FORMATS[task.format] if task.format else detect_format(read_head(path), str(path))
        result.format = importer.name
        info = SourceInfo(
            locator=task.locator, format=importer.name, content_hash=digest, name=task.name, etag=task.etag,
            last_modified=task.last_modified, size_hint=path.stat().st_size,
        )
        rules = {"tags_for": taxonomy.tags_for, "import_tags": task.tags, "reprocess": force}
        with source_transaction(conn, info, **rules) as writer:
            job = Job(importer.name, str(path), taxonomy, db_path_of(conn), task.locator, force)
            with prepared_records(job, progress) as records:
                result.counts = writer.write(records)
        result.status = "imported"
    except DatabaseBusyError as exc:
        result.error = str(exc)
    except ParseError as exc:
        result.error = str(exc)
    except (OSError, UnicodeError, ValueError, EOFError, PreparationError) as exc:
        result.error = f"{task.path}: {type(exc).__name__}: {exc}"
    if result.status == "failed" and writer is not None:
        # Nothing of the source was kept: everything read up to and including the bad record is rejected.
        result.counts = ImportCounts(rejected=writer.counts.records + 1)
    result.seconds = time.monotonic() - started
    return result


def _keep_unchanged(conn: sqlite3.Connection, task: SourceTask, known: KnownSource, result: SourceResult) -> None:
    """A source whose bytes are those of its last import: apply new import tags, keep the server's latest
    validators (so the next conditional GET can be answered 304), and write nothing else."""
    fresh_validators = task.not_modified or task.etag is not None or task.last_modified is not None
    new_validators = fresh_validators and (task.etag, task.last_modified) != (known.etag, known.last_modified)
    refresh_unchanged_source(conn, task.locator, task.tags, (task.etag, task.last_modified) if new_validators else None)
    result.status, result.format = "unchanged", known.format
    result.counts.unchanged = known.record_count


def _messages(results: Sequence[SourceResult], extra: str | None = None) -> str | None:
    errors = [r.error for r in results if r.error]
    if extra:
        errors.append(extra)
    return "\n".join(errors) if errors else None


def _embed_after_import(conn: sqlite3.Connection, db_path: str | Path) -> int | None:
    """Embed the new and changed papers when this database keeps similar-paper vectors (`corpus-db embed`
    was run once) and the extra is installed; the number embedded, None when not applicable. A step after
    the source transactions, still under the writer lock: each batch commits whole rows (see embed.py)."""
    if not similar_extra.available():
        return None
    from corpus_db.ingest.embed import embed_pending, embedding_enabled  # numpy: only when it is needed

    if not embedding_enabled(conn):
        return None
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
) -> tuple[RunTotals, list[SourceResult]]:
    """Take the writer lock, migrate if behind, close the rows of runs that died, then import every task,
    recording the run in import_runs. `tasks` is consumed lazily, under the lock; an item that is already a
    SourceResult (a download that failed, say) is recorded as it is. Raises DatabaseBusyError when another
    writer holds the database for longer than the busy timeout."""
    rules = taxonomy or Taxonomy.load()
    with writer_lock(db_path):
        totals = RunTotals(counts=ImportCounts())
        before = current_revision(db_path)
        if ensure_migrated(db_path):
            totals.schema_upgrade = (before, SCHEMA_HEAD)
        conn = connect(db_path)
        try:
            run_id, totals.interrupted_runs = begin_run(conn, db_path, command)
            results: list[SourceResult] = []
            try:
                for item in tasks:
                    if isinstance(item, SourceResult):
                        result = item
                    else:
                        result = import_source(conn, item, taxonomy=rules, force=force, progress=progress)
                    results.append(result)
                    totals.add(result.status, result.counts)
                    if on_result:
                        on_result(result)
            except BaseException as exc:
                # Ctrl-C, SIGTERM or a bug: close the row now instead of leaving it to the next run.
                stopped = isinstance(exc, KeyboardInterrupt | SystemExit)
                note = "stopped by the user" if stopped else f"{type(exc).__name__}: {exc}"
                with suppress(sqlite3.Error):
                    finish_run(conn, run_id, totals, _messages(results, note),
                               status="interrupted" if stopped else "failed")
                raise
            finish_run(conn, run_id, totals, _messages(results))
            totals.embedded = _embed_after_import(conn, db_path)
            return totals, results
        finally:
            conn.close()
