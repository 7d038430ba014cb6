"""The search page and its JSON at /<database>/search(.json): ranked by the store's search() (tantivy,
FTS5 when the index is missing or behind), paged, rows with tags, repos and authors. Snippets carry
<mark> on the page only; the JSON gives plain text and says which engine answered."""

from __future__ import annotations

import pickle
import urllib.parse
from dataclasses import dataclass
from typing import Any

from datasette.utils.asgi import NotFound, Response

from corpus_db.store.search import SearchPage, search_connection
from corpus_db.web import search_workers
from corpus_db.web.search_frame import render_page
from corpus_db.web.search_hits_html import MATCH_CLOSE, MATCH_OPEN, RenderedPage, rendered_page
from corpus_db.web.search_json import json_body
from corpus_db.web.search_page_html import PageContent, PageLinks, page_content, page_title
from corpus_db.web.search_worker import JSON

ROUTE = r"^/(?P<database>[^/]+)/search(?P<format>\.json)?$"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_SEARCHABLE: set[tuple[int, str, str | None]] = set()


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value))) if value else default
    except ValueError:
        return default


def _link(base: str, **params: object) -> str:
    return base + "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _json_response(body: bytes) -> Response:
    return Response(body, content_type="application/json; charset=utf-8")


async def _from_worker(db_path: str, q: str, kwargs: dict[str, Any], reply: str, extra: dict[str, Any]
                       ) -> bytes | SearchPage | RenderedPage | None:
    """What a search worker answers (reply "json": the JSON body, "html": the RenderedPage, "page": the
    SearchPage; extra: what it needs for that); None when there are no workers, or the worker failed or
    died (the caller searches in this process)."""
    workers = search_workers.shared_workers()
    if workers is None:
        return None
    answer = await workers.ask({"db": db_path, "q": q, "kwargs": kwargs, "reply": reply, **extra})
    if answer is None:
        return None
    return answer[1:] if answer[:1] == JSON else pickle.loads(answer[1:])


async def searchable_database(datasette: Any, database: str) -> Any:
    """The Datasette database to search, or NotFound."""
    try:
        db = datasette.get_database(database)
    except KeyError:
        raise NotFound(f"Database not found: {database}") from None
    known = (id(datasette), database, db.path)
    if known not in _SEARCHABLE:  # asked once per database, not at every request
        if not await db.table_exists("papers"):
            raise NotFound(f"{database} has no papers to search")
        _SEARCHABLE.add(known)
    return db


@dataclass
class _Asked:
    """What the query string asks for (parsed once: Datasette parses it again at every request.args)."""

    q: str
    author: str | None
    size: int
    number: int
    kwargs: dict[str, Any]
    keep: dict[str, Any]

    @classmethod
    def of(cls, args: Any, *, as_json: bool) -> _Asked:
        q = args.get("q", "")
        author = args.get("author") or None
        size = _int(args.get("_size"), PAGE_SIZE, 1, MAX_PAGE_SIZE)
        number = _int(args.get("page"), 1, 1, 10_000)
        highlight = ("", "") if as_json else (MATCH_OPEN, MATCH_CLOSE)
        engine = "fts5" if args.get("_engine") == "fts5" else None  # for comparisons (the benchmark)
        kwargs = {"limit": size, "offset": (number - 1) * size, "author": author, "highlight": highlight,
                  "engine": engine}
        return cls(q, author, size, number, kwargs, {"q": q, "author": author,
                                                      "_size": size if size != PAGE_SIZE else None})


async def _search(db: Any, asked: _Asked, reply: str, extra: dict[str, Any]) -> bytes | SearchPage | RenderedPage:
    """A search worker's answer (see _from_worker), else (no workers, or the worker failed or died) the
    page searched in this process."""
    if db.path and not db.is_memory:
        found = await _from_worker(db.path, asked.q, asked.kwargs, reply, extra)
        if found is not None:
            return found
    return await db.execute_fn(lambda conn: search_connection(conn, asked.q, db_path=db.path, **asked.kwargs))


async def json_answer(datasette: Any, database: str, args: Any) -> bytes:
    """The body of /<database>/search.json for these query arguments."""
    db = await searchable_database(datasette, database)
    asked = _Asked.of(args, as_json=True)
    base = datasette.urls.database(database) + "/search.json"
    # Where a next page would be: the search says whether there is one.
    next_url = _link(base, **asked.keep, page=asked.number + 1)
    papers_url = datasette.urls.table(database, "papers")  # a row's URL is this plus its integer id
    array = args.get("_shape") == "array"
    found = await _search(db, asked, "json", {"papers_url": papers_url, "next_url": next_url, "array": array})
    return found if isinstance(found, bytes) else json_body(found, papers_url, next_url, array=array)


async def page_parts(datasette: Any, database: str, args: Any) -> tuple[str, PageContent]:
    """The search page's title and content for these query arguments (search_page_html): the route puts
    them into the page's template, the fast path into that template's frame."""
    db = await searchable_database(datasette, database)
    asked = _Asked.of(args, as_json=False)
    # The URLs built once a page, not once a hit and tag: Datasette's URL builders took a third of the render.
    database_url = datasette.urls.database(database)
    urls = {"papers_url": datasette.urls.table(database, "papers"), "tag_url": database_url + "/-/tag?name="}
    rendered = await _search(db, asked, "html", urls)
    if not isinstance(rendered, RenderedPage):  # searched in this process
        assert isinstance(rendered, SearchPage)
        rendered = rendered_page(rendered, **urls)
    page, q, author, number, keep = rendered.page, asked.q, asked.author, asked.number, asked.keep
    base, export = database_url + "/search", database_url + "/-/export"
    links = PageLinks(
        database_url=database_url,
        json_url=_link(base + ".json", **keep, page=number if number > 1 else None),
        export_csv=_link(export + ".csv", q=q, author=author),
        export_json=_link(export + ".json", q=q, author=author),
        next_url=_link(base, **keep, page=number + 1) if page.more else None,
        prev_url=_link(base, **keep, page=number - 1 if number > 2 else None) if number > 1 else None,
    )
    return page_title(q), page_content(page, rendered.count, rendered.html, q=q, author=author, links=links)


async def search_view(datasette: Any, request: Any) -> Response:
    database = request.url_vars["database"]
    args = request.args  # Datasette parses the query string again at every access of request.args
    if request.url_vars.get("format"):
        return _json_response(await json_answer(datasette, database, args))
    title, content = await page_parts(datasette, database, args)
    return Response.html(await render_page(datasette, database, title, content.markup(), request))
