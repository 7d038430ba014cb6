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
@click.argument("args", nargs=-1, metavar="[DB] QUERY")
@DB_OPTION
@click.option("--author", metavar="NAME", help="Only papers with an author of this name (words in any order).")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="Results per page.")
@click.option("--offset", type=click.IntRange(min=0), help="Skip this many results.")
@click.option("--page", type=click.IntRange(min=1), help="Page number (pages of --limit results).")
@click.option("--json", "as_json", is_flag=True, help="Print the page as JSON, with the engine used.")
def search(args: tuple[str, ...], db_option: str | None, author: str | None, limit: int, offset: int | None,
           page: int | None, as_json: bool) -> None:
    """Ranked full-text search over titles (weighted higher), abstracts and author names.

    Words must all appear; "quoted words" must appear together; a trailing * matches the start of a
    word (quantiz*). Nothing typed is a syntax error. Put -- before a query that starts with a dash:
    corpus-db search corpus.db -- -x
    """
    db_path, rest = split_database(args, db_option, needs=1 if not author else 0)
    query = " ".join(rest)
    if not query.strip() and not author:
        raise click.UsageError("type something to search for (or --author NAME)")
    if offset is not None and page is not None:
        raise click.UsageError("give --offset or --page, not both")
    skip = offset if offset is not None else ((page or 1) - 1) * limit
    conn = open_existing(db_path)
    highlight = ("\x1b[1m", "\x1b[0m") if sys.stdout.isatty() and not as_json else ("[", "]")
    try:
        results = run_search(conn, query, limit=limit, offset=skip, author=author, highlight=highlight)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(results.as_dict(), ensure_ascii=False, indent=2))
        return
    if results.fallback_reason and results.engine == "fts5":
        click.echo(f"(using FTS5: {results.fallback_reason})", err=True)
    if not results.hits:
        click.echo(f"No papers match {query!r}." if not skip else f"No more papers match {query!r}.")
        return
    for rank, hit in enumerate(results.hits, skip + 1):
        ident = f"arXiv:{hit.arxiv_id}" if hit.arxiv_id else (f"doi:{hit.doi}" if hit.doi else f"#{hit.id}")
        click.echo(f"{rank:>2}. {hit.title}  ({ident}{', ' + str(hit.year) if hit.year else ''})")
        if hit.authors:
            click.echo(f"    {', '.join(hit.authors[:6])}{' et al.' if len(hit.authors) > 6 else ''}")
        click.echo(f"    {hit.snippet}")
        if hit.repos:
            click.echo(f"    code: {', '.join(hit.repos[:3])}")
    if results.more:
        click.echo(f"More: --offset {skip + limit}")


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

