"""Tag rows: one id per tag (near-duplicate spellings share it), its kind, its paper count, and the tags
an import gives every paper its source lists."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from corpus_db.rules.normalize import tag_name
from corpus_db.rules.tags import CURATED, fold_key, tag_kind
from corpus_db.store.sources import source_id

IMPORT_TAG_ORIGIN = "import"  # --tag on import, or tags: in sources.yml
SOURCE_TAG_ORIGIN = "source"  # the source's own categories and keywords


def tag_id(conn: sqlite3.Connection, name: str, *, curated: bool = True) -> int:
    """The id of the tag this (already normalized) name folds into, created when new. A keyword that a
    curated origin (--tag, the taxonomy) also gives becomes a curated tag."""
    key = fold_key(name)
    kind = tag_kind(name, curated=curated)
    conn.execute(
        """INSERT INTO tags (name, fold_key, kind) VALUES (?, ?, ?)
           ON CONFLICT (fold_key) DO UPDATE SET kind = excluded.kind
           WHERE tags.kind = 'keyword' AND excluded.kind = ?""",
        (name, key, kind, CURATED),
    )
    return conn.execute("SELECT id FROM tags WHERE fold_key = ?", (key,)).fetchone()[0]


def refresh_paper_counts(conn: sqlite3.Connection, tag_ids: Iterable[int] | None = None) -> None:
    """Recount the papers of these tags (every tag when None): an index-only count per tag."""
    count = "coalesce((SELECT count(DISTINCT pt.paper_id) FROM paper_tags pt WHERE pt.tag_id = tags.id), 0)"
    if tag_ids is None:
        conn.execute(f"UPDATE tags SET paper_count = {count}")
        return
    ids = sorted(set(tag_ids))
    if ids:
        conn.execute(
            f"UPDATE tags SET paper_count = {count} WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
        )


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
    ids = [tag_id(conn, tag) for tag in filter(None, map(tag_name, tags))]
    added = sum(tag_listed_papers(conn, source, tag) for tag in ids)
    refresh_paper_counts(conn, ids)
    return added
