"""The search page and its JSON at /<database>/search(.json): ranked by the store's search() (tantivy,
FTS5 when the index is missing or behind), paged, rows with tags, repos and authors. Snippets carry
<mark> on the page only; the JSON gives plain text and says which engine answered."""

from __future__ import annotations

import urllib.parse
from typing import Any

import orjson
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from corpus_db.store.search import SearchPage, search_connection
from corpus_db.web import search_workers

ROUTE = r"^/(?P<database>[^/]+)/search(?P<format>\.json)?$"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Private-use characters around matches: escaped with the text, then turned into <mark>.
_OPEN, _CLOSE = "\ue000", "\ue001"
_SEARCHABLE: set[tuple[int, str, str | None]] = set()


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value))) if value else default
    except ValueError:
        return default


def _marked(text: str) -> Markup:
    return Markup(str(escape(text)).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))


def _link(base: str, **params: object) -> str:
    return base + "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _json_body(page: SearchPage, datasette: Any, database: str, next_url: str | None) -> dict[str, Any]:
    papers = datasette.urls.table(database, "papers")  # a row's URL is this plus its integer id: built once
    rows = [
        {"paper_id": h.id, "title": h.title, "snippet": h.snippet, "score": h.score, "year": h.year,
         "arxiv_id": h.arxiv_id, "doi": h.doi, "authors": h.authors, "tags": h.tags, "keywords": h.keywords,
         "repos": h.repos,
         "sources": h.sources, "url": f"{papers}/{h.id}"}
        for h in page.hits
    ]
    return {"ok": True, "query": page.query, "engine": page.engine, "fallback_reason": page.fallback_reason,
            "offset": page.offset, "limit": page.limit, "more": page.more, "next_url": next_url, "rows": rows}


def _json_response(body: object) -> Response:
    """Response.json, serialised by orjson (a page of 20 hits with snippets: json.dumps was ~10% of the request)."""
    return Response(orjson.dumps(body), content_type="application/json; charset=utf-8")


async def search_view(datasette: Any, request: Any) -> Response:
    database = request.url_vars["database"]
    try:
        db = datasette.get_database(database)
    except KeyError:
        raise NotFound(f"Database not found: {database}") from None
    known = (id(datasette), database, db.path)
    if known not in _SEARCHABLE:  # asked once per database, not at every request
        if not await db.table_exists("papers"):
            raise NotFound(f"{database} has no papers to search")
        _SEARCHABLE.add(known)
    as_json = bool(request.url_vars.get("format"))
    args = request.args  # Datasette parses the query string again at every access of request.args
    q = args.get("q", "")
    author = args.get("author") or None
    size = _int(args.get("_size"), PAGE_SIZE, 1, MAX_PAGE_SIZE)
    number = _int(args.get("page"), 1, 1, 10_000)
    highlight = ("", "") if as_json else (_OPEN, _CLOSE)
    engine = "fts5" if args.get("_engine") == "fts5" else None  # for comparisons (the benchmark)
    kwargs = {"limit": size, "offset": (number - 1) * size, "author": author, "highlight": highlight, "engine": engine}
    workers = search_workers.shared_workers() if db.path and not db.is_memory else None
    page = await workers.search(db.path, q, kwargs) if workers is not None else None
    if page is None:  # no pool, or a worker died: search in this process
        page = await db.execute_fn(lambda conn: search_connection(conn, q, db_path=db.path, **kwargs))
    base = datasette.urls.database(database) + "/search"
    keep = {"q": q, "author": author, "_size": size if size != PAGE_SIZE else None}
    next_url = _link(base + (".json" if as_json else ""), **keep, page=number + 1) if page.more else None
    if as_json:
        body = _json_body(page, datasette, database, next_url)
        return _json_response(body["rows"] if args.get("_shape") == "array" else body)
    export = datasette.urls.database(database) + "/-/export"
    context = {
        "database": database, "q": q, "author": author or "", "page": page, "page_number": number,
        "hits": [{"hit": h, "snippet": _marked(h.snippet)} for h in page.hits],
        "next_url": next_url,
        "prev_url": _link(base, **keep, page=number - 1 if number > 2 else None) if number > 1 else None,
        "json_url": _link(base + ".json", **keep, page=number if number > 1 else None),
        "export_csv": _link(export + ".csv", q=q, author=author),
        "export_json": _link(export + ".json", q=q, author=author),
        "database_color": lambda _name: "ff0000",
    }
    html = await datasette.render_template("corpus_search.html", context, request=request, view_name="search")
    return Response.html(html)
