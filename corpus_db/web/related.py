"""What the paper page shows beside the row: where it was listed, its tags, repos and authors, and an
arXiv id (so a PDF link) found in its DOI or links when no source gave one. (Tags, repos, sources and
authors have pages of their own: pages.py.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corpus_db.rules.normalize import arxiv_id_from_doi, find_arxiv_id

SOURCE_LABEL = "coalesce(s.name, replace(s.locator, rtrim(s.locator, replace(s.locator, '/', '')), ''))"

PAPER_SQL = "SELECT id, title, abstract, arxiv_id, doi, published, year, venue FROM papers WHERE id = :id"
SOURCES_SQL = f"""
SELECT s.id, {SOURCE_LABEL} AS label, s.locator, s.format, s.listing_date, ps.position, ps.line, ps.listed,
       ps.unlisted_at, s.imported_at
FROM paper_sources ps JOIN sources s ON s.id = ps.source_id
WHERE ps.paper_id = :id ORDER BY s.imported_at, s.id"""
KIND_ORDER = {"curated": 0, "arxiv-category": 1, "keyword": 2}
TAGS_SQL = """
SELECT t.id, t.name, t.kind, group_concat(DISTINCT pt.origin) AS origins
FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.paper_id = :id GROUP BY t.id ORDER BY t.name"""
REPOS_SQL = """
SELECT r.id, r.url, r.kind, r.host, group_concat(DISTINCT pr.origin) AS origins
FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id WHERE pr.paper_id = :id
GROUP BY r.id ORDER BY r.kind = 'code' DESC, r.url"""
AUTHORS_SQL = """
SELECT a.id, coalesce(a.name, pa.raw_name) AS name FROM paper_authors pa LEFT JOIN authors a ON a.id = pa.author_id
WHERE pa.paper_id = :id ORDER BY pa.position"""

RELATED_TABLES = frozenset({"papers"})


@dataclass
class PaperPage:
    """Everything the paper row page shows beyond the raw columns."""

    paper: dict[str, Any]
    sources: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    repos: list[dict[str, Any]] = field(default_factory=list)
    authors: list[dict[str, Any]] = field(default_factory=list)
    # Filled in where the paper row lacks them: (value, where it came from).
    arxiv_id: tuple[str, str] | None = None
    pdf_url: str | None = None


async def _rows(db: Any, sql: str, params: dict[str, object]) -> list[dict[str, Any]]:
    results = await db.execute(sql, params)
    return [dict(row) for row in results.rows]


async def paper_page(db: Any, paper_id: int) -> PaperPage | None:
    """The paper with its listings, tags, repos and authors; None when there is no such paper."""
    params = {"id": paper_id}
    found = await _rows(db, PAPER_SQL, params)
    if not found:
        return None
    page = PaperPage(
        paper=found[0],
        sources=await _rows(db, SOURCES_SQL, params),
        tags=await _rows(db, TAGS_SQL, params),
        repos=await _rows(db, REPOS_SQL, params),
        authors=await _rows(db, AUTHORS_SQL, params),
    )
    paper = page.paper
    if paper["arxiv_id"]:
        page.arxiv_id = (paper["arxiv_id"], "")
    else:  # an identifier another source gave only as a link or a DOI
        links = await _rows(db, "SELECT link FROM paper_repos WHERE paper_id = :id", params)
        for text, origin in ((paper["doi"] and f"arxiv:{arxiv_id_from_doi(paper['doi']) or ''}", "its DOI"),
                             (paper["abstract"], "a link in the abstract"),
                             (" ".join(r["link"] for r in links), "a link a source gave")):
            found_id = find_arxiv_id(text or None)
            if found_id:
                page.arxiv_id = (found_id, origin)
                break
    if page.arxiv_id:
        page.pdf_url = f"https://arxiv.org/pdf/{page.arxiv_id[0]}"
    page.tags.sort(key=lambda t: (KIND_ORDER.get(t["kind"], 9), t["name"]))
    return page


def parse_row_id(pks: str | None) -> int | None:
    """The integer primary key from a row URL segment, or None for anything else."""
    try:
        return int(pks) if pks is not None else None
    except ValueError:
        return None
