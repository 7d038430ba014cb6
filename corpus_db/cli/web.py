"""Publishing the corpus: serve it with Datasette, or write a snapshot for a static host."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import click

from corpus_db.cli.app import DB_OPTION, cli
from corpus_db.cli.args import split_database
from corpus_db.store.migrate import migrate_if_behind
from corpus_db.store.publish import publish as write_snapshot


def find_metadata() -> Path | None:
    """datasette-metadata.yml in the current directory, else the one in the corpus-db checkout."""
    checkout = Path(__file__).resolve().parents[2]
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
        # Suggested facets run a GROUP BY per column on every table page: seconds at a million papers.
        "--setting", "suggest_facets", "off",
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
    """Publish the corpus read-only with Datasette (127.0.0.1 unless told otherwise). Any file name
    works: the metadata, canned queries and links follow the database served."""
    db_path, _ = split_database(args, db_option, needs=0)
    if not db_path.is_file():
        raise click.ClickException(
            f"{db_path}: no such database file (serve never creates one; make it with "
            f"`corpus-db import {db_path} DUMP...` or `corpus-db sync {db_path}`)"
        )
    port_free_or_explain(host, port)
    migrate_if_behind(db_path)
    meta = Path(metadata) if metadata else find_metadata()
    if meta is not None:
        from corpus_db.web.served_metadata import write_for  # loads Datasette: only when serving

        meta = write_for(meta, db_path)
    command = datasette_command(db_path, host, port, meta)
    click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    os.execv(sys.executable, command)


def port_free_or_explain(host: str, port: int) -> None:
    """Refuse a port something already listens on, with the way out, before Datasette prints that it
    serves there and then fails to bind."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            other = port + 1 if port < 65535 else 8001
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}): another server (perhaps another "
                f"corpus-db serve) uses it. Choose another port: corpus-db serve --port {other} "
                f"(or PORT={other} make serve)"
            ) from None


@cli.command()
@click.argument("args", nargs=-1, required=True, metavar="[DB] OUT")
@DB_OPTION
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def publish(args: tuple[str, ...], db_option: str | None, force: bool) -> None:
    """Write a compact, immutable snapshot of the corpus (and its inspect file) for `datasette -i`."""
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

