"""Anonymous GETs of search.json are answered before Datasette's routing: the same bodies, status and
headers as the route gives, and everything else still goes through Datasette."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasette.app import Datasette

from corpus_db.web import search_fast

PATHS = [
    "/corpus/search.json?q=mixture+of+experts",
    "/corpus/search.json?q=mixture+of+experts&_shape=array&page=2&_size=5",
    '/corpus/search.json?q=%22language+models%22+lear*&author=wang',
    "/corpus/search.json?q=",
    "/corpus/search.json?q=learning&_engine=fts5",
    "/corpus/search.json?q=%22unbalanced",
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
    original = search_fast.json_answer

    async def spy(datasette: Datasette, database: str, args: object) -> bytes:
        body = await original(datasette, database, args)
        seen.append(database)
        return body

    monkeypatch.setattr(search_fast, "json_answer", spy)
    return seen


@pytest.mark.parametrize("path", PATHS)
async def test_the_fast_path_answers_what_the_route_does(datasette: Datasette, answered_here: list[str],
                                                         path: str) -> None:
    await datasette.invoke_startup()
    fast = await datasette.client.get(path)
    assert answered_here == ["corpus"]
    routed = await datasette.client.get(path, headers={"cookie": "seen=1"})  # a cookie: through Datasette
    assert answered_here == ["corpus"]
    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/json; charset=utf-8"
    assert fast.headers["vary"] == routed.headers["vary"] == "Cookie, Authorization"
    assert "cache-control" not in fast.headers  # Datasette marks only personalised answers private


async def test_everything_else_goes_through_datasette(datasette: Datasette, answered_here: list[str]) -> None:
    await datasette.invoke_startup()
    assert (await datasette.client.get("/nowhere/search.json?q=x")).status_code == 404
    assert (await datasette.client.get("/corpus/search?q=learning")).status_code == 200
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
