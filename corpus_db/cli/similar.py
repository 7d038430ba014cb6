"""`corpus-db similar`, `recommend` and `embed`: papers like a paper, papers like a tag's papers, and
the vectors both read. They need the optional `similar` extra; without it they say how to install it."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import click

from corpus_db.cli.app import DB_OPTION, cli, open_existing
from corpus_db.cli.args import WAIT_HELP, apply_wait, split_database
from corpus_db.rules import similar_extra
from corpus_db.store import migrate as migrations
from corpus_db.store.lock import writer_lock
from corpus_db.store.vectors import has_vectors

EMBED_FIRST = "no similar-papers vectors in {db} yet: run `corpus-db embed {db}` first"


def _extra_installed() -> bool:
    """Say how to get the extra when it is missing. Not an error: the exit status stays 0."""
    if similar_extra.available():
        return True
    click.echo(f"{similar_extra.INSTALL_HINT} (missing: {', '.join(similar_extra.missing_modules())}).", err=True)
    return False


def _print(papers: list, as_json: bool, empty: str) -> None:
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in papers], ensure_ascii=False, indent=2))
        return
    if not papers:
        click.echo(empty)
        return
    for rank, p in enumerate(papers, 1):
        ident = f"arXiv:{p.arxiv_id}" if p.arxiv_id else (f"doi:{p.doi}" if p.doi else f"#{p.id}")
        click.echo(f"{rank:>2}. {p.score:.3f}  {p.title}  ({ident}{', ' + str(p.year) if p.year else ''})")


@cli.command()
@click.argument("args", nargs=-1, required=True, metavar="[DB] PAPER")
@DB_OPTION
@click.option("-n", "--limit", default=20, show_default=True, help="How many papers.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
def similar(args: tuple[str, ...], db_option: str | None, limit: int, as_json: bool) -> None:
    """The papers most similar to PAPER (a paper id, arXiv id or DOI), with cosine scores."""
    db_path, rest = split_database(args, db_option, needs=1)
    if not _extra_installed():
        return
    from corpus_db.store.similar import NotEmbedded, resolve_paper, similar_papers

    conn = open_existing(db_path)
    ref = " ".join(rest)
    paper_id = resolve_paper(conn, ref)
    if paper_id is None:
        raise click.ClickException(f"{db_path}: no paper with id, arXiv id or DOI {ref!r}")
    if not has_vectors(conn):
        raise click.ClickException(EMBED_FIRST.format(db=db_path))
    try:
        papers = similar_papers(conn, paper_id, limit=limit)
    except NotEmbedded:
        raise click.ClickException(f"paper #{paper_id} has no vector yet: run `corpus-db embed {db_path}`") from None
    _print(papers, as_json, "No similar papers.")


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--tag", required=True, metavar="NAME", help="The tag whose papers you like.")
@click.option("-n", "--limit", default=20, show_default=True, help="How many papers.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
def recommend(args: tuple[str, ...], db_option: str | None, tag: str, limit: int, as_json: bool) -> None:
    """Papers not yet in tag NAME, ranked by how much they resemble the tag's papers."""
    db_path, _ = split_database(args, db_option, needs=0)
    if not _extra_installed():
        return
    from corpus_db.store.similar import NotEmbedded, tag_paper_ids
    from corpus_db.store.similar import recommend as rank

    conn = open_existing(db_path)
    ids = tag_paper_ids(conn, tag)
    if ids is None:
        raise click.ClickException(f"{db_path}: no tag named {tag!r}")
    if not has_vectors(conn):
        raise click.ClickException(EMBED_FIRST.format(db=db_path))
    try:
        papers = rank(conn, ids, limit=limit)
    except NotEmbedded:
        message = f"no paper of tag {tag!r} has a vector yet: run `corpus-db embed {db_path}`"
        raise click.ClickException(message) from None
    _print(papers, as_json, f"Nothing to recommend for {tag!r}.")


@cli.command()
@click.argument("args", nargs=-1, metavar="[DB]")
@DB_OPTION
@click.option("--rebuild", is_flag=True, help="Embed every paper again, not only new and changed ones.")
@click.option("--wait", type=click.FloatRange(min=0), metavar="SECONDS", help=WAIT_HELP)
def embed(args: tuple[str, ...], db_option: str | None, rebuild: bool, wait: float | None) -> None:
    """Compute similar-papers vectors for new and changed papers; from then on imports keep them current."""
    apply_wait(wait)
    db_path, _ = split_database(args, db_option, needs=0)
    if not _extra_installed():
        return
    from corpus_db.ingest.embed import embed_pending

    open_existing(db_path).close()
    with writer_lock(db_path):
        migrations.ensure_migrated(db_path)
        conn = open_existing(db_path)
        with _progress(conn) as progress:
            counts = embed_pending(conn, db_path, rebuild=rebuild, progress=progress)
    click.echo(
        f"{counts.embedded} papers embedded, {counts.unchanged} unchanged; "
        f"{counts.vectors} vectors in {counts.cells} cell{'s' if counts.cells != 1 else ''}."
    )


class _progress:
    """A paper-count progress bar on a terminal; nothing when output is piped."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.total = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        self.bar = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not sys.stderr.isatty():
            return None
        self.bar = click.progressbar(length=self.total, label="Embedding", file=sys.stderr)
        return self.bar.__enter__().update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


__all__ = ["Path", "embed", "recommend", "similar"]
