"""Figures about a corpus, for `corpus-db stats`."""

from __future__ import annotations

import sqlite3

STAT_QUERIES = {
    "papers": "SELECT COUNT(*) FROM papers",
    "papers_with_arxiv_id": "SELECT COUNT(*) FROM papers WHERE arxiv_id IS NOT NULL",
    "papers_with_doi": "SELECT COUNT(*) FROM papers WHERE doi IS NOT NULL",
    "papers_with_code": "SELECT COUNT(DISTINCT paper_id) FROM paper_repos",
    "papers_in_several_sources": (
        "SELECT COUNT(*) FROM (SELECT paper_id FROM paper_sources"
        " GROUP BY paper_id HAVING COUNT(DISTINCT source_id) > 1)"
    ),
    "abstracts_cut_short": "SELECT COUNT(*) FROM papers WHERE abstract_truncated",
    "sources": "SELECT COUNT(*) FROM sources",
    "listings": "SELECT COUNT(*) FROM paper_sources",
    "listings_no_longer_listed": "SELECT COUNT(*) FROM paper_sources WHERE NOT listed",
    "tags": "SELECT COUNT(*) FROM tags",
    "tag_links": "SELECT COUNT(*) FROM paper_tags",
    "repos": "SELECT COUNT(*) FROM repos",
    "repo_links": "SELECT COUNT(*) FROM paper_repos",
    "authors": "SELECT COUNT(*) FROM authors",
    "import_runs": "SELECT COUNT(*) FROM import_runs",
}


def collect_stats(conn: sqlite3.Connection) -> dict[str, int]:
    """Every figure in STAT_QUERIES."""
    return {name: conn.execute(sql).fetchone()[0] for name, sql in STAT_QUERIES.items()}
