"""A real browser against a real `corpus-db serve`: search for a term, open a paper, read its repo link
(the canonical URL, never followed off this machine), see the chart. Screenshots go to test-artifacts/.
Every request the pages make is checked: nothing may leave 127.0.0.1 (no CDN scripts or fonts)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.run import SourceTask, run_import
from tests.paths import REALDATA, ROOT, SEEDS

sys.path.insert(0, str(ROOT / "bench"))
import generate

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"corpus-db serve exited with {process.returncode}: {process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"corpus-db serve did not answer {url} within {STARTUP_SECONDS}s")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds, the real HF daily papers (authors, arXiv ids, dates) when present and 300 generated arXiv
    papers; then, as a second run (a later sync), 6 generated HF days listing 100 of those and 200 new ones
    with keywords, authors and GitHub links."""
    work = tmp_path_factory.mktemp("browser")
    path = work / "corpus.db"
    generate.write_arxiv(work / "arxiv.jsonl", 300)
    dumps = [SEEDS, work / "arxiv.jsonl"]
    dumps += [REALDATA / "hf_daily_papers"] if (REALDATA / "hf_daily_papers").is_dir() else []
    totals, results = run_import(path, [SourceTask.for_path(p) for p in expand_paths(dumps)])
    assert totals.sources_failed == 0, [r.error for r in results]
    days = generate.write_hf_days(work / "hf", 6, per_day=50, first=200)
    totals, results = run_import(path, [SourceTask.for_path(p) for p in days])
    assert totals.sources_failed == 0, [r.error for r in results]
    return path


@pytest.fixture(scope="module")
def server(corpus: Path) -> Iterator[str]:
    """`python -m corpus_db serve` on a free local port, stopped at the end."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    process = subprocess.Popen(
        [sys.executable, "-m", "corpus_db", "serve", str(corpus), "--port", str(port)],
        cwd=corpus.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base + "/", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (run scripts/install-browser.sh)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A page that may only talk to our server: anything else is recorded and aborted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def guard(route: Any) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    yield page
    context.close()
    assert outside == [], f"pages tried to reach other hosts: {outside}"


def shot(page: Any, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def paper_with_code(corpus: Path) -> tuple[int, str, str]:
    """A paper with a code repo and a distinctive title: (id, title, canonical repo URL)."""
    conn = sqlite3.connect(corpus)
    try:
        return conn.execute("""
            SELECT p.id, p.title, r.url FROM papers p JOIN paper_repos pr ON pr.paper_id = p.id
            JOIN repos r ON r.id = pr.repo_id WHERE r.kind = 'code' AND length(p.title) > 30
            ORDER BY p.id LIMIT 1""").fetchone()
    finally:
        conn.close()


def test_search_open_paper_and_read_its_repo_link(page: Any, server: str, corpus: Path) -> None:
    paper_id, title, repo_url = paper_with_code(corpus)
    page.goto(server + "/corpus")
    page.fill("form.corpus-search-form input[name=q]", title)
    page.press("form.corpus-search-form input[name=q]", "Enter")
    page.wait_for_selector("ol.search-results")
    assert page.locator("li.search-result mark").count() > 0  # highlighted terms
    shot(page, "01-search-results")

    page.locator("li.search-result a.paper-title", has_text=title).first.click()
    page.wait_for_url(f"**/corpus/papers/{paper_id}")
    assert page.locator("h1.paper-title").inner_text() == title
    assert page.get_by_role("heading", name="Listed by").count() == 1
    assert page.locator("table.listings tr").count() >= 2
    repo = page.locator(f'a.repo-link[href="{repo_url}"]')
    assert repo.count() == 1 and repo.get_attribute("href") == repo_url  # canonical, not followed
    shot(page, "02-paper-page")

    tag = page.locator("section.tags a.tag").first
    if tag.count():
        tag_name = tag.inner_text()
        tag.click()
        page.wait_for_url("**/corpus/tags/*")
        assert tag_name in page.content()
        shot(page, "03-tag-page", full_page=False)  # long lists: the top is enough


def test_tag_its_papers_and_the_next_page(page: Any, server: str, corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    tag_id, name, count = conn.execute(
        "SELECT id, name, paper_count FROM tags WHERE kind = 'curated' ORDER BY paper_count DESC LIMIT 1").fetchone()
    conn.close()
    assert count > 50
    page.goto(server + "/corpus/-/papers")
    page.locator("aside.facets section.facet-curated a", has_text=name).first.click()
    page.wait_for_url(f"**/corpus/-/papers?tag={tag_id}")
    assert f"{count:,} papers" in page.locator("p.result-count").inner_text()
    page.goto(server + f"/corpus/tags/{tag_id}")
    first = page.locator("li.paper-item a.paper-title").all_inner_texts()
    assert len(first) == 50
    shot(page, "07-tag-first-page", full_page=False)
    page.locator("a.next-page").click()
    page.wait_for_url(f"**/corpus/tags/{tag_id}?after=*")
    second = page.locator("li.paper-item a.paper-title").all_inner_texts()
    assert second and not set(second) & set(first)
    assert page.locator("ol.papers").get_attribute("start") == "51"
    shot(page, "08-tag-next-page", full_page=False)


def test_author_and_their_papers(page: Any, server: str, corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    paper_id = conn.execute("""SELECT pa.paper_id FROM paper_authors pa WHERE pa.position = 1 AND pa.author_id IN (
        SELECT author_id FROM paper_authors GROUP BY author_id HAVING count(*) > 1) LIMIT 1""").fetchone()[0]
    conn.close()
    page.goto(server + f"/corpus/papers/{paper_id}")
    author = page.locator("p.authors a").first
    name = author.inner_text()
    author.click()
    page.wait_for_url("**/corpus/authors/*")
    assert page.locator("h1").inner_text() == name
    papers = page.locator("li.paper-item a.paper-title")
    assert papers.count() >= 2
    assert page.get_by_role("heading", name="Co-authors").count() == 1
    shot(page, "09-author-page")
    papers.first.click()
    page.wait_for_url("**/corpus/papers/*")
    assert name in page.locator("p.authors").inner_text()


def test_export_search_results_as_csv(page: Any, server: str) -> None:
    page.goto(server + "/corpus/search?q=granularity")
    page.wait_for_selector("ol.search-results")
    link = page.locator('a[href*="/-/export.csv"]')
    with page.expect_download() as download_info:
        if link.count():  # the search page's own link (issue 12's page)
            link.first.click()
        else:
            page.evaluate("url => { window.location.href = url }", server + "/corpus/-/export.csv?q=granularity")
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("id,title,authors,year") and len(lines) > 5
    assert "<mark>" not in text and '["' not in text
    shot(page, "10-search-before-export", full_page=False)


def test_new_since_the_last_sync(page: Any, server: str, corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    first_paper, first_link = conn.execute(
        "SELECT first_paper_id, first_link_id FROM import_runs ORDER BY id DESC LIMIT 1").fetchone()
    expected = conn.execute("SELECT count(*) FROM (SELECT id FROM papers WHERE id >= ? UNION "
                            "SELECT paper_id FROM paper_sources WHERE id >= ?)",
                            (first_paper, first_link)).fetchone()[0]
    conn.close()
    page.goto(server + "/corpus")
    page.locator('a[href="/corpus/-/new"]:visible').first.click()
    page.wait_for_url("**/corpus/-/new")
    assert f"{expected:,} papers" in page.locator("p.result-count").inner_text()
    assert page.locator("li.paper-item").count() == min(expected, 50)
    shot(page, "11-new-since-last-sync", full_page=False)


def test_charts_page_shows_bars_and_they_lead_to_papers(page: Any, server: str) -> None:
    page.goto(server + "/-/charts")
    chart = page.locator("#per-tag svg.chart")
    assert chart.is_visible()
    bars = chart.locator("rect")
    assert bars.count() > 0 and bars.first.bounding_box()["width"] > 0
    shot(page, "04-charts")
    chart.locator("a").first.click()
    page.wait_for_url("**/corpus/tags/*")
    assert page.locator("li.paper-item").count() > 0
    shot(page, "05-papers-of-a-tag", full_page=False)  # long lists: the top is enough


def test_table_search_box_and_overview_facets(page: Any, server: str) -> None:
    page.goto(server + "/corpus/papers")
    page.fill("input[name=_search]", "granularity")
    page.press("input[name=_search]", "Enter")
    page.wait_for_url("**_search=granularity*")
    assert page.locator("table.rows-and-columns tbody tr").count() > 0
    page.goto(server + "/corpus/-/papers")
    assert page.locator("aside.facets section.facet").count() >= 4  # tags, categories, keywords, years, code
    shot(page, "06-papers-overview-facets", full_page=False)  # long lists: the top is enough
