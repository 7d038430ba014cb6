"""Belt and braces for a read-only web: Datasette already refuses statements that are not SELECTs and
opens files with mode=ro, but a `WITH ... DELETE`, a writable canned query or another plugin could still
reach a connection. query_only stops every write to a database file; the authorizer also refuses
ATTACH/DETACH and schema changes with a plain "not authorized"."""

from __future__ import annotations

import sqlite3

# Datasette's own in-memory catalog must stay writable (it records the schemas it has seen), and so must
# its scratch in-memory connection (/-/versions creates a throwaway FTS table there to probe FTS support).
WRITABLE_DATABASES = frozenset({"_internal", "_memory"})

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


def make_read_only(conn: sqlite3.Connection, database: str) -> None:
    """Refuse every write through this connection (except on Datasette's internal catalog)."""
    if database in WRITABLE_DATABASES:
        return
    conn.execute("PRAGMA query_only = 1")
    conn.set_authorizer(_authorize)
