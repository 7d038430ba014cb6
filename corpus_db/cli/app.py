"""The click group every command hangs on, and what the commands share: the database option, opening
an existing database, the exit code for a busy database."""

from __future__ import annotations

import importlib
import sqlite3
import sys
from pathlib import Path

import click

from corpus_db.rules.normalize import printable
from corpus_db.store import db as database
from corpus_db.store.guard import NotOurDatabaseError

DB_OPTION = click.option("--db", "db_option", metavar="PATH", help="The database (default: $CORPUS_DB or ./corpus.db).")


# The module that defines each command. A command's module is imported when that command runs (or when
# help lists them all): importing every command module cost ~0.5-1 s of start-up (httpx, tantivy, the
# importers, numpy), paid by every `corpus-db similar` or `search`. tests/cli/test_cli.py holds this
# table equal to what the modules register.
COMMAND_MODULES = {
    "import": "importing", "sync": "sync", "search": "querying", "stats": "querying", "runs": "querying",
    "export": "exporting", "index": "indexing", "migrate": "maintenance", "retag": "maintenance",
    "rejects": "rejects", "similar": "similar", "recommend": "similar", "embed": "similar", "serve": "web",
    "publish": "web",
}


class LazyGroup(click.Group):
    """A group whose commands register themselves when their module is first imported."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | COMMAND_MODULES.keys())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"corpus_db.cli.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="corpus-db")
def cli() -> None:
    """Keep a corpus of research papers in one normalized, searchable SQLite database."""


EXIT_BUSY = 75  # EX_TEMPFAIL: another writer held the database; trying again later will work
EXIT_NOT_OURS = 65  # EX_DATAERR: the file named as the database is not a corpus-db database we can use


# Commands that prepare large dumps in worker processes: the first worker starts as the command starts
# (ingest/worker_process.py says why) and is stopped at the end if no dump took it.
EARLY_WORKER_COMMANDS = ("import", "sync")


def _wants_early_worker(args: list[str]) -> bool:
    return bool(args) and args[0] in EARLY_WORKER_COMMANDS and not {"--help", "-h"} & set(args)


def main() -> None:
    early = _wants_early_worker(sys.argv[1:])
    if early:
        from corpus_db.ingest import worker_process

        worker_process.start_early()
    try:
        cli()
    except database.DatabaseBusyError as exc:  # a clear message, not a traceback, for cron's mail
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_BUSY)
    except NotOurDatabaseError as exc:  # a foreign or newer file: one sentence, the file untouched
        click.echo(f"Error: {printable(str(exc))}", err=True)
        sys.exit(EXIT_NOT_OURS)
    except sqlite3.OperationalError as exc:  # a full disk, say, where no source could be blamed
        click.echo(f"Error: the database failed: {exc}", err=True)
        sys.exit(1)
    finally:
        if early:
            worker_process.stop_early()



def open_existing(db_path: Path) -> sqlite3.Connection:
    """A connection to a database that must exist already; a clear error otherwise."""
    if not db_path.exists():
        raise click.ClickException(f"{db_path}: no such database (run `corpus-db import` first)")
    return database.connect(db_path)
