"""Secondary indexes that no look-up of an import uses. A bulk load into an empty corpus drops them
and builds each once at the end, inside the same transaction: one sort instead of a random B-tree
insert per row in random order (record hashes, author ids, dates)."""

from __future__ import annotations

import sqlite3

# Those whose keys arrive in order are here too (the two timestamps, a paper's tags by tag): appending to them
# costs the load more than a sort would, now that the end of a first import builds these beside the merge of
# its FTS5 index (store/fts_side.py), which takes longer (1M papers: 10.3 s of index builds beside a 17.4 s
# merge before these three were added). At 300k papers (/work/bench-lead/r11/idxcost.py): the tag index
# costs the load 1.0-1.2 s and 1.3-1.4 s at the end, a timestamp index 0.17-0.20 s and 0.13-0.17 s.
DEFERRABLE = (
    "ix_papers_year_published_id",
    "ix_papers_published_id",
    "ix_papers_first_seen",
    "ix_papers_last_updated",
    "ix_paper_sources_source_id_record_hash_listed_record_key",
    "ix_paper_authors_author_id_paper_id",
    "ix_paper_tags_tag_id_paper_id",
)


def drop_deferrable(conn: sqlite3.Connection) -> list[str]:
    """Drop the deferrable indexes that exist; their CREATE statements, exactly as the schema wrote them."""
    marks = ", ".join("?" for _ in DEFERRABLE)
    rows = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks}) ORDER BY name", DEFERRABLE
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def restore(conn: sqlite3.Connection, statements: list[str]) -> None:
    """Build the indexes drop_deferrable() dropped."""
    for sql in statements:
        conn.execute(sql)
