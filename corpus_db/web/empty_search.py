"""Datasette 0.65 answers an empty table search (`?_search=`, what its own search box sends when Enter is
pressed with nothing typed) with "fts5: syntax error" and a 400. Dropping blank search parameters before
Datasette sees them shows the unfiltered table instead."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Channel = Callable[..., Awaitable[Any]]
ASGIApp = Callable[[Scope, Channel, Channel], Awaitable[None]]


_EMPTY_PHRASE = re.compile(r'""')
_WORD = re.compile(r"\w")


def _searchable(value: str) -> str:
    """What Datasette may pass to FTS5: no NUL, no empty phrase ""; blank when no word is left (a lone
    quote or punctuation would be an "fts5: syntax error")."""
    value = _EMPTY_PHRASE.sub(" ", value.replace("\x00", ""))
    return value if _WORD.search(value) else ""


def without_blank_search(query_string: bytes) -> bytes:
    """The query string minus `_search` / `_search_COLUMN` parameters with no word in them (empty, only
    spaces, quotes or punctuation), and with NULs and empty phrases taken out of the others."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    kept = []
    for key, value in pairs:
        if key.startswith("_search") and key != "_searchmode":
            value = _searchable(value)
            if not value.strip():
                continue
        kept.append((key, value))
    if kept == pairs:
        return query_string
    return urlencode(kept).encode("latin-1")


def drop_blank_search(app: ASGIApp) -> ASGIApp:
    """ASGI middleware around Datasette applying without_blank_search to HTTP requests."""

    async def wrapped(scope: Scope, receive: Channel, send: Channel) -> None:
        if scope.get("type") == "http" and b"_search" in scope.get("query_string", b""):
            scope = dict(scope, query_string=without_blank_search(scope["query_string"]))
        await app(scope, receive, send)

    return wrapped
