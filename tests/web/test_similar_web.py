"""The "Similar papers" section of a paper page and the recommendations of a tag page, in a real
Chromium against a real `corpus-db serve`; and both pages without the extra (the sections left out)."""

from __future__ import annotations

import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.similar_support import blocked_env, cli, kaggle_records, requires_extra, write_jsonl
from tests.web.test_browser import browser, free_port, shot, wait_until_serving

__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with test_browser.py


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("similar-web")
    records = kaggle_records()
    db = folder / "corpus.db"
    for name, part, extra in (("liked", records[:30], ("--tag", "liked")), ("rest", records[30:], ())):
        done = subprocess.run(cli("import", str(db), str(write_jsonl(folder / f"{name}.jsonl", part)), *extra),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    return db


def serve(db: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(cli("serve", str(db), "--port", str(port)), cwd=db.parent, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base + "/", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def ids(db: Path) -> tuple[int, int]:
    import sqlite3

    conn = sqlite3.connect(db)
    paper = conn.execute("SELECT id FROM papers WHERE arxiv_id = '0704.0001'").fetchone()[0]
    tag = conn.execute("SELECT id FROM tags WHERE name = 'liked'").fetchone()[0]
    conn.close()
    return paper, tag


@requires_extra
@pytest.mark.browser
def test_paper_page_lists_similar_papers_and_tag_page_recommends(browser: Any, corpus: Path) -> None:
    embedded = subprocess.run(cli("embed", str(corpus)), capture_output=True, text=True, timeout=300)
    assert embedded.returncode == 0, embedded.stderr
    paper, tag = ids(corpus)
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
    for base in serve(corpus):
        page.goto(f"{base}/corpus/papers/{paper}")
        section = page.locator("section.similar-papers")
        assert section.get_by_role("heading", name="Similar papers").count() == 1
        items = section.locator("ol.similar-list li")
        assert items.count() == 20
        scores = [float(s) for s in section.locator(".score").all_inner_texts()]
        assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1
        shot(page, "similar-01-paper-page")
        first_title = items.first.locator("a.paper-title").inner_text()
        items.first.locator("a.paper-title").click()
        page.wait_for_url("**/corpus/papers/*")
        assert page.locator("h1.paper-title").inner_text() == first_title

        page.goto(f"{base}/corpus/tags/{tag}")
        recommended = page.locator("section.recommended-papers ol.similar-list li")
        assert recommended.count() == 20
        liked = set(page.locator("section.paper-list a.paper-title").all_inner_texts())
        assert liked and not liked & set(recommended.locator("a.paper-title").all_inner_texts())
        shot(page, "similar-02-tag-page", full_page=False)
    context.close()
    assert outside == [], f"pages tried to reach other hosts: {outside}"


def test_pages_leave_the_sections_out_without_the_extra(corpus: Path, tmp_path: Path) -> None:
    paper, tag = ids(corpus)
    for base in serve(corpus, env=blocked_env(tmp_path)):
        for path in (f"/corpus/papers/{paper}", f"/corpus/tags/{tag}"):
            with urllib.request.urlopen(base + path, timeout=30) as response:
                assert response.status == 200
                html = response.read().decode()
            assert "similar-papers" not in html and "recommended-papers" not in html
            assert "paper" in html
