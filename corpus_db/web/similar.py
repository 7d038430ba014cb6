"""The "Similar papers" section of a paper page and the "Recommended" section of a tag page. Both are
left out when the optional `similar` extra is not installed or the database has no vectors yet. The
server keeps the vectors in memory (int8: 256 MB at a million papers), reloaded after each change."""

from __future__ import annotations

import sqlite3
from typing import Any

from corpus_db.rules import similar_extra
from corpus_db.store.vectors import has_vectors

SIMILAR_LIMIT = 20


async def paper_section(db: Any, paper_id: int) -> dict[str, Any]:
    """{"corpus_similar": [SimilarPaper, ...]} for the paper template, or {} to leave the section out."""
    if not similar_extra.available():
        return {}
    from corpus_db.store.similar import NotEmbedded, similar_papers

    def run(conn: sqlite3.Connection) -> list | None:
        if not has_vectors(conn):
            return None
        try:
            return similar_papers(conn, paper_id, limit=SIMILAR_LIMIT, in_memory=True)
        except NotEmbedded:
            return None

    papers = await db.execute_fn(run)
    return {} if papers is None else {"corpus_similar": papers}


async def tag_section(db: Any, tag_id: int) -> dict[str, Any]:
    """{"corpus_recommended": [SimilarPaper, ...]}: papers not in the tag that resemble its papers."""
    if not similar_extra.available():
        return {}
    from corpus_db.store.similar import NotEmbedded, recommend, tag_paper_ids

    def run(conn: sqlite3.Connection) -> list | None:
        ids = tag_paper_ids(conn, str(tag_id))
        if not ids or not has_vectors(conn):
            return None
        try:
            return recommend(conn, ids, limit=SIMILAR_LIMIT, in_memory=True)
        except NotEmbedded:
            return None

    papers = await db.execute_fn(run)
    return {} if papers is None else {"corpus_recommended": papers}
