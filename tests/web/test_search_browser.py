"""The search page through a real Chromium against a real `corpus-db serve` (fixtures shared with
test_browser.py): ranked results with highlighted snippets, paging, export links, and the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.test_browser import browser, corpus, page, server, shot  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser


def test_search_page_ranks_highlights_and_pages(page: Any, server: str, corpus: Path) -> None:  # noqa: F811
    page.goto(server + "/corpus/search")
    page.fill("form.corpus-search-form input[name=q]", "model*")
    page.press("form.corpus-search-form input[name=q]", "Enter")
    page.wait_for_selector("ol.search-results")
    results = page.locator("li.search-result")
    assert results.count() == 20
    assert page.locator("li.search-result .snippet mark").count() > 0
    assert page.locator("p.search-engine").count() == 0  # the tantivy index answered, no fallback note
    assert page.locator('a[href*="/corpus/-/export.csv?q=model"]').count() == 1
    assert page.locator('a[href*="/corpus/-/export.json?q=model"]').count() == 1
    first_page = results.locator("a.paper-title").all_inner_texts()
    shot(page, "07-search-page")

    page.locator("nav.pagination a[rel=next]").click()
    page.wait_for_url("**page=2*")
    assert page.locator("ol.search-results").get_attribute("start") == "21"
    second_page = page.locator("li.search-result a.paper-title").all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)
    page.locator("nav.pagination a[rel=prev]").click()
    page.wait_for_selector("ol.search-results")
    assert page.locator("li.search-result a.paper-title").all_inner_texts() == first_page

    page.fill("form.corpus-search-form input[name=q]", 'NEAR( "unbalanced -')
    page.press("form.corpus-search-form input[name=q]", "Enter")
    page.wait_for_load_state()
    assert page.locator(".zero-results, ol.search-results").count() == 1  # never an error page
