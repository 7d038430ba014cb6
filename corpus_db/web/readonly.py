"""Belt and braces for a read-only web: Datasette already refuses statements that are not SELECTs and
opens files with mode=ro, but a `WITH ... DELETE`, a writable canned query or another plugin could still
reach a connection. query_only stops every write to a database file; the authorizer also refuses
ATTACH/DETACH and schema changes with a plain "not authorized"."""

from __future__ import annotations

import sqlite3

# Datasette's own in-memory catalog must stay writable (it records the schemas it has seen), and so must
# its scratch in-memory connection (/-/versions creates a throwaway FTS table there to probe FTS support).
WRITABLE_DATABASES = frozenset({"_internal", "_memory"})
MAX_VALUE_BYTES = 16 << 20  # above the longest stored value (ingest/prepare.py caps raw records at 4M chars)

_DENIED_ACTIONS = frozenset(
    getattr(sqlite3, name)
    for name in (
        "SQLITE_INSERT", "SQLITE_UPDATE", "SQLITE_DELETE", "SQLITE_ATTACH", "SQLITE_DETACH",
        "SQLITE_ALTER_TABLE", "SQLITE_REINDEX", "SQLITE_ANALYZE", "SQLITE_CREATE_INDEX", "SQLITE_CREATE_TABLE",
        "SQLITE_CREATE_TRIGGER", "SQLITE_CREATE_VIEW", "SQLITE_CREATE_VTABLE", "SQLITE_DROP_INDEX",
        "SQLITE_DROP_TABLE", "SQLITE_DROP_TRIGGER", "SQLITE_DROP_VIEW", "SQLITE_DROP_VTABLE",
    )
)
# Pragmas that change state when given a value; introspection pragmas (table_info(x), ...) stay allowed.
_WRITING_PRAGMAS = frozenset({
    "application_id", "auto_vacuum", "foreign_keys", "incremental_vacuum", "journal_mode", "locking_mode",
    "query_only", "recursive_triggers", "schema_version", "secure_delete", "synchronous", "user_version",
    "wal_checkpoint", "writable_schema", "optimize", "page_size", "journal_size_limit",
})


# SQLite itself reports an UPDATE of sqlite_master while a virtual table (FTS5) declares its schema;
# refusing it breaks every search. Statements cannot write it themselves (writable_schema is refused).
_SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_temp_master", "sqlite_schema", "sqlite_temp_schema"})


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
    if action == sqlite3.SQLITE_UPDATE and arg1 in _SCHEMA_TABLES:
        return sqlite3.SQLITE_OK
    if action in _DENIED_ACTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg1 is not None and arg1.lower() in _WRITING_PRAGMAS and arg2:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


PRINTF_REFUSED = "(printf and format are not available on this server)"


def _refuse_printf(*_args: object) -> str:
    # A value, not an exception: an exception would also be printed on the server's stderr.
    return PRINTF_REFUSED


def make_read_only(conn: sqlite3.Connection, database: str) -> None:
    """Refuse every write through this connection (except on Datasette's internal catalog)."""
    if database in WRITABLE_DATABASES:
        return
    conn.execute("PRAGMA query_only = 1")
    conn.set_authorizer(_authorize)
    # The time limit cannot stop one huge function call: no string or blob may grow past this (no stored
    # value is that long), and printf/format, which loop over a width of 2,000,000,000 even past the
    # limit (20 s a request), answer a note instead; no page of corpus-db uses them.
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    for name in ("printf", "format"):
        conn.create_function(name, -1, _refuse_printf)
