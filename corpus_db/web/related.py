"""What a row page shows beside the row: for a paper, where it was listed, its tags, repos and authors;
for a tag, repo, source or author, its papers. Read by the row templates in corpus_db/web/templates/."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PAPER_LIST_LIMIT = 200

SOURCE_LABEL = "coalesce(s.name, replace(s.locator, rtrim(s.locator, replace(s.locator, '/', '')), ''))"

PAPER_SQL = "SELECT id, title, abstract, arxiv_id, doi, published, year, venue FROM papers WHERE id = :id"
SOURCES_SQL = f"""
SELECT s.id, {SOURCE_LABEL} AS label, s.locator, s.format, s.listing_date, ps.position, ps.line, ps.listed,
       ps.unlisted_at, s.imported_at
FROM paper_sources ps JOIN sources s ON s.id = ps.source_id
WHERE ps.paper_id = :id ORDER BY s.imported_at, s.id"""
TAGS_SQL = """
SELECT t.id, t.name, group_concat(DISTINCT pt.origin) AS origins
FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.paper_id = :id GROUP BY t.id ORDER BY t.name"""
REPOS_SQL = """
SELECT r.id, r.url, r.kind, r.host, group_concat(DISTINCT pr.origin) AS origins
FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id WHERE pr.paper_id = :id
GROUP BY r.id ORDER BY r.kind = 'code' DESC, r.url"""
AUTHORS_SQL = """
SELECT a.id, coalesce(a.name, pa.raw_name) AS name FROM paper_authors pa LEFT JOIN authors a ON a.id = pa.author_id
WHERE pa.paper_id = :id ORDER BY pa.position"""

# For each table whose rows own papers: how to find them, and where the full list lives.
_PAPERS_OF = {
    "tags": ("paper_tags", "tag_id"),
    "repos": ("paper_repos", "repo_id"),
    "sources": ("paper_sources", "source_id"),
    "authors": ("paper_authors", "author_id"),
}
RELATED_TABLES = frozenset({"papers", *_PAPERS_OF})


@dataclass
class PaperPage:
    """Everything the paper row page shows beyond the raw columns."""

    paper: dict[str, Any]
    sources: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    repos: list[dict[str, Any]] = field(default_factory=list)
    authors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PaperList:
    """The papers of a tag, repo, source or author: the first PAPER_LIST_LIMIT, and how many in all."""

    papers: list[dict[str, Any]]
    total: int
    link_table: str
    link_column: str


async def _rows(db: Any, sql: str, params: dict[str, object]) -> list[dict[str, Any]]:
    results = await db.execute(sql, params)
    return [dict(row) for row in results.rows]


async def paper_page(db: Any, paper_id: int) -> PaperPage | None:
    """The paper with its listings, tags, repos and authors; None when there is no such paper."""
    params = {"id": paper_id}
    found = await _rows(db, PAPER_SQL, params)
    if not found:
        return None
    return PaperPage(
        paper=found[0],
        sources=await _rows(db, SOURCES_SQL, params),
        tags=await _rows(db, TAGS_SQL, params),
        repos=await _rows(db, REPOS_SQL, params),
        authors=await _rows(db, AUTHORS_SQL, params),
    )


async def papers_of(db: Any, table: str, row_id: int) -> PaperList:
    """The papers linked to one row of tags, repos, sources or authors, newest first."""
    link_table, link_column = _PAPERS_OF[table]
    sql = f"""
    SELECT p.id, p.title, p.year, p.published, p.arxiv_id FROM papers p
    WHERE p.id IN (SELECT paper_id FROM {link_table} WHERE {link_column} = :id)
    ORDER BY p.published IS NULL, p.published DESC, p.id DESC LIMIT {PAPER_LIST_LIMIT}"""
    papers = await _rows(db, sql, {"id": row_id})
    count = await db.execute(
        f"SELECT count(DISTINCT paper_id) FROM {link_table} WHERE {link_column} = :id", {"id": row_id}
    )
    return PaperList(papers=papers, total=count.first()[0], link_table=link_table, link_column=link_column)


def parse_row_id(pks: str | None) -> int | None:
    """The integer primary key from a row URL segment, or None for anything else."""
    try:
        return int(pks) if pks is not None else None
    except ValueError:
        return None
