"""corpus-db sync: import every source the sources file names, skipping what has not changed (by HTTP
validators for URLs, by content hash for every file, by record hash within a changed file), once or on a
schedule. Fetch failures are recorded like import failures: as failed sources of the run."""

from __future__ import annotations

import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from corpus_db.ingest.run import SourceResult, SourceTask, run_import
from corpus_db.rules.credentials import redact_text, redact_url
from corpus_db.rules.taxonomy import Taxonomy
from corpus_db.store.lock import is_database_file
from corpus_db.store.rejects import RejectLimit
from corpus_db.store.runs import RunTotals
from corpus_db.store.sources import validators
from corpus_db.sync.config import SourceEntry, SourcesFileError, load_sources
from corpus_db.sync.fetch import FetchError, FetchOptions, fetch


@dataclass
class SyncOptions:
    """Everything a sync round needs besides the database and the sources file."""

    fetch: FetchOptions = field(default_factory=FetchOptions)
    force: bool = False  # re-download and re-read every source
    rehash: bool = False  # read every local file, even one whose identity says it is untouched
    taxonomy: Taxonomy | None = None
    max_rejects: RejectLimit | None = None  # None: the default (1% of a source's records, at least 10)


def _download_name(entry: SourceEntry) -> str:
    """A temp file name that keeps the URL's last path segment: some format sniffers look at the suffix."""
    tail = entry.location.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    safe = re.sub(r"[^\w.-]", "_", tail)[-100:] or "download"
    return f"{entry.number:03d}-{safe}"


def _failed(locator: str, error: str, started: float) -> SourceResult:
    return SourceResult(locator=locator, status="failed", error=error, seconds=time.monotonic() - started)


def _url_tasks(
    entry: SourceEntry, db_path: str | Path, workdir: Path, options: SyncOptions
) -> Iterator[SourceTask | SourceResult]:
    started = time.monotonic()
    # The sources row exists only after a successful import (a failed one rolls back with it), so
    # these are the validators of the last good download.
    # The source is known (stored, printed, served) by its URL with credentials redacted: a token in the
    # query or a password before the host never leaves this function.
    locator = redact_url(entry.location)
    etag, last_modified = (None, None) if options.force else validators(db_path, locator)
    dest = workdir / _download_name(entry)
    try:
        fetched = fetch(entry.location, dest, etag=etag, last_modified=last_modified, options=options.fetch)
    except FetchError as exc:
        yield _failed(locator, redact_text(str(exc)), started)
        return
    try:
        yield SourceTask(
            path=fetched.path, locator=locator, format=entry.format, tags=entry.tags, name=entry.name,
            etag=fetched.etag, last_modified=fetched.last_modified, not_modified=fetched.not_modified,
        )
    finally:
        dest.unlink(missing_ok=True)  # imported (or failed) by now: free the disk before the next download


def plan_sources(
    entries: Sequence[SourceEntry], db_path: str | Path, workdir: Path, options: SyncOptions,
    skip: set[Path] | None = None,
) -> Iterator[SourceTask | SourceResult]:
    """The import tasks of every entry, lazily: a URL is downloaded only when its turn comes (under the
    writer lock, one temp file at a time); what cannot even be found becomes a failed result."""
    for entry in entries:
        if entry.kind == "url":
            yield from _url_tasks(entry, db_path, workdir, options)
            continue
        try:
            paths = entry.local_paths()
        except OSError as exc:  # an unreadable folder is this entry's failure, not the round's
            reason = f"{entry.location}: cannot be listed ({exc.strerror or exc})"
            yield _failed(entry.location, reason, time.monotonic())
            continue
        if not paths:
            what = "glob matched no files" if entry.kind == "glob" else "no such file or directory"
            yield _failed(entry.location, f"{entry.location}: {what} (sources entry {entry.number}, {entry.name})",
                          time.monotonic())
        skipped = skip or set()  # a folder source may hold the database itself
        for path in paths:
            if not is_database_file(path, db_path) and path.resolve() not in skipped:
                yield SourceTask.for_path(path, format=entry.format, tags=entry.tags, name=entry.name)


def sync_once(
    db_path: str | Path,
    sources_path: str | Path,
    *,
    options: SyncOptions | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
) -> tuple[RunTotals, list[SourceResult]]:
    """One sync round, recorded in import_runs. A sources file that does not validate is recorded as the
    run's one failed source (so an unattended loop shows it in `corpus-db runs`); nothing is imported."""
    opts = options or SyncOptions()
    command = f"sync --sources {Path(sources_path).resolve()}"
    try:
        entries = load_sources(sources_path)
    except SourcesFileError as exc:
        failure = SourceResult(locator=str(sources_path), status="failed", error=str(exc))
        return run_import(db_path, [failure], command=command, taxonomy=opts.taxonomy, on_result=on_result)
    with tempfile.TemporaryDirectory(prefix="corpus-db-sync-") as workdir:
        return run_import(
            db_path, plan_sources(entries, db_path, Path(workdir), opts, {Path(sources_path).resolve()}),
            command=command,
            taxonomy=opts.taxonomy, force=opts.force, on_result=on_result, max_rejects=opts.max_rejects,
            rehash=opts.rehash,
        )


class _StopOnSignal:
    """SIGINT and SIGTERM ask the loop to stop once the current round is over; a second signal acts as
    usual (Ctrl-C raises KeyboardInterrupt, SIGTERM ends the process): the open source transaction rolls
    back, so even that loses only the source being imported."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, stop: threading.Event, log: Callable[[str], None]) -> None:
        self.stop = stop
        self.log = log
        self.previous: dict[int, object] = {}

    def __enter__(self) -> _StopOnSignal:
        if threading.current_thread() is threading.main_thread():  # only the main thread may set handlers
            for sig in self.SIGNALS:
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.log(f"{signal.Signals(signum).name}: stopping after the current round (send it again to stop now)")
        self.stop.set()
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


def run_every(
    interval: float,
    round_once: Callable[[int], bool],
    *,
    log: Callable[[str], None],
    rounds: int | None = None,
    stop: threading.Event | None = None,
) -> bool:
    """Run `round_once(n)` now and then every `interval` seconds (measured start to start; a round that
    overruns is followed at once) until `rounds` have run or SIGINT/SIGTERM arrives. A round that fails,
    or raises, is logged and the loop goes on. Returns whether the last round succeeded."""
    stop = stop or threading.Event()
    ok = True
    number = 0
    with _StopOnSignal(stop, log):
        while not stop.is_set():
            number += 1
            started = time.monotonic()
            try:
                ok = round_once(number)
            except Exception as exc:
                ok = False
                log(f"round {number} failed: {type(exc).__name__}: {exc}")
            if rounds is not None and number >= rounds:
                break
            wait = max(0.0, started + interval - time.monotonic())
            if not stop.is_set():
                log(f"round {number} {'done' if ok else 'FAILED'}; next round in {wait:.0f}s")
            if stop.wait(wait):
                break
    if stop.is_set():
        log(f"stopped after round {number}")
    return ok
