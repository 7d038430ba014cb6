"""The write transaction. Only store/ opens one (an import-linter contract in pyproject.toml says so):
every write of corpus-db goes through a function of this package."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from corpus_db.store.db import BUSY_TIMEOUT_ENV, DatabaseBusyError, busy_timeout


@contextmanager
def write_transaction(conn: sqlite3.Connection, path: str | Path) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE (take the write lock now, not halfway through) ... COMMIT, or ROLLBACK on error."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseBusyError(
                f"{path}: another corpus-db process is writing to this database; waited "
                f"{busy_timeout():g}s for it (use --wait SECONDS or set ${BUSY_TIMEOUT_ENV} to wait longer)"
            ) from None
        raise
    try:
        yield conn
    except BaseException:
        # SQLite may have rolled back already (a full disk, an I/O error): then the error that did it is
        # the one to report, not "no transaction is active".
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
