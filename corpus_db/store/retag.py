"""Re-applying the keyword taxonomy to every paper after the taxonomy file changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from corpus_db.rules.taxonomy import TAXONOMY_ORIGIN, Taxonomy
from corpus_db.store.tags import refresh_paper_counts, tag_id
from corpus_db.store.transaction import write_transaction

_BATCH = 2000


def retag_all(conn: sqlite3.Connection, db_path: str | Path, taxonomy: Taxonomy) -> tuple[int, int]:
    """Make the taxonomy tags of every paper exactly what the rules give; (added, removed)."""
    with write_transaction(conn, db_path):
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_tags (paper_id INTEGER, tag TEXT)")
        conn.execute("DELETE FROM temp.wanted_tags")
        cursor = conn.execute("SELECT id, title, abstract FROM papers")
        while batch := cursor.fetchmany(_BATCH):
            conn.executemany(
                "INSERT INTO temp.wanted_tags VALUES (?, ?)",
                [(pid, tag) for pid, title, abstract in batch for tag in taxonomy.tags_for(title, abstract)],
            )
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_ids (tag TEXT PRIMARY KEY, tag_id INTEGER)")
        conn.execute("DELETE FROM temp.wanted_ids")
        names = [name for (name,) in conn.execute("SELECT DISTINCT tag FROM temp.wanted_tags")]
        conn.executemany("INSERT INTO temp.wanted_ids VALUES (?, ?)", [(n, tag_id(conn, n)) for n in names])
        removed = conn.execute(
            """DELETE FROM paper_tags WHERE origin = ? AND NOT EXISTS (
                 SELECT 1 FROM temp.wanted_tags w JOIN temp.wanted_ids t ON t.tag = w.tag
                 WHERE w.paper_id = paper_tags.paper_id AND t.tag_id = paper_tags.tag_id)""",
            (TAXONOMY_ORIGIN,),
        ).rowcount
        added = conn.execute(
            """INSERT OR IGNORE INTO paper_tags (paper_id, tag_id, origin)
               SELECT w.paper_id, t.tag_id, ? FROM temp.wanted_tags w JOIN temp.wanted_ids t ON t.tag = w.tag""",
            (TAXONOMY_ORIGIN,),
        ).rowcount
        conn.execute("DROP TABLE temp.wanted_tags")
        conn.execute("DROP TABLE temp.wanted_ids")
        refresh_paper_counts(conn)
    return added, removed
