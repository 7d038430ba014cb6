"""Looking after the database itself: its schema and its taxonomy tags."""

from __future__ import annotations

import sys

import click

from corpus_db.cli.app import DB_OPTION, cli, open_existing
from corpus_db.cli.args import split_database
from corpus_db.rules.taxonomy import Taxonomy
from corpus_db.store import migrate as migrations
from corpus_db.store.lock import writer_lock
from corpus_db.store.retag import retag_all


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.option("--downgrade", "down", is_flag=True, help="Move down to --revision (e.g. base) instead of up.")
@click.option("--yes", is_flag=True, help="Downgrade without asking, though it drops data (needed off a terminal).")
def migrate(args: tuple[str, ...], db_option: str | None, revision: str, down: bool, yes: bool) -> None:
    """Create the database or bring its schema up to date (Alembic)."""
    db_path, _ = split_database(args, db_option, needs=0)
    before = migrations.current_revision(db_path)
    if down:
        undone = migrations.downgrade_steps(db_path, revision)
        if undone:
            click.echo(f"{db_path}: downgrading to {revision} undoes these revisions and DROPS the tables and "
                       "columns they added, with their data:", err=True)
            for step in undone:
                click.echo(f"  {step}", err=True)
            if not yes:
                if not sys.stdin.isatty():
                    raise click.ClickException("not on a terminal: add --yes to downgrade and drop that data")
                click.confirm("Drop that data?", abort=True, err=True)
        migrations.downgrade(db_path, revision)
    else:
        migrations.migrate(db_path, revision)
    click.echo(f"{db_path}: schema {before or 'empty'} -> {migrations.current_revision(db_path) or 'empty'}")



@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Keyword taxonomy file to apply.")
def retag(args: tuple[str, ...], db_option: str | None, taxonomy: str | None) -> None:
    """Re-apply the keyword taxonomy to every paper (after editing the taxonomy file)."""
    db_path, _ = split_database(args, db_option, needs=0)
    conn = open_existing(db_path)
    with writer_lock(db_path):
        added, removed = retag_all(conn, db_path, Taxonomy.load(taxonomy))
    click.echo(f"Taxonomy applied: {added} tags added, {removed} removed.")


