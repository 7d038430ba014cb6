"""How cells render: identifiers become links, only http(s) URLs are ever linked, and snippets keep
their <mark> while everything else in them stays escaped."""

from __future__ import annotations

from corpus_db.web.cells import render


def url(table: str) -> str:
    return f"/corpus/{table}"


def test_arxiv_ids_and_dois_become_links() -> None:
    assert render({}, "2412.06674", "arxiv_id", "papers", url) == (
        '<a href="https://arxiv.org/abs/2412.06674">arXiv:2412.06674</a>')
    assert 'href="https://doi.org/10.1/abc"' in render({}, "10.1/abc", "doi", "papers", url)
    assert render({}, "not an id", "arxiv_id", "papers", url) is None


def test_only_web_urls_are_linked() -> None:
    html = render({}, '["https://github.com/a/b", "javascript:alert(1)"]', "repos", None, url)
    assert '<a class="repo-link" href="https://github.com/a/b"' in html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html


def test_snippet_keeps_mark_and_escapes_the_rest() -> None:
    html = render({}, "a <mark>granular</mark> <script>x</script>", "snippet", None, url)
    assert html == "a <mark>granular</mark> &lt;script&gt;x&lt;/script&gt;"


def test_titles_open_the_paper_page_and_tags_their_tag_page() -> None:
    assert render({"paper_id": 7}, "T & U", "title", None, url) == (
        '<a class="paper-title" href="/corpus/papers/7">T &amp; U</a>')
    assert render({"id": 3}, "T", "title", "papers", url) == '<a class="paper-title" href="/corpus/papers/3">T</a>'
    assert 'href="/corpus/-/tag?name=state-space+models"' in render(
        {}, '["state-space models"]', "tags", "paper_overview", url)
    assert render({"id": 3}, "T", "title", "import_runs", url) is None


def test_blank_table_searches_are_dropped_and_others_kept() -> None:
    from corpus_db.web.empty_search import without_blank_search

    assert without_blank_search(b"_search=&_sort=id") == b"_sort=id"
    assert without_blank_search(b"_search_title=+&_searchmode=raw") == b"_searchmode=raw"
    assert without_blank_search(b"_search=moe&_sort=id") == b"_search=moe&_sort=id"
