"""The corpus-db command line."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from corpus_db import db as database
from corpus_db.cli_args import WAIT_HELP, apply_wait, split_database
from corpus_db.importers import FORMATS
from corpus_db.imports import SourceResult, SourceTask, expand_paths, run_import
from corpus_db.lock import migrate_if_behind, writer_lock
from corpus_db.runs import RunTotals
from corpus_db.search import search as run_search
from corpus_db.stats import collect_stats
from corpus_db.taxonomy import Taxonomy

DB_OPTION = click.option("--db", "db_option", metavar="PATH", help="The database (default: $CORPUS_DB or ./corpus.db).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="corpus-db")
def cli() -> None:
    """Keep a corpus of research papers in one normalized, searchable SQLite database."""


EXIT_BUSY = 75  # EX_TEMPFAIL: another writer held the database; trying again later will work


def main() -> None:
    try:
        cli()
    except database.DatabaseBusyError as exc:  # a clear message, not a traceback, for cron's mail
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_BUSY)


@contextmanager
def _progress(paths: list[Path]) -> Iterator[object]:
    """A byte-count progress bar on a terminal; nothing when output is piped or logged."""
    if not sys.stderr.isatty():
        yield None
        return
    total = sum(p.stat().st_size for p in paths if p.is_file())
    with click.progressbar(length=total, label="Importing", file=sys.stderr, show_pos=False) as bar:
        yield bar.update


def _describe(result: SourceResult) -> str:
    c = result.counts
    if result.status == "failed":
        return f"FAILED {result.error} (nothing from this source was stored)"
    if result.status == "unchanged":
        return f"unchanged since last import ({c.unchanged} records), skipped"
    return (
        f"{result.format}: {c.inserted} new, {c.merged} merged into known papers, {c.updated} updated, "
        f"{c.unchanged} unchanged, {c.unlisted} no longer listed ({result.seconds:.2f}s)"
    )


def summary_line(totals: RunTotals) -> str:
    """One line that says what a whole import did."""
    c = totals.counts
    if totals.sources_total and totals.sources_skipped == totals.sources_total:
        return f"Nothing to do: all {totals.sources_total} sources are unchanged since they were last imported."
    return (
        f"{totals.sources_total} sources ({totals.sources_skipped} unchanged, {totals.sources_failed} failed): "
        f"{c.inserted} inserted, {c.merged} merged, {c.updated} updated, {c.unchanged} unchanged, "
        f"{c.rejected} rejected."
    )


@cli.command(name="import")
@click.argument("args", nargs=-1, required=True, metavar="[DB] PATH...")
@DB_OPTION
@click.option(
    "--format", "format_name", type=click.Choice(sorted(FORMATS)), help="Skip detection: read as this format."
)
@click.option("--tag", "tags", multiple=True, metavar="NAME", help="Tag every paper these dumps list (repeatable).")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Keyword taxonomy file to apply.")
@click.option(
    "--force", is_flag=True, help="Re-read every record, even of unchanged sources (e.g. after upgrading corpus-db)."
)
@click.option("--wait", type=click.FloatRange(min=0), metavar="SECONDS", help=WAIT_HELP)
def import_command(
    args: tuple[str, ...], db_option: str | None, format_name: str | None, tags: tuple[str, ...],
    taxonomy: str | None, force: bool, wait: float | None,
) -> None:
    """Import dump files (or every file in a directory) into the corpus."""
    apply_wait(wait)
    db_path, rest = split_database(args, db_option, needs=1)
    if not rest:
        raise click.UsageError("name at least one dump file or directory to import")
    paths = expand_paths(rest)
    tasks = [SourceTask.for_path(p, format=format_name, tags=tags) for p in paths]
    rules = Taxonomy.load(taxonomy)

    def report(result: SourceResult) -> None:
        click.echo(f"{result.locator}: {_describe(result)}", err=result.status == "failed")

    with _progress(paths) as progress:
        totals, _ = run_import(
            db_path, tasks, command=f"import {' '.join(rest)}", taxonomy=rules, force=force,
            progress=progress, on_result=report,  # type: ignore[arg-type]
        )
    click.echo(summary_line(totals))
    if totals.sources_failed:
        sys.exit(1)


def _open_existing(db_path: Path) -> sqlite3.Connection:
    if not db_path.exists():
        raise click.ClickException(f"{db_path}: no such database (run `corpus-db import` first)")
    return database.connect(db_path)


@cli.command()
@click.argument("args", nargs=-1, required=True, metavar="[DB] QUERY")
@DB_OPTION
@click.option("-n", "--limit", default=20, show_default=True, help="How many results.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
def search(args: tuple[str, ...], db_option: str | None, limit: int, as_json: bool) -> None:
    """Ranked full-text search over titles (weighted higher) and abstracts."""
    db_path, rest = split_database(args, db_option, needs=1)
    query = " ".join(rest)
    conn = _open_existing(db_path)
    hits = run_search(conn, query, limit=limit, highlight=("\x1b[1m", "\x1b[0m") if sys.stdout.isatty() else ("[", "]"))
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(f"No papers match {query!r}.")
        return
    for rank, hit in enumerate(hits, 1):
        ident = f"arXiv:{hit.arxiv_id}" if hit.arxiv_id else (f"doi:{hit.doi}" if hit.doi else f"#{hit.id}")
        click.echo(f"{rank:>2}. {hit.title}  ({ident}{', ' + str(hit.year) if hit.year else ''})")
        click.echo(f"    {hit.snippet}")
        if hit.repos:
            click.echo(f"    code: {', '.join(hit.repos[:3])}")


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(args: tuple[str, ...], db_option: str | None, as_json: bool) -> None:
    """Counts of papers, sources, links, tags, repos and authors."""
    db_path, _ = split_database(args, db_option, needs=0)
    figures = collect_stats(_open_existing(db_path))
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        click.echo(f"{key.replace('_', ' '):<{width}}  {value}")


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.option("--downgrade", "down", is_flag=True, help="Move down to --revision (e.g. base) instead of up.")
def migrate(args: tuple[str, ...], db_option: str | None, revision: str, down: bool) -> None:
    """Create the database or bring its schema up to date (Alembic)."""
    db_path, _ = split_database(args, db_option, needs=0)
    before = database.current_revision(db_path)
    if down:
        database.downgrade(db_path, revision)
    else:
        database.migrate(db_path, revision)
    click.echo(f"{db_path}: schema {before or 'empty'} -> {database.current_revision(db_path) or 'empty'}")


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("-n", "--limit", default=20, show_default=True, help="How many runs, newest first.")
def runs(args: tuple[str, ...], db_option: str | None, limit: int) -> None:
    """The history of import and sync commands, newest first."""
    db_path, _ = split_database(args, db_option, needs=0)
    rows = _open_existing(db_path).execute(
        """SELECT id, started_at, finished_at, status, command, sources_total, sources_skipped, sources_failed,
                  inserted, merged, updated, unchanged, rejected, message
           FROM import_runs ORDER BY id DESC LIMIT ?""",
        (limit,),
    ).fetchall()
    for row in rows:
        (run_id, started, finished, status, command, total, skipped, failed, ins, mer, upd, unch, rej, msg) = row
        click.echo(
            f"#{run_id} {started} {status:<8} {command}\n"
            f"    {total} sources ({skipped} unchanged, {failed} failed): {ins} inserted, {mer} merged, "
            f"{upd} updated, {unch} unchanged, {rej} rejected; finished {finished or '-'}"
        )
        if msg:
            click.echo("    " + msg.replace("\n", "\n    "))


def find_metadata() -> Path | None:
    """datasette-metadata.yml in the current directory, else the one in the corpus-db checkout."""
    checkout = Path(__file__).resolve().parent.parent
    for candidate in (Path.cwd() / "datasette-metadata.yml", checkout / "datasette-metadata.yml"):
        if candidate.is_file():
            return candidate
    return None


def datasette_command(db_path: Path, host: str, port: int, metadata: Path | None) -> list[str]:
    """The datasette serve invocation: read-only web, time and row limits set."""
    command = [
        sys.executable, "-m", "datasette", "serve", str(db_path), "--host", host, "--port", str(port),
        "--setting", "sql_time_limit_ms", "3000", "--setting", "max_returned_rows", "1000",
        "--setting", "facet_time_limit_ms", "500",
    ]
    if metadata is not None:
        command += ["--metadata", str(metadata)]
    return command


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=8001, show_default=True, help="Port to listen on.")
@click.option("-m", "--metadata", type=click.Path(exists=True, dir_okay=False), help="Datasette metadata file.")
def serve(args: tuple[str, ...], db_option: str | None, host: str, port: int, metadata: str | None) -> None:
    """Publish the corpus read-only with Datasette (127.0.0.1 unless told otherwise)."""
    db_path, _ = split_database(args, db_option, needs=0)
    migrate_if_behind(db_path)
    meta = Path(metadata) if metadata else find_metadata()
    command = datasette_command(db_path, host, port, meta)
    click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    os.execv(sys.executable, command)


@cli.command()
@click.argument("args", nargs=-1, required=True, metavar="[DB] OUT")
@DB_OPTION
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def publish(args: tuple[str, ...], db_option: str | None, force: bool) -> None:
    """Write a compact, immutable snapshot of the corpus (and its inspect file) for `datasette -i`."""
    from corpus_db.publish import publish as write_snapshot

    db_path, rest = split_database(args, db_option, needs=1)
    if len(rest) != 1:
        raise click.UsageError("name one output file, e.g. `corpus-db publish corpus.db site/corpus.db`")
    out = Path(rest[0])
    if not db_path.exists():
        raise click.ClickException(f"{db_path}: no such database (run `corpus-db import` first)")
    migrate_if_behind(db_path)  # the snapshot gets the views the web pages use
    try:
        snap = write_snapshot(db_path, out, force=force)
    except (FileExistsError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{snap.path}: {snap.size / 1_048_576:.1f} MiB, {snap.papers} papers, written in {snap.seconds:.2f}s "
        f"(inspect file {snap.inspect_path})"
    )
    meta = find_metadata()
    click.echo(
        f"Serve it with: datasette serve -i {snap.path} --inspect-file {snap.inspect_path}"
        + (f" --metadata {meta}" if meta else "")
    )
    if out.stem != "corpus":
        click.echo(f"Note: Datasette names the database {out.stem!r}; datasette-metadata.yml describes 'corpus'.",
                   err=True)


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Keyword taxonomy file to apply.")
def retag(args: tuple[str, ...], db_option: str | None, taxonomy: str | None) -> None:
    """Re-apply the keyword taxonomy to every paper (after editing the taxonomy file)."""
    from corpus_db.retag import retag_all

    db_path, _ = split_database(args, db_option, needs=0)
    conn = _open_existing(db_path)
    with writer_lock(db_path):
        added, removed = retag_all(conn, db_path, Taxonomy.load(taxonomy))
    click.echo(f"Taxonomy applied: {added} tags added, {removed} removed.")


# Registered here, defined in its own module, so that branches adding commands do not collide.
from corpus_db.sync_cli import sync_command  # noqa: E402

cli.add_command(sync_command)
