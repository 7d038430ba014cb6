"""`corpus-db export QUERY --format csv|json|bibtex|ris`: the papers a search finds, one clean row each."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_db.cli.app import DB_OPTION, cli
from corpus_db.cli.args import split_database
from corpus_db.rules.citations import FORMATS, render
from corpus_db.store.export import EXPORT_MAX, export_search


@cli.command()
@click.argument("args", nargs=-1, required=True, metavar="[DB] QUERY")
@DB_OPTION
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="Output format.")
@click.option("-n", "--limit", default=1000, show_default=True,
              help=f"How many papers, best first (at most {EXPORT_MAX:,}).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
def export(args: tuple[str, ...], db_option: str | None, fmt: str, limit: int, output: str | None) -> None:
    """Export the papers a search finds: title, authors, year, arXiv id, DOI, abstract, PDF, code and paper
    URLs, tags; as CSV, JSON, BibTeX or RIS."""
    db_path, rest = split_database(args, db_option, needs=1)
    query = " ".join(rest).strip()
    if not query:
        raise click.UsageError('say what to search for, e.g. corpus-db export corpus.db "state space" --format bibtex')
    if not db_path.is_file():
        raise click.ClickException(f"{db_path}: no such database (run `corpus-db import` first)")
    if not 1 <= limit <= EXPORT_MAX:
        raise click.BadParameter(f"between 1 and {EXPORT_MAX:,}", param_hint="--limit")
    rows = export_search(db_path, query, limit=limit)
    text = render([r.as_dict() for r in rows], fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"{output}: {len(rows)} paper{'s' if len(rows) != 1 else ''} as {fmt}", err=True)
    else:
        click.echo(text, nl=False)
        if not rows:
            click.echo(f"No papers match {query!r}.", err=True)
