"""The read-only commands: search, stats and the run history."""

from __future__ import annotations

import json
import sys

import click

from corpus_db.cli.app import DB_OPTION, cli, open_existing
from corpus_db.cli.args import split_database
from corpus_db.rules.normalize import printable
from corpus_db.store.runs import list_runs
from corpus_db.store.search import search as run_search
from corpus_db.store.stats import collect_stats


@cli.command()
@click.argument("args", nargs=-1, required=True, metavar="[DB] QUERY")
@DB_OPTION
@click.option("-n", "--limit", default=20, show_default=True, help="How many results.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
def search(args: tuple[str, ...], db_option: str | None, limit: int, as_json: bool) -> None:
    """Ranked full-text search over titles (weighted higher) and abstracts.

    A query that starts with a dash goes after --: corpus-db search corpus.db -- -attention"""
    db_path, rest = split_database(args, db_option, needs=1)
    query = " ".join(rest)
    conn = open_existing(db_path)
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
    figures = collect_stats(open_existing(db_path))
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        click.echo(f"{key.replace('_', ' '):<{width}}  {value}")


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("-n", "--limit", default=20, show_default=True, help="How many runs, newest first.")
def runs(args: tuple[str, ...], db_option: str | None, limit: int) -> None:
    """The history of import and sync commands, newest first."""
    db_path, _ = split_database(args, db_option, needs=0)
    rows = list_runs(open_existing(db_path), limit)
    for row in rows:
        (run_id, started, finished, status, command, total, skipped, failed, ins, mer, upd, unch, rej, msg) = row
        click.echo(
            f"#{run_id} {started} {status:<8} {command}\n"
            f"    {total} sources ({skipped} unchanged, {failed} failed): {ins} inserted, {mer} merged, "
            f"{upd} updated, {unch} unchanged, {rej} rejected; finished {finished or '-'}"
        )
        if msg:
            click.echo("    " + printable(msg).replace("\n", "\n    "))

