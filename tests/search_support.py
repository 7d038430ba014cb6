"""Helpers for tests of the search index: the index a database searches with."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from corpus_db.store import search_engine


def opened_index(db_path: Path) -> search_engine.OpenIndex:
    """The current search index of this database (the test fails with the reason when there is none)."""
    conn = sqlite3.connect(db_path)
    try:
        opened, reason = search_engine.current_index(conn, db_path)
    finally:
        conn.close()
    assert opened is not None, reason
    return opened
