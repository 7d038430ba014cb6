"""The body of /<database>/search.json: one function, used by the route in Datasette's process and by the
search workers (which send the finished bytes back, so a page is serialised once and never pickled).
No Datasette import here: the workers do not load it."""

from __future__ import annotations

from typing import Any

import orjson

from corpus_db.store.search import SearchPage


def json_body(page: SearchPage, papers_url: str, next_url: str | None, *, array: bool = False) -> bytes:
    """The page as the route answers it: the envelope, or only the rows with ?_shape=array. papers_url is
    the papers table's URL: a row's URL is that plus its integer id."""
    rows = [
        {"paper_id": h.id, "title": h.title, "snippet": h.snippet, "score": h.score, "year": h.year,
         "arxiv_id": h.arxiv_id, "doi": h.doi, "authors": h.authors, "tags": h.tags, "keywords": h.keywords,
         "repos": h.repos, "sources": h.sources, "url": f"{papers_url}/{h.id}"}
        for h in page.hits
    ]
    if array:
        return orjson.dumps(rows)
    body: dict[str, Any] = {
        "ok": True, "query": page.query, "engine": page.engine, "fallback_reason": page.fallback_reason,
        "offset": page.offset, "limit": page.limit, "more": page.more, "next_url": next_url if page.more else None,
        "rows": rows,
    }
    return orjson.dumps(body)
