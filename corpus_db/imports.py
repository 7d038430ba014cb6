"""Importing dumps: for each source, hash it, skip it when unchanged, else parse and store it in one
transaction; one failing source is rolled back and reported while the others go on."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus_db.db import DatabaseBusyError, connect, ensure_migrated, write_transaction
from corpus_db.importers import FORMATS, detect_format
from corpus_db.records import ParseError
from corpus_db.runs import RunTotals, finish_run, start_run
from corpus_db.source_files import content_hash, open_dump, read_head
from corpus_db.store import ImportCounts, SourceInfo, SourceWriter, apply_import_tags
from corpus_db.taxonomy import Taxonomy

Progress = Callable[[int], None]


@dataclass
class SourceTask:
    """One dump to import: a local file (a URL source arrives here already downloaded)."""

    path: Path
    locator: str  # how the source is known across runs: its absolute path or its URL
    format: str | None = None  # None: detect from the content
    tags: Sequence[str] = ()
    name: str | None = None
    etag: str | None = None
    last_modified: str | None = None

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


def expand_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files named directly, and the files inside named directories (sorted, hidden ones skipped)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")))
        else:
            files.append(path)
    return files


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
        if not task.path.is_file():
            raise ParseError(str(task.path), "no such file")
        digest = content_hash(task.path)
        known = conn.execute(
            "SELECT content_hash, record_count, format FROM sources WHERE locator = ?", (task.locator,)
        ).fetchone()
        if known is not None and known[0] == digest and not force:
            if task.tags:
                with write_transaction(conn, task.locator):
                    apply_import_tags(conn, task.locator, task.tags)
            result.status, result.format = "unchanged", known[2]
            result.counts.unchanged = known[1]
            if progress:
                progress(task.path.stat().st_size)
            return result
        importer = FORMATS[task.format] if task.format else detect_format(read_head(task.path), str(task.path))
        result.format = importer.name
        info = SourceInfo(
            locator=task.locator, format=importer.name, content_hash=digest, name=task.name, etag=task.etag,
            last_modified=task.last_modified, size_hint=task.path.stat().st_size,
        )
        with write_transaction(conn, task.locator):
            writer = SourceWriter(conn, info, taxonomy=taxonomy, import_tags=task.tags, reprocess=force)
            with open_dump(task.path, progress) as stream:
                result.counts = writer.write(importer.parse(stream, str(task.path)))
        result.status = "imported"
    except DatabaseBusyError as exc:
        result.error = str(exc)
    except ParseError as exc:
        result.error = str(exc)
    except (OSError, UnicodeError, ValueError, EOFError) as exc:
        result.error = f"{task.path}: {type(exc).__name__}: {exc}"
    if result.status == "failed" and writer is not None:
        # Nothing of the source was kept: everything read up to and including the bad record is rejected.
        result.counts = ImportCounts(rejected=writer.counts.records + 1)
    result.seconds = time.monotonic() - started
    return result


def run_import(
    db_path: str | Path,
    tasks: Sequence[SourceTask],
    *,
    command: str = "import",
    taxonomy: Taxonomy | None = None,
    force: bool = False,
    progress: Progress | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
) -> tuple[RunTotals, list[SourceResult]]:
    """Migrate if behind, then import every task, recording the run in import_runs."""
    ensure_migrated(db_path)
    rules = taxonomy or Taxonomy.load()
    conn = connect(db_path)
    try:
        run_id = start_run(conn, command)
        totals = RunTotals(counts=ImportCounts())
        results = []
        for task in tasks:
            result = import_source(conn, task, taxonomy=rules, force=force, progress=progress)
            results.append(result)
            totals.sources_total += 1
            totals.sources_skipped += result.status == "unchanged"
            totals.sources_failed += result.status == "failed"
            totals.counts.add(result.counts)
            if on_result:
                on_result(result)
        errors = [r.error for r in results if r.error]
        finish_run(conn, run_id, totals, "\n".join(errors) if errors else None)
        return totals, results
    finally:
        conn.close()
