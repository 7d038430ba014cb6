"""Tag rows: one id per tag name, and the tags an import gives every paper its source lists."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from corpus_db.rules.normalize import tag_name
from corpus_db.store.sources import source_id

IMPORT_TAG_ORIGIN = "import"  # --tag on import, or tags: in sources.yml
SOURCE_TAG_ORIGIN = "source"  # the source's own categories and keywords


def tag_id(conn: sqlite3.Connection, name: str) -> int:
    """The id of the tag with this (already normalized) name, created when new."""
    conn.execute("INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,))
    return conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()[0]


def tag_listed_papers(conn: sqlite3.Connection, source: int, tag: int) -> int:
    """Give the tag to every paper the source lists now; the number of new tag rows."""
    return conn.execute(
        """INSERT OR IGNORE INTO paper_tags (paper_id, tag_id, origin, source_id)
           SELECT paper_id, ?, ?, ? FROM paper_sources WHERE source_id = ? AND listed = 1""",
        (tag, IMPORT_TAG_ORIGIN, source, source),
    ).rowcount


def apply_import_tags(conn: sqlite3.Connection, locator: str, tags: Sequence[str]) -> int:
    """Tag every paper an already-imported, unchanged source lists; the number of new tag rows."""
    source = source_id(conn, locator)
    if source is None or not tags:
        return 0
    return sum(tag_listed_papers(conn, source, tag_id(conn, tag)) for tag in filter(None, map(tag_name, tags)))
