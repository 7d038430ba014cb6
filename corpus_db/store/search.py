"""Ranked search over papers, the one entry point for the CLI, the web page and export: what people
type becomes clauses (typed_query.py), the tantivy index beside the database ranks them (block-max
WAND: a few ms at 1M papers), and FTS5 answers instead when that index is missing or behind, saying
why. Rows, tags, repos and snippets come from SQLite for the page of hits alone."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import reduce
from pathlib import Path

import orjson

from corpus_db.rules.normalize import name_key
from corpus_db.store import paper_cards, search_engine
from corpus_db.store.db import connect_read_only, db_path_of
from corpus_db.store.fts import FTS_TABLE
from corpus_db.store.snippets import best_snippet, match_pattern
from corpus_db.store.tag_names import tag_names, tags_of
from corpus_db.store.typed_query import Clause, parse, to_fts5

ENGINE_TANTIVY = "tantivy"
ENGINE_FTS5 = "fts5"
MMAP_BYTES = 1 << 30  # fetching 20 rows by id: p95 1.8 ms with mmap at 1M papers, 10 ms without


def to_match_query(text: str | None) -> str:
    """An FTS5 query that means what a person typed and cannot be a syntax error: "quoted phrases"
    stay phrases, a trailing * is a prefix search, every other term must appear; punctuation that is
    FTS5 syntax (- : ( ) ^ +) only separates words. Empty input gives the empty string."""
    return to_fts5(parse(text))


@dataclass
class SearchHit:
    """One ranked result. score: higher is better (engines differ in scale)."""

    id: int
    title: str
    snippet: str
    score: float
    arxiv_id: str | None
    doi: str | None
    year: int | None
    authors: list[str]
    tags: list[str]  # curated tags and arXiv categories: the chips
    keywords: list[str]  # a source's own free keywords (tags.kind = 'keyword'), apart as on the list pages
    repos: list[str]
    sources: int  # sources that list the paper now

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class SearchPage:
    """A page of results. total is None when counting would cost more than the search (WAND stops
    early); `more` says whether a next page exists."""

    hits: list[SearchHit]
    total: int | None
    offset: int
    limit: int
    engine: str  # "tantivy" or "fts5"
    fallback_reason: str | None = None
    more: bool = False
    query: str = field(default="")

    def __iter__(self) -> Iterator[SearchHit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, item: int | slice) -> SearchHit | list[SearchHit]:
        return self.hits[item]

    def as_dict(self) -> dict[str, object]:
        return {
            "query": self.query, "engine": self.engine, "fallback_reason": self.fallback_reason,
            "offset": self.offset, "limit": self.limit, "total": self.total, "more": self.more,
            "hits": [h.as_dict() for h in self.hits],
        }


# A paper's authors, tags, repos and listing count come from its card (paper_cards.py), or are computed where
# it has none; a database older than the cards (served read-only) computes them all.
ROWS_SQL = f"""
SELECT p.id, p.title, p.abstract, p.arxiv_id, p.doi, p.year,
  {paper_cards.CARD_OR_COMPUTED}
FROM papers p LEFT JOIN paper_cards c ON c.paper_id = p.id WHERE p.id IN (SELECT value FROM json_each(?))
"""
_ROWS_WITHOUT_CARDS_SQL = f"""
SELECT p.id, p.title, p.abstract, p.arxiv_id, p.doi, p.year,
  {paper_cards.COMPUTED}
FROM papers p WHERE p.id IN (SELECT value FROM json_each(?))
"""

_FTS_SQL = f"""SELECT rowid, rank FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match {{author}}
ORDER BY rank LIMIT :limit OFFSET :offset"""
# Letters of people's names that name_key keeps (NFKD has no decomposition for them) and the index's ASCII
# folding maps: "soren" finds "Søren" through the index, and must through FTS5 too.
_NAME_FOLD = {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t",
              "ŋ": "n"}
_NAME_FOLD_TABLE = str.maketrans(_NAME_FOLD)
_FOLDED_NAME_KEY = reduce(lambda sql, pair: f"replace({sql}, '{pair[0]}', '{pair[1]}')", _NAME_FOLD.items(),
                          "a.name_key")
# The author filter: papers where every word of it is a word of some author's name (name_key: its words,
# folded, one space apart), as the index's filter asks for each word among the paper's author names; not a
# substring ("li" is not "Lin"). The words come as one JSON array: a filter of any length is one statement
# (a condition a word reached SQLite's expression depth limit at ~1,000 words). The authors holding a word
# are found first, folding each name once (MATERIALIZED: flattened, the fold ran on every paper_authors row,
# 0.7 s against 0.2 s for "model" by "li" at 100k papers). `+rowid`: a bare `rowid IN` was handed to FTS5 as
# one rowid look-up per listed paper, each a query of its own: 14 s at 100k papers (6.6k listed).
_FTS_AUTHOR = f"""AND +rowid IN (WITH m AS MATERIALIZED (SELECT a.id AS author_id, w.value AS word FROM authors a
  JOIN json_each(:names) w ON ' ' || {_FOLDED_NAME_KEY} || ' ' LIKE '% ' || w.value || ' %')
  SELECT pa.paper_id FROM m JOIN paper_authors pa ON pa.author_id = m.author_id
  GROUP BY pa.paper_id HAVING count(DISTINCT m.word) = :name_count)"""


def _fts5_ids(
    conn: sqlite3.Connection, clauses: list[Clause], *, limit: int, offset: int, author: str | None
) -> list[tuple[int, float]]:
    params: dict[str, object] = {"match": to_fts5(clauses), "limit": limit, "offset": offset}
    # Folded as authors.name_key is, then as the statement folds it.
    names = sorted(set(name_key(author).translate(_NAME_FOLD_TABLE).split())) if author else []
    # A name_key word holds no "%"; "_" (a word character) matches itself or one other character.
    author_sql = _FTS_AUTHOR if names else ""
    params.update({"names": json.dumps(names), "name_count": len(names)})
    rows = conn.execute(_FTS_SQL.format(author=author_sql), params).fetchall()
    return [(pid, -rank) for pid, rank in rows]  # bm25 is lower-is-better; scores here are higher-is-better


def _rows(conn: sqlite3.Connection, ids: str) -> list[tuple]:
    try:
        return conn.execute(ROWS_SQL, (ids,)).fetchall()
    except sqlite3.OperationalError as exc:
        if paper_cards.CARDS_TABLE not in str(exc):
            raise
        return conn.execute(_ROWS_WITHOUT_CARDS_SQL, (ids,)).fetchall()


def _hits(
    conn: sqlite3.Connection, ranked: list[tuple[int, float]], clauses: list[Clause], highlight: tuple[str, str]
) -> list[SearchHit]:
    rows = {row[0]: row for row in _rows(conn, json.dumps([pid for pid, _ in ranked]))}
    tag_ids = {row[0]: orjson.loads(row[7]) for row in rows.values()}
    names = tag_names(conn, {i for ids in tag_ids.values() for i in ids})
    pattern = match_pattern(clauses, search_engine.stems)
    hits = []
    for pid, score in ranked:
        row = rows.get(pid)
        if row is None:
            continue  # deleted since the index was read
        _, title, abstract, arxiv_id, doi, year, authors, _, repos, sources = row
        # Curated tags and categories apart from the sources' keywords. orjson: a quarter of json's time.
        tags, keywords = tags_of(names, tag_ids[pid])
        hits.append(SearchHit(
            id=pid, title=title, snippet=best_snippet(title, abstract, pattern, highlight), score=round(score, 4),
            arxiv_id=arxiv_id, doi=doi, year=year, authors=orjson.loads(authors), tags=tags, keywords=keywords,
            repos=orjson.loads(repos), sources=sources,
        ))
    return hits


def search_connection(
    conn: sqlite3.Connection, text: str, *, db_path: str | Path | None = None, limit: int = 20, offset: int = 0,
    author: str | None = None, highlight: tuple[str, str] = ("[", "]"), engine: str | None = None,
) -> SearchPage:
    """search() on an open connection (Datasette's, or one kept across calls). engine forces one
    ("fts5" for comparisons); by default tantivy when its index is current."""
    limit, offset = max(0, limit), max(0, offset)
    clauses = parse(text)
    page = SearchPage([], None, offset, limit, ENGINE_TANTIVY, query=text)
    if not clauses and not (author and author.strip()):
        return page
    index, page.fallback_reason = (None, "asked for FTS5") if engine == ENGINE_FTS5 else (
        search_engine.current_index(conn, db_path or db_path_of(conn)))
    # One more than asked for tells whether a next page exists.
    if index is not None:
        ranked = search_engine.ranked_ids(index, clauses, limit=limit + 1, offset=offset, author=author)
    else:
        page.engine = ENGINE_FTS5
        ranked = _fts5_ids(conn, clauses, limit=limit + 1, offset=offset, author=author) if clauses else []
    page.more = len(ranked) > limit
    page.hits = _hits(conn, ranked[:limit], clauses, highlight)
    return page


def search(
    db_path: str | Path | sqlite3.Connection, text: str, *, limit: int = 20, offset: int = 0,
    author: str | None = None, highlight: tuple[str, str] = ("[", "]"),
) -> SearchPage:
    """The best `limit` papers for what the user typed, after skipping `offset`; an empty query finds
    nothing. Never raises for anything typed. Accepts an open connection in place of the path."""
    if isinstance(db_path, sqlite3.Connection):
        return search_connection(db_path, text, limit=limit, offset=offset, author=author, highlight=highlight)
    conn = connect_read_only(db_path)
    try:
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        return search_connection(conn, text, db_path=db_path, limit=limit, offset=offset, author=author,
                                 highlight=highlight)
    finally:
        conn.close()


def register_functions(conn: sqlite3.Connection) -> None:
    """Make fts_query(text) available in SQL, for canned queries that take what users type."""
    conn.create_function("fts_query", 1, to_match_query, deterministic=True)
