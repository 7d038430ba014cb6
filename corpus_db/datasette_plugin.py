"""corpus-db's Datasette plugin (registered through the package's entry points, so `corpus-db serve`
and a plain `datasette` both load it)."""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from corpus_db.search import register_functions


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """fts_query(text) for canned searches: what people type can never be an FTS5 syntax error."""
    register_functions(conn)
