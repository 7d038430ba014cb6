"""`corpus-db import`: dump files and directories into the corpus."""

from __future__ import annotations

import sys

import click

from corpus_db.cli.app import DB_OPTION, cli
from corpus_db.cli.args import WAIT_HELP, apply_wait, split_database
from corpus_db.cli.report import describe, progress_bar, summary_line
from corpus_db.importers import FORMATS
from corpus_db.ingest.files import list_dumps
from corpus_db.ingest.run import SourceResult, SourceTask, run_import
from corpus_db.rules.taxonomy import Taxonomy


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
@click.option(
    "--recursive/--no-recursive", default=True, show_default=True,
    help="Read a directory's subfolders too (a symlink leading out of it is never followed).",
)
def import_command(
    args: tuple[str, ...], db_option: str | None, format_name: str | None, tags: tuple[str, ...],
    taxonomy: str | None, force: bool, wait: float | None, recursive: bool,
) -> None:
    """Import dump files (or every dump in a directory and its subfolders) into the corpus."""
    apply_wait(wait)
    db_path, rest = split_database(args, db_option, needs=1)
    if not rest:
        raise click.UsageError("name at least one dump file or directory to import")
    listing = list_dumps(rest, recursive=recursive)
    if summary := listing.summary():
        click.echo(summary, err=True)
    paths = listing.files
    tasks = [SourceTask.for_path(p, format=format_name, tags=tags) for p in paths]
    rules = Taxonomy.load(taxonomy)

    def report(result: SourceResult) -> None:
        click.echo(f"{result.locator}: {describe(result)}", err=result.status == "failed")

    with progress_bar(paths) as progress:
        totals, _ = run_import(
            db_path, tasks, command=f"import {' '.join(rest)}", taxonomy=rules, force=force,
            progress=progress, on_result=report,  # type: ignore[arg-type]
        )
    click.echo(summary_line(totals))
    if totals.sources_failed:
        sys.exit(1)

