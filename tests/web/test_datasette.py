"""The corpus as Datasette serves it (in-process client, same metadata and settings as `corpus-db serve`):
canned queries return the right rows on the seeds, search never errors, facets and descriptions are there,
and the row pages show a paper's sources, tags and repos, and a tag's or repo's papers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from datasette.app import Datasette

from tests.web_support import copy_as_corpus, make_datasette, metadata

QUERIES = ("papers_with_code", "multi_source_papers", "newest_papers", "papers_per_tag",
           "shared_repos", "import_history")


@pytest.fixture(scope="module")
def corpus(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded corpus as corpus.db; shared by the module because nothing here can write to it."""
    return copy_as_corpus(seeded_template, tmp_path_factory.mktemp("site"))


@pytest.fixture
def ds(corpus: Path) -> Iterator[Datasette]:
    datasette = make_datasette(corpus)
    yield datasette
    for db in datasette.databases.values():
        db.close()


def sql(corpus: Path, query: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(f"file:{corpus}?mode=ro", uri=True)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


async def rows(ds: Datasette, path: str) -> list[dict]:
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_every_canned_query_has_title_and_description() -> None:
    queries = metadata()["databases"]["corpus"]["queries"]
    assert set(QUERIES) <= set(queries)
    for name, query in queries.items():
        assert query.get("title") and query.get("description"), name


async def test_search_ranks_the_phrase_in_a_title_first(ds: Datasette) -> None:
    hits = await rows(ds, "/corpus/search.json?q=mixture+of+experts&_shape=array")
    assert hits, "no hits"
    assert "mixture of experts" in hits[0]["title"].lower().replace("-", " ")
    assert not any("<mark>" in h["snippet"] for h in hits)  # highlighted on the page only
    assert isinstance(hits[0]["tags"], list) and isinstance(hits[0]["keywords"], list)  # keywords apart
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)  # higher is better


@pytest.mark.parametrize("q", ['"unbalanced', "a AND (", "-", "*", "", "NEAR(", "title:x", "^", "a OR", "'; drop"])
async def test_search_input_that_is_fts_syntax_never_errors(ds: Datasette, q: str) -> None:
    for path in ("/corpus/search.json", "/corpus/search"):
        response = await ds.client.get(path, params={"q": q})
        assert response.status_code == 200, (q, response.text[:300])
    response = await ds.client.get("/corpus/papers.json", params={"_search": q})
    assert response.status_code == 200, q  # the table's own search box escapes what it is given


async def test_search_page_is_a_readable_results_list(ds: Datasette) -> None:
    html = (await ds.client.get("/corpus/search?q=granularity")).text
    assert '<ol class="search-results"' in html
    assert "<mark>" in html and "&lt;mark&gt;" not in html
    assert 'class="paper-title" href="/corpus/papers/' in html
    assert 'class="repo-link" href="https://github.com/' in html


async def test_table_search_box_uses_the_fts_index(ds: Datasette) -> None:
    data = await rows(ds, "/corpus/papers.json?_search=granularity&_shape=objects")
    assert data["rows"] and all("granular" in (r["title"] + (r["abstract"] or "")).lower() for r in data["rows"])
    html = (await ds.client.get("/corpus/papers")).text
    assert 'name="_search"' in html


async def test_papers_listed_by_more_than_one_source(ds: Datasette, corpus: Path) -> None:
    found = await rows(ds, "/corpus/multi_source_papers.json?_shape=array&page=1")
    assert len(found) == 21
    expected = dict(sql(corpus, "SELECT paper_id, count(DISTINCT source_id) FROM paper_sources GROUP BY paper_id "
                                "HAVING count(DISTINCT source_id) > 1"))
    assert {r["paper_id"]: r["source_count"] for r in found} == expected


async def test_papers_with_code_page_to_the_end(ds: Datasette, corpus: Path) -> None:
    found = []
    for page in (1, 2, 3):
        found += await rows(ds, f"/corpus/papers_with_code.json?_shape=array&page={page}")
    expected = sql(corpus, """SELECT count(DISTINCT pr.paper_id) FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id
                              WHERE r.kind = 'code'""")[0][0]
    assert len(found) == len({r["paper_id"] for r in found}) == expected > 100
    assert all(json.loads(r["repos"]) for r in found)


async def test_newest_papers_per_tag_shared_repos_and_import_history(ds: Datasette, corpus: Path) -> None:
    assert len(await rows(ds, "/corpus/newest_papers.json?_shape=array&page=1")) == 100
    per_tag = await rows(ds, "/corpus/papers_per_tag.json?_shape=array&kind=&page=1")
    assert {r["tag"]: r["papers"] for r in per_tag} == dict(sql(
        corpus, "SELECT t.name, count(DISTINCT pt.paper_id) FROM tags t JOIN paper_tags pt ON pt.tag_id = t.id "
                "GROUP BY t.id"))
    assert [r["papers"] for r in per_tag] == sorted((r["papers"] for r in per_tag), reverse=True)
    shared = await rows(ds, "/corpus/shared_repos.json?_shape=array&page=1")
    assert all(r["papers"] > 1 for r in shared)
    history = await rows(ds, "/corpus/import_history.json?_shape=array&page=1")
    assert history and history[0]["status"] == "ok" and history[0]["inserted"] == 389


async def test_every_canned_query_renders_as_html(ds: Datasette) -> None:
    for name in QUERIES:
        response = await ds.client.get(f"/corpus/{name}")
        assert response.status_code == 200, name


async def test_facets_on_tags_and_year_come_from_counts(ds: Datasette, corpus: Path) -> None:
    html = (await ds.client.get("/corpus/-/papers")).text
    tag_id = sql(corpus, "SELECT id FROM tags WHERE name = 'mixture-of-experts'")[0][0]
    assert f'href="/corpus/-/papers?tag={tag_id}">mixture-of-experts</a>' in html
    assert "<h2>Code</h2>" in html  # the seeds carry no dates: no year facet here (see test_browse.py)
    filtered = (await ds.client.get(f"/corpus/-/papers?tag={tag_id}")).text
    count = sql(corpus, "SELECT count(DISTINCT paper_id) FROM paper_tags WHERE tag_id = ?", tag_id)[0][0]
    assert f"{count:,} paper" in filtered


async def test_internal_tables_are_hidden(ds: Datasette) -> None:
    tables = {t["name"]: t["hidden"] for t in (await rows(ds, "/corpus.json"))["tables"]}
    hidden = {name for name, is_hidden in tables.items() if is_hidden}
    assert {"papers_fts", "papers_fts_data", "papers_fts_idx", "papers_fts_docsize", "papers_fts_config",
            "alembic_version"} <= hidden
    assert "papers" not in hidden


def test_every_column_of_every_visible_table_and_view_is_described(corpus: Path) -> None:
    tables = metadata()["databases"]["corpus"]["tables"]
    names = sql(corpus, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'")
    missing = []
    for (name,) in names:
        config = tables.get(name, {})
        if config.get("hidden"):
            continue
        assert config.get("description") or config.get("description_html"), name
        for (column,) in sql(corpus, "SELECT name FROM pragma_table_info(?)", name):
            if column not in config.get("columns", {}):
                missing.append(f"{name}.{column}")
    assert not missing


async def test_paper_page_shows_sources_with_dates_tags_and_repo_links(ds: Datasette, corpus: Path) -> None:
    paper_id, url = sql(corpus, """SELECT pr.paper_id, r.url FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id
        JOIN paper_sources ps ON ps.paper_id = pr.paper_id JOIN sources s ON s.id = ps.source_id
        WHERE s.listing_date IS NOT NULL ORDER BY pr.paper_id LIMIT 1""")[0]
    html = (await ds.client.get(f"/corpus/papers/{paper_id}")).text
    assert f'<a class="repo-link" href="{url}"' in html
    listing_date = sql(corpus, """SELECT s.listing_date FROM paper_sources ps JOIN sources s ON s.id = ps.source_id
                                  WHERE ps.paper_id = ? AND s.listing_date IS NOT NULL""", paper_id)[0][0]
    assert f'<td class="listing-date">{listing_date}</td>' in html
    for (tag_id, name) in sql(corpus, """SELECT t.id, t.name FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id
                                          WHERE pt.paper_id = ?""", paper_id):
        assert f'href="/corpus/tags/{tag_id}"' in html and name in html
    assert (await ds.client.get("/corpus/papers/999999")).status_code == 404


@pytest.mark.parametrize(
    "table, link", [("tags", "paper_tags"), ("repos", "paper_repos"), ("sources", "paper_sources")]
)
async def test_tag_repo_and_source_pages_list_their_papers(ds: Datasette, corpus: Path, table: str, link: str) -> None:
    column = {"tags": "tag_id", "repos": "repo_id", "sources": "source_id"}[table]
    row_id, count = sql(corpus, f"SELECT {column}, count(DISTINCT paper_id) FROM {link} GROUP BY 1 ORDER BY 2 DESC")[0]
    html = (await ds.client.get(f"/corpus/{table}/{row_id}")).text
    assert f"{count:,} paper" in html
    newest = sql(corpus, f"""SELECT p.id FROM papers p WHERE p.id IN (SELECT paper_id FROM {link} WHERE {column} = ?)
                            ORDER BY p.published IS NULL, p.published DESC, p.id DESC LIMIT 1""", row_id)[0][0]
    assert f'href="/corpus/papers/{newest}"' in html


async def test_charts_page_draws_svg_bars_without_external_scripts(ds: Datasette) -> None:
    response = await ds.client.get("/-/charts")
    assert response.status_code == 200
    html = response.text
    assert html.count('<svg class="chart hbar"') >= 1 and "<rect" in html
    assert 'href="/corpus/tags/' in html
    assert "<script src=" not in html and "cdn" not in html.lower()
    css = await ds.client.get("/-/static-plugins/corpus-db/corpus-db.css")
    assert css.status_code == 200 and "svg.chart" in css.text
