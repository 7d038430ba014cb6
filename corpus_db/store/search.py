"""Ranked full-text search over papers: user text becomes a safe FTS5 query, results come back in
bm25 order (title weighted above abstract) with highlighted snippets."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict, dataclass

from corpus_db.store.fts import FTS_TABLE

_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


def to_match_query(text: str | None) -> str:
    """An FTS5 query that means what a person typed and cannot be a syntax error: "quoted phrases"
    stay phrases, a trailing * is a prefix search, every other term must appear; punctuation that is
    FTS5 syntax (- : ( ) ^ +) only separates words. Empty input gives the empty string."""
    parts: list[str] = []
    for match in _TERM.finditer(text or ""):
        phrase, bare = match.group(1), match.group(2)
        if phrase is not None:
            words = _WORD.findall(phrase)
            if words:
                parts.append('"' + " ".join(words) + '"')
            continue
        prefix = bare.endswith("*")
        words = _WORD.findall(bare)  # quoted, AND/OR/NOT/NEAR are plain words
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        parts.append(term + "*" if prefix else term)
    return " ".join(parts)


@dataclass
class SearchHit:
    """One ranked result."""

    id: int
    title: str
    snippet: str
    score: float
    arxiv_id: str | None
    doi: str | None
    year: int | None
    tags: list[str]
    repos: list[str]
    sources: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


SEARCH_SQL = f"""
WITH hits AS (
  SELECT rowid AS id, rank AS score,
         snippet({FTS_TABLE}, -1, :open, :close, '…', 16) AS snippet
  FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match ORDER BY rank LIMIT :limit
)
SELECT p.id, p.title, hits.snippet, hits.score, p.arxiv_id, p.doi, p.year,
  (SELECT json_group_array(name) FROM (SELECT DISTINCT t.name FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id
     WHERE pt.paper_id = p.id ORDER BY t.name)) AS tags,
  (SELECT json_group_array(url) FROM (SELECT DISTINCT r.url FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id
     WHERE pr.paper_id = p.id ORDER BY r.url)) AS repos,
  (SELECT COUNT(*) FROM paper_sources ps WHERE ps.paper_id = p.id) AS sources
FROM hits JOIN papers p ON p.id = hits.id
ORDER BY hits.score
"""


def search(
    conn: sqlite3.Connection, text: str, *, limit: int = 20, highlight: tuple[str, str] = ("[", "]")
) -> list[SearchHit]:
    """The best `limit` papers for what the user typed; an empty query finds nothing."""
    match = to_match_query(text)
    if not match:
        return []
    rows = conn.execute(
        SEARCH_SQL, {"match": match, "limit": limit, "open": highlight[0], "close": highlight[1]}
    ).fetchall()
    return [
        SearchHit(
            id=row[0], title=row[1], snippet=row[2], score=row[3], arxiv_id=row[4], doi=row[5], year=row[6],
            tags=json.loads(row[7]), repos=json.loads(row[8]), sources=row[9],
        )
        for row in rows
    ]


def register_functions(conn: sqlite3.Connection) -> None:
    """Make fts_query(text) available in SQL, for canned queries that take what users type."""
    conn.create_function("fts_query", 1, to_match_query, deterministic=True)
