"""`corpus-db index`: bring the ranked-search index beside the database up to date, or rebuild it."""

from __future__ import annotations

import click

from corpus_db.cli.app import DB_OPTION, cli, open_existing
from corpus_db.cli.args import WAIT_HELP, apply_wait, split_database
from corpus_db.store.lock import writer_lock
from corpus_db.store.migrate import ensure_migrated
from corpus_db.store.search_index import describe, update


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--rebuild", is_flag=True, help="Build a new index from the database beside the old one, then swap.")
@click.option("--wait", type=click.FloatRange(min=0), metavar="SECONDS", help=WAIT_HELP)
def index(args: tuple[str, ...], db_option: str | None, rebuild: bool, wait: float | None) -> None:
    """Apply the papers changed since the search index was last updated (imports and syncs do this
    themselves), or --rebuild it. Searches use FTS5 while the index is missing or behind."""
    apply_wait(wait)
    db_path, _ = split_database(args, db_option, needs=0)
    open_existing(db_path).close()
    with writer_lock(db_path):
        ensure_migrated(db_path)
        result = update(db_path, rebuild=rebuild)
    click.echo(f"{db_path}: {describe(result)}")
