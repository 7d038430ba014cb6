"""Opening the database: the default path, connection pragmas, timestamps."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from corpus_db.store.guard import check_database

DEFAULT_DB_ENV = "CORPUS_DB"
DEFAULT_DB_NAME = "corpus.db"
BUSY_TIMEOUT_ENV = "CORPUS_DB_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 60.0  # seconds a writer waits for another writer before giving up
# A paper's row (~1.7 KB) and its source record (~2.2 KB) do not pack on 4 KB pages: one row per page
# and the rest left empty. 16 KB pages hold 4-7 such rows: 8.1 -> 6.5 KB a paper on disk, fewer pages
# to write and checkpoint. It applies only when the file is created (no-op on an existing database).
PAGE_SIZE = 16384


class DatabaseBusyError(RuntimeError):
    """Another process held the write lock for longer than we were willing to wait."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC text, to the second: how every timestamp column is written."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def default_db_path() -> Path:
    """$CORPUS_DB, else corpus.db in the current directory."""
    return Path(os.environ.get(DEFAULT_DB_ENV, DEFAULT_DB_NAME))


def busy_timeout() -> float:
    """How long a writer waits for the lock, from $CORPUS_DB_BUSY_TIMEOUT (seconds)."""
    return float(os.environ.get(BUSY_TIMEOUT_ENV, DEFAULT_BUSY_TIMEOUT))


def connect(path: str | Path, *, timeout: float | None = None) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL so readers never block on a
    writer, foreign keys enforced."""
    check_database(path)  # before anything can switch a foreign file to WAL or add tables to it
    wait = busy_timeout() if timeout is None else timeout
    conn = sqlite3.connect(str(path), timeout=wait, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before WAL: it cannot change once WAL is on
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def connect_read_only(path: str | Path) -> sqlite3.Connection:
    """A connection that cannot write, whatever characters the path holds (as a percent-encoded URI)."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=busy_timeout())


def db_path_of(conn: sqlite3.Connection) -> str:
    """The file behind a connection's main database."""
    return str(conn.execute("PRAGMA database_list").fetchone()[2])
