"""Anonymous GETs of search.json and of the search page are answered before Datasette's routing: the same
bodies, status and headers as the route gives, and everything else still goes through Datasette."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm

from corpus_db.web import search_fast, search_frame
from corpus_db.web.search_page_html import PageContent

PATHS = [
    "/corpus/search.json?q=mixture+of+experts",
    "/corpus/search.json?q=mixture+of+experts&_shape=array&page=2&_size=5",
    '/corpus/search.json?q=%22language+models%22+lear*&author=wang',
    "/corpus/search.json?q=",
    "/corpus/search.json?q=learning&_engine=fts5",
    "/corpus/search.json?q=%22unbalanced",
]
PAGE_PATHS = [
    "/corpus/search?q=mixture+of+experts",
    "/corpus/search?q=learning&page=2&_size=5",
    "/corpus/search?q=%22language+models%22+lear*&author=wang",
    "/corpus/search?q=%3Cscript%3E+%26+%22x",
    "/corpus/search?q=",
    "/corpus/search",
    "/corpus/search?q=learning&_engine=fts5",
    "/corpus/search?q=zzzzqqqq",
]


@pytest.fixture
def datasette(seeded_db: Path, tmp_path: Path) -> Datasette:
    corpus = tmp_path / "corpus.db"
    seeded_db.rename(corpus)
    return Datasette([str(corpus)])


@pytest.fixture
def answered_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the fast path answered itself."""
    seen: list[str] = []
    json_answer, page_parts = search_fast.json_answer, search_fast.page_parts

    async def json_spy(datasette: Datasette, database: str, args: object) -> bytes:
        body = await json_answer(datasette, database, args)
        seen.append(database)
        return body

    async def page_spy(datasette: Datasette, database: str, args: object) -> object:
        parts = await page_parts(datasette, database, args)
        seen.append(database)
        return parts

    monkeypatch.setattr(search_fast, "json_answer", json_spy)
    monkeypatch.setattr(search_fast, "page_parts", page_spy)
    return seen


async def _fast_and_routed(datasette: Datasette, answered_here: list[str], path: str, content_type: str
                           ) -> tuple[Any, Any]:
    """The path's answer from the fast path and from Datasette's route (a cookie sends it there): the same
    status, content type and Vary."""
    await datasette.invoke_startup()
    fast = await datasette.client.get(path)
    assert answered_here == ["corpus"]
    routed = await datasette.client.get(path, headers={"cookie": "seen=1"})
    assert answered_here == ["corpus"]
    assert fast.status_code == routed.status_code == 200
    assert fast.headers["content-type"] == routed.headers["content-type"] == content_type
    assert fast.headers["vary"] == routed.headers["vary"] == "Cookie, Authorization"
    return fast, routed


@pytest.mark.parametrize("path", PATHS)
async def test_the_fast_path_answers_what_the_route_does(datasette: Datasette, answered_here: list[str],
                                                         path: str) -> None:
    fast, routed = await _fast_and_routed(datasette, answered_here, path, "application/json; charset=utf-8")
    assert fast.content == routed.content
    assert "cache-control" not in fast.headers  # Datasette marks only personalised answers private


@pytest.mark.parametrize("path", PAGE_PATHS)
async def test_the_fast_path_serves_the_page_the_route_does(datasette: Datasette, answered_here: list[str],
                                                            path: str) -> None:
    fast, routed = await _fast_and_routed(datasette, answered_here, path, "text/html; charset=utf-8")
    assert fast.text == routed.text
    assert "Ranked search" in fast.text and "<title>" in fast.text
    assert "set-cookie" not in fast.headers and "set-cookie" not in routed.headers


async def test_what_is_typed_fills_the_frame_escaped(datasette: Datasette, answered_here: list[str]) -> None:
    await datasette.invoke_startup()
    first = (await datasette.client.get("/corpus/search?q=learning")).text
    second = (await datasette.client.get("/corpus/search?q=%3C%2Ftitle%3E%3Cb%3E")).text
    assert answered_here == ["corpus", "corpus"]
    assert "<title>learning – Search papers</title>" in first
    assert "<title>&lt;/title&gt;&lt;b&gt; – Search papers</title>" in second
    assert "<b>" not in second


class _PersonalMenu:
    """A plugin whose menu depends on the request: pages must then be rendered per request."""

    @hookimpl
    def menu_links(self, request: object) -> list[dict[str, str]]:
        q = getattr(request, "args", {}).get("q", "")
        return [{"href": "/mine", "label": f"Saved search {q}"}]


async def test_another_plugin_shaping_pages_sends_the_page_through_datasette(
        datasette: Datasette, answered_here: list[str]) -> None:
    pm.register(_PersonalMenu(), name="personal-menu")
    try:
        await datasette.invoke_startup()
        page = (await datasette.client.get("/corpus/search?q=learning")).text
        assert "Saved search learning" in page
        assert answered_here == []  # the route rendered it
        assert (await datasette.client.get("/corpus/search.json?q=learning")).status_code == 200
        assert answered_here == ["corpus"]  # the JSON has no frame
    finally:
        pm.unregister(name="personal-menu")


# A site's own base.html with a form that posts: its page carries a CSRF token made per request.
POSTING_BASE = """{% import "_crumbs.html" as crumbs with context %}<html><title>{% block title %}{% endblock %}</title>
<body class="{% block body_class %}{% endblock %}">{% block crumbs %}{% endblock %}
<form method="post" action="/-/subscribe"><input type="hidden" name="csrftoken" value="{{ csrftoken() }}"></form>
{% block content %}{% endblock %}</body></html>"""


async def test_a_page_that_asks_for_a_csrf_token_goes_through_datasette(
        seeded_db: Path, tmp_path: Path, answered_here: list[str]) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "base.html").write_text(POSTING_BASE)
    corpus = tmp_path / "corpus.db"
    seeded_db.rename(corpus)
    ds = Datasette([str(corpus)], template_dir=str(templates))
    await ds.invoke_startup()
    response = await ds.client.get("/corpus/search?q=learning")
    assert response.status_code == 200 and "Ranked search" in response.text
    assert 'name="csrftoken" value=""' not in response.text  # a real token, from Datasette's middleware
    assert answered_here == []


async def test_no_frame_is_kept_for_a_database_that_is_not_there(datasette: Datasette,
                                                                  answered_here: list[str]) -> None:
    await datasette.invoke_startup()
    for n in range(20):
        assert (await datasette.client.get(f"/made-up-{n}/search?q=x")).status_code == 404
    assert (await datasette.client.get("/corpus/search?q=x")).status_code == 200
    assert list(search_frame._frames[datasette]) == [("corpus", tuple(datasette.databases))]
    assert answered_here == ["corpus"]


def test_a_page_is_split_only_where_each_mark_is_once() -> None:
    title = str(search_frame.escape(search_frame.TITLE_MARK))
    content = search_frame.CONTENT_MARK
    frame = search_frame.split_page(f"<t>{title}</t><b>{content}</b>")
    assert frame == search_frame.PageFrame(b"<t>", b"</t><b>", b"</b>")
    block = PageContent("<i>é", "<li>ü</li>".encode(), "</i>")
    assert frame.page("a <b> – ö", block) == "<t>a &lt;b&gt; – ö</t><b><i>é<li>ü</li></i></b>".encode()
    assert search_frame.split_page(f"<t></t><b>{content}</b>") is None
    assert search_frame.split_page(f"<t>{title}{title}</t><b>{content}</b>") is None
    assert search_frame.split_page(f"<b>{content}</b><t>{title}</t>") is None


async def test_everything_else_goes_through_datasette(datasette: Datasette, answered_here: list[str]) -> None:
    await datasette.invoke_startup()
    assert (await datasette.client.get("/nowhere/search.json?q=x")).status_code == 404
    assert (await datasette.client.get("/corpus/search?q=learning", headers={"cookie": "a=b"})).status_code == 200
    assert (await datasette.client.get("/corpus/search.json?q=x", headers={"authorization": "Bearer x"})
            ).status_code == 200
    await datasette.client.post("/corpus/search.json?q=x")  # whatever Datasette answers to a POST
    assert (await datasette.client.get("/corpus/papers.json?_search=learning")).status_code == 200
    assert answered_here == []


async def test_a_base_url_is_respected(seeded_db: Path, tmp_path: Path, answered_here: list[str]) -> None:
    corpus = tmp_path / "corpus.db"
    seeded_db.rename(corpus)
    ds = Datasette([str(corpus)], settings={"base_url": "/prefix/"})
    await ds.invoke_startup()
    response = await ds.client.get("/corpus/search.json?q=learning")  # the client puts /prefix/ in front
    assert response.status_code == 200 and answered_here == ["corpus"]
    rows = response.json()["rows"]
    assert rows and all(row["url"].startswith("/prefix/corpus/papers/") for row in rows)
    routed = await ds.client.get("/corpus/search.json?q=learning", headers={"cookie": "a=b"})
    assert response.content == routed.content
