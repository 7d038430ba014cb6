"""`corpus-db rejects`: the records sources could not give us, with where they stood and why."""

from __future__ import annotations

import json

import click

from corpus_db.cli.app import DB_OPTION, cli, open_existing
from corpus_db.cli.args import split_database
from corpus_db.rules.normalize import printable
from corpus_db.store.rejects import list_rejects


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--source", "locator", metavar="LOCATOR", help="Only this source (its path or URL as `runs` shows it).")
@click.option("-n", "--limit", default=50, show_default=True, help="How many rejects.")
@click.option("--json", "as_json", is_flag=True, help="Print the rejects as JSON.")
def rejects(args: tuple[str, ...], db_option: str | None, locator: str | None, limit: int, as_json: bool) -> None:
    """Records that could not be imported: source, file:line or entry, reason and the start of the record.
    A later import of the fixed file clears them."""
    db_path, _ = split_database(args, db_option, needs=0)
    rows = list_rejects(open_existing(db_path), locator=locator, limit=limit)
    if as_json:
        click.echo(json.dumps([row.__dict__ for row in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No rejected records.")
        return
    for row in rows:
        click.echo(f"{printable(row.where)}: {printable(row.reason)}")
        click.echo(f"    {printable(row.excerpt)}")
