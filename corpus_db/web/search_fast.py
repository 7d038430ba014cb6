"""A short way through the server for /<database>/search.json, the endpoint scripts call in a loop, and
for the search page /<database>/search that people load.

Datasette's own path to a plugin route costs more CPU than handing the search to a worker: a fresh
signed CSRF token for every request without a cookie (random, HMAC, zlib), actor hooks, cookie parsing,
the route table, and inspect.signature() of the view. None of it changes these endpoints' answers to
an anonymous GET: the routes check no permission, and set no cookie. So such requests are answered here,
before Datasette, with the same body (search_page.json_answer; for the page, search_page.page_parts in
the page's frame, search_frame.py) and the headers Datasette would add.
Everything else goes through Datasette: other paths and methods, requests with a cookie or an
Authorization header or an actor (their cache headers differ), the requests before the server's
startup hooks ran, and any request this path cannot answer (an unknown database, an error: Datasette
then answers it as the route does, with its own error page)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from datasette.utils import MultiParams

from corpus_db.web.empty_search import ASGIApp, Channel, Scope
from corpus_db.web.search_frame import page_frame
from corpus_db.web.search_page import json_answer, page_parts, searchable_database

PATH = re.compile(r"^/([^/]+)/search(\.json)?$")
JSON_TYPE = b"application/json; charset=utf-8"
HTML_TYPE = b"text/html; charset=utf-8"
# What Datasette's router adds to an anonymous response (app.py's send wrapper): anonymous answers must
# not be reused for credentialed requests.
VARY = b"Cookie, Authorization"
_PERSONAL = (b"cookie", b"authorization")


def _database(scope: Scope, base_url: str) -> tuple[str, bool] | None:
    """The database named by a search or search.json path, and whether it asks for JSON; else None."""
    raw = scope.get("raw_path")
    path = raw.decode("ascii").partition("?")[0] if raw else scope["path"]
    if base_url != "/":
        if not path.startswith(base_url):
            return None
        path = "/" + path[len(base_url):]
    found = PATH.match(path)
    return (found.group(1), bool(found.group(2))) if found else None


def _anonymous_get(scope: Scope) -> bool:
    return (scope["type"] == "http" and scope.get("method") == "GET" and scope.get("actor") is None
            and not any(name.lower() in _PERSONAL for name, _ in scope.get("headers", ())))


async def _answer(datasette: Any, database: str, as_json: bool, scope: Scope, receive: Channel
                  ) -> tuple[bytes, bytes] | None:
    """The body and its content type, or None where Datasette must answer (the page cannot be framed)."""
    args = MultiParams(parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    if as_json:
        return await json_answer(datasette, database, args), JSON_TYPE
    # A database that exists and has papers, before its frame is made and kept: frames for every name a
    # client makes up would grow without a limit.
    await searchable_database(datasette, database)
    frame = await page_frame(datasette, database, scope, receive)
    if frame is None:
        return None
    title, content = await page_parts(datasette, database, args)
    return frame.page(title, content), HTML_TYPE


def search_fast_path(datasette: Any) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware around Datasette answering anonymous GETs of search.json and the search page itself."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Channel, send: Channel) -> None:
            asked = _database(scope, datasette.setting("base_url")) if _anonymous_get(scope) else None
            if asked is None or not datasette._startup_invoked:
                await app(scope, receive, send)
                return
            try:
                answer = await _answer(datasette, *asked, scope, receive)
            except Exception:  # Datasette answers it, as the route would (a 404, its error page)
                answer = None
            if answer is None:
                await app(scope, receive, send)
                return
            body, content_type = answer
            headers = [(b"content-type", content_type), (b"vary", VARY)]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        return wrapped

    return wrap
