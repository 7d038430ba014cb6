"""Datasette over real Hugging Face daily papers and arXiv records: a paper page names its authors and
links arXiv and code; an author page lists their papers; the month chart has bars."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.run import SourceTask, run_import
from tests.paths import realdata
from tests.web_support import make_datasette

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dumps = [realdata("hf_daily_papers"), realdata("arxiv/kaggle-snapshot-first200.jsonl")]
    path = tmp_path_factory.mktemp("real") / "corpus.db"
    totals, results = run_import(path, [SourceTask.for_path(p) for p in expand_paths(dumps)])
    assert totals.sources_failed == 0, [r.error for r in results]
    return path


async def test_paper_page_names_authors_and_links_arxiv_and_code(corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    paper_id, arxiv_id, repo = conn.execute("""
        SELECT p.id, p.arxiv_id, r.url FROM papers p JOIN paper_repos pr ON pr.paper_id = p.id
        JOIN repos r ON r.id = pr.repo_id
        WHERE p.arxiv_id IS NOT NULL AND r.kind = 'code' AND p.id IN (SELECT paper_id FROM paper_authors)
        ORDER BY p.id LIMIT 1""").fetchone()
    author_id, author = conn.execute("""SELECT a.id, a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
                                        WHERE pa.paper_id = ? ORDER BY pa.position LIMIT 1""", (paper_id,)).fetchone()
    conn.close()
    ds = make_datasette(corpus)
    html = (await ds.client.get(f"/corpus/papers/{paper_id}")).text
    assert f'href="https://arxiv.org/abs/{arxiv_id}"' in html
    assert f'<a class="repo-link" href="{repo}"' in html
    assert f'href="/corpus/authors/{author_id}"' in html
    author_page = (await ds.client.get(f"/corpus/authors/{author_id}")).text
    assert f'href="/corpus/papers/{paper_id}"' in author_page and author in author_page
    listing = (await ds.client.get("/corpus/paper_overview?arxiv_id__notblank=1")).text
    assert 'href="https://arxiv.org/abs/' in listing


async def test_month_and_year_charts_have_bars(corpus: Path) -> None:
    ds = make_datasette(corpus)
    html = (await ds.client.get("/-/charts")).text
    assert html.count('<svg class="chart vbar"') == 2
    assert "/corpus/-/papers?month=2025-09" in html  # a month bar opens that month's papers
