"""Clean rows for export, one per paper: title, authors, year, identifiers, abstract, PDF, paper and code
URLs, tags as lists; no HTML, no JSON inside strings. The web export routes and `corpus-db export` both
read them here."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus_db.store.db import connect_read_only
from corpus_db.store.search import search

EXPORT_MAX = 10_000


@dataclass
class ExportRow:
    """One paper as exported."""

    id: int
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    published: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    venue: str | None = None
    abstract: str | None = None
    pdf_url: str | None = None
    paper_url: str | None = None
    code_urls: list[str] = field(default_factory=list)
    project_urls: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # curated tags and arXiv categories
    keywords: list[str] = field(default_factory=list)  # the sources' own keywords

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


ROWS_SQL = """
SELECT p.id, p.title, p.year, p.published, p.arxiv_id, p.doi, p.venue, p.abstract,
  (SELECT json_group_array(coalesce(a.name, pa.raw_name)) FROM (SELECT * FROM paper_authors WHERE paper_id = p.id
     ORDER BY position) pa LEFT JOIN authors a ON a.id = pa.author_id) AS authors,
  (SELECT json_group_array(json_array(r.url, r.kind)) FROM (SELECT DISTINCT r.url, r.kind FROM paper_repos pr
     JOIN repos r ON r.id = pr.repo_id WHERE pr.paper_id = p.id ORDER BY r.url) r) AS repos,
  (SELECT json_group_array(json_array(t.name, t.kind)) FROM (SELECT DISTINCT t.name, t.kind FROM paper_tags pt
     JOIN tags t ON t.id = pt.tag_id WHERE pt.paper_id = p.id ORDER BY t.name) t) AS tags
FROM papers p WHERE p.id IN (SELECT value FROM json_each(:ids))
"""


def export_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> list[ExportRow]:
    """The papers with these ids, in the order given."""
    found: dict[int, ExportRow] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        for pid, title, year, published, arxiv_id, doi, venue, abstract, authors, repos, tags in conn.execute(
            ROWS_SQL, {"ids": json.dumps(chunk)}
        ):
            repo_pairs = json.loads(repos)
            tag_pairs = json.loads(tags)
            found[pid] = ExportRow(
                id=pid, title=title, authors=json.loads(authors), year=year, published=published,
                arxiv_id=arxiv_id, doi=doi, venue=venue, abstract=abstract,
                pdf_url=f"https://arxiv.org/pdf/{arxiv_id}" if arxiv_id else None,
                paper_url=(f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id
                           else f"https://doi.org/{doi}" if doi else None),
                code_urls=[u for u, kind in repo_pairs if kind == "code"],
                project_urls=[u for u, kind in repo_pairs if kind != "code"],
                tags=[n for n, kind in tag_pairs if kind != "keyword"],
                keywords=[n for n, kind in tag_pairs if kind == "keyword"],
            )
    return [found[i] for i in ids if i in found]


def search_ids(db_path: str | Path, text: str, *, limit: int) -> list[int]:
    """Paper ids for what a person typed, best first. The one call to the search engine from export
    (issue 12 owns the engine; its API takes the database path and returns a page of hits)."""
    conn = connect_read_only(db_path)
    try:
        return [hit.id for hit in search(conn, text, limit=limit)]
    finally:
        conn.close()


def export_search(db_path: str | Path, text: str, *, limit: int = EXPORT_MAX) -> list[ExportRow]:
    ids = search_ids(db_path, text, limit=min(limit, EXPORT_MAX))
    conn = connect_read_only(db_path)
    try:
        return export_rows(conn, ids)
    finally:
        conn.close()
