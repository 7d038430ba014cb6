"""A short way through the server for /<database>/search.json, the endpoint scripts call in a loop.

Datasette's own path to a plugin route costs more CPU than handing the search to a worker: a fresh
signed CSRF token for every request without a cookie (random, HMAC, zlib), actor hooks, cookie parsing,
the route table, and inspect.signature() of the view. None of it changes this endpoint's answer for
an anonymous GET: the route checks no permission, and sets no cookie. So such requests are answered here,
before Datasette, with the same body (search_page.json_answer) and the headers Datasette would add.
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
from corpus_db.web.search_page import json_answer

PATH = re.compile(r"^/([^/]+)/search\.json$")
CONTENT_TYPE = b"application/json; charset=utf-8"
# What Datasette's router adds to an anonymous response (app.py's send wrapper): anonymous answers must
# not be reused for credentialed requests.
VARY = b"Cookie, Authorization"
_PERSONAL = (b"cookie", b"authorization")


def _database(scope: Scope, base_url: str) -> str | None:
    """The database named by a search.json path, else None."""
    raw = scope.get("raw_path")
    path = raw.decode("ascii").partition("?")[0] if raw else scope["path"]
    if base_url != "/":
        if not path.startswith(base_url):
            return None
        path = "/" + path[len(base_url):]
    found = PATH.match(path)
    return found.group(1) if found else None


def _anonymous_get(scope: Scope) -> bool:
    return (scope["type"] == "http" and scope.get("method") == "GET" and scope.get("actor") is None
            and not any(name.lower() in _PERSONAL for name, _ in scope.get("headers", ())))


def search_json_fast_path(datasette: Any) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware around Datasette answering anonymous GETs of search.json itself."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Channel, send: Channel) -> None:
            database = _database(scope, datasette.setting("base_url")) if _anonymous_get(scope) else None
            if database is None or not datasette._startup_invoked:
                await app(scope, receive, send)
                return
            query = scope.get("query_string", b"").decode("latin-1")
            try:
                body = await json_answer(datasette, database, MultiParams(parse_qs(query, keep_blank_values=True)))
            except Exception:  # Datasette answers it, as the route would (a 404, its error page)
                await app(scope, receive, send)
                return
            headers = [(b"content-type", CONTENT_TYPE), (b"vary", VARY)]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        return wrapped

    return wrap
