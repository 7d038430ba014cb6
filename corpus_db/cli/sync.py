"""`corpus-db sync`: import what changed among the sources a sources file names, once or on a schedule."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from corpus_db.cli.app import DB_OPTION, cli
from corpus_db.cli.args import (
    MAX_REJECTS_HELP,
    REHASH_HELP,
    WAIT_HELP,
    apply_wait,
    max_rejects_option,
    split_database,
)
from corpus_db.cli.report import describe, summary_line
from corpus_db.ingest.run import SourceResult
from corpus_db.rules.credentials import redact_url
from corpus_db.rules.normalize import printable
from corpus_db.rules.taxonomy import Taxonomy
from corpus_db.store.rejects import RejectLimit
from corpus_db.store.runs import RunTotals
from corpus_db.sync.config import SourcesFileError, load_sources
from corpus_db.sync.fetch import FetchOptions
from corpus_db.sync.rounds import SyncOptions, run_every, sync_once
from corpus_db.units import format_size, parse_duration, parse_size


def _duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    try:
        return None if value is None else parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _size(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _log(message: str) -> None:
    """Loop messages: timestamped, on stderr, for the journal or a log file."""
    click.echo(f"[{datetime.now().astimezone().isoformat(timespec='seconds')}] {message}", err=True)


def _report_start(totals: RunTotals) -> None:
    if totals.schema_upgrade:
        before, after = totals.schema_upgrade
        if before is None:
            click.echo(f"Created the database (schema {after}).")
        else:
            click.echo(f"Upgraded the database schema from {before} to {after} before syncing.")
    if totals.interrupted_runs:
        ids = ", ".join(f"#{n}" for n in totals.interrupted_runs)
        click.echo(f"Marked earlier run(s) {ids} as interrupted: their process ended before they finished.")


def _sync_round(db_path: Path, sources: Path, options: SyncOptions) -> bool:
    """One round with its report; True when every source went well."""
    def report(result: SourceResult) -> None:
        click.echo(f"{printable(result.locator)}: {describe(result)}", err=result.status == "failed")

    totals, _ = sync_once(db_path, sources, options=options, on_result=report)
    _report_start(totals)
    click.echo(summary_line(totals))
    if totals.search_index and totals.search_index != "search index: up to date":
        click.echo(totals.search_index)
    return totals.sources_failed == 0


def _check(sources: Path) -> None:
    try:
        entries = load_sources(sources)
    except SourcesFileError as exc:
        raise click.ClickException(str(exc)) from None
    for entry in entries:
        detail = f"format {entry.format or 'detected'}" + (f", tags {', '.join(entry.tags)}" if entry.tags else "")
        click.echo(f"{entry.number}. {entry.name}: {entry.kind} {redact_url(entry.location)} ({detail})")
        if entry.kind != "url":
            click.echo(f"   {len(entry.local_paths())} file(s) there now")


@cli.command(name="sync")
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option(
    "--sources", "sources", default="sources.yml", show_default=True, metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The sources file to read.",
)
@click.option("--wait", type=click.FloatRange(min=0), metavar="SECONDS", help=WAIT_HELP)
@click.option("--force", is_flag=True, help="Download and re-read every source, even unchanged ones.")
@click.option("--rehash", is_flag=True, help=REHASH_HELP)
@click.option(
    "--every", metavar="DURATION", callback=_duration,
    help="Keep running: a round now, then one every DURATION (30m, 1h, 1d). Ctrl-C or SIGTERM stops it "
    "between rounds; a failed round is logged and the loop goes on.",
)
@click.option("--rounds", type=click.IntRange(min=1), hidden=True, help="With --every: stop after N rounds.")
@click.option("--connect-timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              metavar="SECONDS", help="Give up connecting to a URL source after this long.")
@click.option("--read-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              metavar="SECONDS", help="Give up when a server sends nothing for this long.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Further attempts after a connection error, 429 or 5xx.")
@click.option("--backoff", type=click.FloatRange(min=0), default=1.0, show_default=True, metavar="SECONDS",
              help="Wait before the first retry; doubles with each retry.")
@click.option("--max-size", default="2GiB", show_default=True, callback=_size, metavar="SIZE",
              help="Abort a download larger than this (e.g. 500MB, 2GiB).")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Keyword taxonomy file to apply.")
@click.option("--deadline", default="1h", show_default=True, callback=_duration, metavar="DURATION",
              help="Give up a download that takes longer than this in all, however it trickles (e.g. 30m).")
@click.option("--max-rejects", default="1%", show_default=True, callback=max_rejects_option, metavar="SHARE|COUNT",
              help=MAX_REJECTS_HELP)
@click.option("--check", is_flag=True, help="Validate the sources file, list what it names, and stop.")
def sync_command(
    args: tuple[str, ...], db_option: str | None, sources: Path, wait: float | None, force: bool, rehash: bool,
    every: float | None, rounds: int | None, connect_timeout: float, read_timeout: float, retries: int,
    backoff: float, max_size: int, taxonomy: str | None, deadline: float, max_rejects: RejectLimit, check: bool,
) -> None:
    """Import every source in the sources file that changed since the last run.

    Exits 1 when any source failed (the run is in `corpus-db runs` with the error), 75 when another
    import or sync kept the database busy for longer than --wait."""
    if check:
        _check(sources)
        return
    db_path, rest = split_database(args, db_option, needs=0)
    if rest:
        raise click.UsageError(f"unexpected argument {rest[0]!r} (sources come from --sources FILE)")
    if rounds is not None and every is None:
        raise click.UsageError("--rounds needs --every")
    apply_wait(wait)
    options = SyncOptions(
        fetch=FetchOptions(connect_timeout=connect_timeout, read_timeout=read_timeout, retries=retries,
                           backoff=backoff, max_bytes=max_size, deadline=deadline),
        force=force,
        rehash=rehash,
        taxonomy=Taxonomy.load(taxonomy),
        max_rejects=max_rejects,
    )
    if every is None:
        if not _sync_round(db_path, sources, options):
            sys.exit(1)
        return
    _log(f"syncing {db_path} from {sources} every {every:g}s (max download {format_size(max_size)})")

    def one_round(number: int) -> bool:
        _log(f"round {number}")
        return _sync_round(db_path, sources, options)

    if not run_every(every, one_round, log=_log, rounds=rounds):
        sys.exit(1)
