"""The optional database argument that may come first on the command line: `corpus-db search [DB] QUERY`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from corpus_db.store.db import BUSY_TIMEOUT_ENV, DEFAULT_BUSY_TIMEOUT, default_db_path
from corpus_db.store.rejects import RejectLimit

DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
SQLITE_HEADER = b"SQLite format 3\x00"


def looks_like_database(arg: str) -> bool:
    """A path with a database suffix, or an existing SQLite file whatever its name."""
    path = Path(arg)
    if path.suffix.lower() in DB_SUFFIXES:
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def split_database(args: Sequence[str], explicit: str | None, *, needs: int) -> tuple[Path, list[str]]:
    """(database, remaining arguments): the first argument is the database when it looks like one and
    enough arguments remain; --db wins over both; otherwise $CORPUS_DB or ./corpus.db."""
    rest = list(args)
    if explicit:
        return Path(explicit), rest
    if len(rest) > needs and looks_like_database(rest[0]):
        return Path(rest[0]), rest[1:]
    return default_db_path(), rest


def apply_wait(seconds: float | None) -> None:
    """--wait SECONDS: how long this process waits for another writer, for every connection, migration
    and lock it takes; the same setting as $CORPUS_DB_BUSY_TIMEOUT, which it overrides."""
    if seconds is not None:
        os.environ[BUSY_TIMEOUT_ENV] = str(seconds)


REHASH_HELP = (
    "Read and hash every dump file, even one whose inode, size, mtime and ctime are those recorded when it was last "
    "hashed (such a file is otherwise trusted unchanged without being read, as git trusts its index)."
)
WAIT_HELP = (
    "Wait up to SECONDS for another import or sync to finish, then give up with a message "
    f"(default: ${BUSY_TIMEOUT_ENV}, else {DEFAULT_BUSY_TIMEOUT:.0f})."
)


MAX_REJECTS_HELP = (
    "Fail a source whose rejected records pass this: a share of its records (e.g. 1%, at least 10) or a "
    "count (e.g. 0). Rejects are listed by `corpus-db rejects`."
)


def max_rejects_option(_ctx: object, _param: object, value: str) -> RejectLimit:
    """--max-rejects 1% | 100, as a RejectLimit (a click callback)."""
    import click

    try:
        return RejectLimit.parse(value)
    except ValueError as exc:
        raise click.BadParameter(f"{exc}; give a share such as 1% or a count such as 100") from None
