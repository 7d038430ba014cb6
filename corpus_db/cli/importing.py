"""`corpus-db import`: dump files and directories into the corpus."""

from __future__ import annotations

import sys

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
from corpus_db.cli.report import ImportOutput
from corpus_db.importers import FORMAT_NAMES  # names only: a format's module loads when it is used
from corpus_db.ingest.files import list_dumps
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.rules.taxonomy import Taxonomy
from corpus_db.store.lock import is_database_file
from corpus_db.store.rejects import RejectLimit


@cli.command(name="import")
@click.argument("args", nargs=-1, required=True, metavar="[DB] PATH...")
@DB_OPTION
@click.option(
    "--format", "format_name", type=click.Choice(sorted(FORMAT_NAMES)), help="Skip detection: read as this format."
)
@click.option("--tag", "tags", multiple=True, metavar="NAME", help="Tag every paper these dumps list (repeatable).")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Keyword taxonomy file to apply.")
@click.option(
    "--force", is_flag=True, help="Re-read every record, even of unchanged sources (e.g. after upgrading corpus-db)."
)
@click.option("--rehash", is_flag=True, help=REHASH_HELP)
@click.option("--wait", type=click.FloatRange(min=0), metavar="SECONDS", help=WAIT_HELP)
@click.option("--max-rejects", default="1%", show_default=True, callback=max_rejects_option, metavar="SHARE|COUNT",
              help=MAX_REJECTS_HELP)
@click.option(
    "--recursive/--no-recursive", default=True, show_default=True,
    help="Read a directory's subfolders too (a symlink leading out of it is never followed).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only failures and the summary.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report at the end, nothing else.")
def import_command(
    args: tuple[str, ...], db_option: str | None, format_name: str | None, tags: tuple[str, ...],
    taxonomy: str | None, force: bool, rehash: bool, wait: float | None, max_rejects: RejectLimit, recursive: bool,
    quiet: bool, as_json: bool,
) -> None:
    """Import dump files (or every dump in a directory and its subfolders) into the corpus."""
    apply_wait(wait)
    db_path, rest = split_database(args, db_option, needs=1)
    if not rest:
        raise click.UsageError("name at least one dump file or directory to import")
    listing = list_dumps(rest, recursive=recursive)
    if (summary := listing.summary()) and not as_json:
        click.echo(summary, err=True)
    # Importing the folder that holds the database skips the database's own files.
    paths = [p for p in listing.files if not is_database_file(p, db_path)]
    tasks = [SourceTask.for_path(p, format=format_name, tags=tags) for p in paths]
    rules = Taxonomy.load(taxonomy)

    output = ImportOutput(paths, quiet=quiet, as_json=as_json)
    try:
        totals, _ = run_import(
            db_path, tasks, command=f"import {' '.join(rest)}", taxonomy=rules, force=force,
            progress=output.progress, on_result=output.source_done, max_rejects=max_rejects, rehash=rehash,
            hash_early=True,
        )
    finally:
        output.close()
    output.finish(db_path, totals)
    if totals.search_index and totals.search_index != "search index: up to date" and not (quiet or as_json):
        click.echo(totals.search_index)
    if totals.sources_failed:
        sys.exit(1)

