"""corpus-db's own pages on a real corpus (the seeds, the real Hugging Face daily files, and generated HF
days whose free keywords make hundreds of tags), through Datasette's in-process client with the metadata
and settings `corpus-db serve` uses: lists page to the end, facets keep kinds apart, author pages have
co-authors, the paper page fills what it can and says what is not known, exports are clean."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from datasette.app import Datasette

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.web import listing
from corpus_db.web.listing import PAGE_SIZE
from tests.paths import REALDATA, ROOT, SEEDS
from tests.web_support import copy_as_corpus, make_datasette

sys.path.insert(0, str(ROOT / "bench"))
import generate

NEXT = re.compile(r'<a class="next-page" rel="next" href="([^"]+)"')
PAPER_LINK = re.compile(r'<a class="paper-title" href="/corpus/papers/(\d+)"')


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds, real HF days when present and 300 generated arXiv papers (categories); then, in a second run,
    4 generated HF days (keywords, authors, GitHub links) listing 100 known papers and 140 new ones, so
    "new since the last sync" has both kinds to show."""
    work = tmp_path_factory.mktemp("browse")
    path = work / "build.db"
    generate.write_arxiv(work / "arxiv.jsonl", 300)
    first = [SEEDS, work / "arxiv.jsonl"]
    first += [REALDATA / "hf_daily_papers"] if (REALDATA / "hf_daily_papers").is_dir() else []
    totals, results = run_import(path, [SourceTask.for_path(p) for p in expand_paths(first)])
    assert totals.sources_failed == 0, [r.error for r in results]
    days = generate.write_hf_days(work / "hf", 4, per_day=60, first=200)
    totals, results = run_import(path, [SourceTask.for_path(p) for p in days])
    assert totals.sources_failed == 0, [r.error for r in results]
    return copy_as_corpus(path, work / "site")


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


async def html(ds: Datasette, path: str) -> str:
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:800])
    return response.text


async def walk(ds: Datasette, path: str) -> list[int]:
    """Every paper id a list shows, following Next page links to the end."""
    ids: list[int] = []
    pages = 0
    while path:
        text = await html(ds, path)
        ids += [int(i) for i in PAPER_LINK.findall(text)]
        found = NEXT.search(text)
        path = unescape(found.group(1)) if found else ""
        pages += 1
        assert pages < 200
    return ids


def newest_first(corpus: Path, ids: list[int]) -> list[int]:
    rows = dict(sql(corpus, f"SELECT id, published FROM papers WHERE id IN ({','.join(map(str, ids))})"))
    return sorted(ids, key=lambda i: (rows[i] is not None, rows[i] or "", i), reverse=True)


@pytest.mark.parametrize("gather_max", [listing.GATHER_MAX, 0])  # both plans: sort a set, walk the index
async def test_a_big_tag_pages_to_the_end_newest_first(ds: Datasette, corpus: Path, gather_max: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "GATHER_MAX", gather_max)
    tag_id, count = sql(corpus, "SELECT id, paper_count FROM tags ORDER BY paper_count DESC LIMIT 1")[0]
    assert count > PAGE_SIZE * 2
    ids = await walk(ds, f"/corpus/tags/{tag_id}")
    expected = [r[0] for r in sql(corpus, "SELECT DISTINCT paper_id FROM paper_tags WHERE tag_id = ?", tag_id)]
    assert len(ids) == len(set(ids)) == count == len(expected)
    assert ids == newest_first(corpus, expected)


async def test_small_and_combined_filters_page_the_same_way(ds: Datasette, corpus: Path) -> None:
    """The gather plan (a small set) and the walk plan (a big one) agree with plain SQL."""
    tag_id = sql(corpus, "SELECT id FROM tags WHERE paper_count BETWEEN 3 AND 40 ORDER BY paper_count DESC")[0][0]
    small = await walk(ds, f"/corpus/tags/{tag_id}")
    assert small == newest_first(corpus, [r[0] for r in sql(
        corpus, "SELECT DISTINCT paper_id FROM paper_tags WHERE tag_id = ?", tag_id)])
    year = sql(corpus, "SELECT year FROM papers WHERE year IS NOT NULL GROUP BY year ORDER BY count(*) DESC")[0][0]
    with_code = await walk(ds, f"/corpus/-/papers?year={year}&has_code=1")
    expected = [r[0] for r in sql(corpus, """SELECT p.id FROM papers p WHERE p.year = ? AND EXISTS (
        SELECT 1 FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id WHERE pr.paper_id = p.id AND r.kind = 'code')""",
        year)]
    assert with_code == newest_first(corpus, expected) and expected


async def test_overview_facets_keep_tags_categories_and_keywords_apart(ds: Datasette, corpus: Path) -> None:
    text = await html(ds, "/corpus/-/papers")
    for heading in ("Tags", "arXiv categories", "Source keywords", "Year", "Code"):
        assert f"<h2>{heading}</h2>" in text
    curated = text.split('facet-curated')[1].split("</section>")[0]
    keywords = text.split('facet-keyword')[1].split("</section>")[0]
    kinds = dict(sql(corpus, "SELECT name, kind FROM tags"))
    assert all(kinds[n] == "curated" for n in re.findall(r'">([^<]+)</a> <span', curated))
    assert all(kinds[n] == "keyword" for n in re.findall(r'">([^<]+)</a> <span', keywords))
    if "cs.CL" in kinds:
        assert "cs.CL — Computation and Language" in text


async def test_tags_table_sorts_by_paper_count_and_counts_are_right(ds: Datasette, corpus: Path) -> None:
    rows = (await ds.client.get("/corpus/tags.json?_shape=array&_size=20")).json()
    counts = [r["paper_count"] for r in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    wrong = sql(corpus, """SELECT t.name FROM tags t WHERE t.paper_count !=
        (SELECT count(DISTINCT paper_id) FROM paper_tags pt WHERE pt.tag_id = t.id)""")
    assert wrong == []


@pytest.mark.parametrize("gather_max", [listing.GATHER_MAX, 0])
async def test_author_page_lists_papers_newest_first_with_coauthors(ds: Datasette, corpus: Path, gather_max: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "GATHER_MAX", gather_max)
    author_id = sql(corpus, "SELECT author_id FROM paper_authors GROUP BY author_id HAVING count(*) > 1 "
                            "ORDER BY count(*) DESC LIMIT 1")[0][0]
    ids = await walk(ds, f"/corpus/authors/{author_id}")
    expected = [r[0] for r in sql(corpus, "SELECT DISTINCT paper_id FROM paper_authors WHERE author_id = ?", author_id)]
    assert ids == newest_first(corpus, expected)
    text = await html(ds, f"/corpus/authors/{author_id}")
    coauthor = sql(corpus, """SELECT a.name FROM paper_authors mine JOIN paper_authors o ON o.paper_id = mine.paper_id
        JOIN authors a ON a.id = o.author_id WHERE mine.author_id = ? AND o.author_id != ? LIMIT 1""",
        author_id, author_id)[0][0]
    assert "<h2>Co-authors</h2>" in text and coauthor in unescape(text)


async def test_source_and_repo_pages_list_their_papers(ds: Datasette, corpus: Path) -> None:
    source_id = sql(corpus, "SELECT id FROM sources ORDER BY record_count DESC LIMIT 1")[0][0]
    ids = await walk(ds, f"/corpus/sources/{source_id}")
    assert set(ids) == {r[0] for r in sql(corpus, "SELECT paper_id FROM paper_sources WHERE source_id = ?", source_id)}
    repo_id = sql(corpus, "SELECT repo_id FROM paper_repos LIMIT 1")[0][0]
    assert await walk(ds, f"/corpus/repos/{repo_id}")
    assert (await ds.client.get("/corpus/sources/999999")).status_code == 404
    assert (await ds.client.get("/corpus/-/papers?tag=abc")).status_code == 400


async def test_new_since_the_last_sync_shows_what_the_last_run_added(ds: Datasette, corpus: Path) -> None:
    run_id, first_paper, first_link = sql(
        corpus, "SELECT id, first_paper_id, first_link_id FROM import_runs ORDER BY id DESC LIMIT 1")[0]
    expected = {r[0] for r in sql(corpus, "SELECT id FROM papers WHERE id >= ? UNION "
                                          "SELECT paper_id FROM paper_sources WHERE id >= ?", first_paper, first_link)}
    assert expected and sql(corpus, "SELECT count(*) FROM papers WHERE id < ?", first_paper)[0][0]
    shown = await walk(ds, "/corpus/-/new")
    assert set(shown) == expected and len(shown) == len(expected)
    canned = (await ds.client.get("/corpus/new_since_last_sync.json?page=1&_shape=array")).json()
    assert {r["paper_id"] for r in canned} == expected or len(canned) == 100
    assert {r["run"] for r in canned} == {run_id}


async def test_paper_page_pdf_and_not_known(ds: Datasette, corpus: Path) -> None:
    with_arxiv = sql(corpus, "SELECT id, arxiv_id FROM papers WHERE arxiv_id IS NOT NULL LIMIT 1")[0]
    text = await html(ds, f"/corpus/papers/{with_arxiv[0]}")
    assert f'href="https://arxiv.org/pdf/{with_arxiv[1]}"' in text
    bare = sql(corpus, """SELECT p.id FROM papers p WHERE p.arxiv_id IS NULL AND p.doi IS NULL AND p.published IS NULL
        AND NOT EXISTS (SELECT 1 FROM paper_authors pa WHERE pa.paper_id = p.id)
        AND p.abstract NOT LIKE '%arxiv.org/%' LIMIT 1""")
    if bare:
        text = await html(ds, f"/corpus/papers/{bare[0][0]}")
        assert "arXiv id not known" in text and "date not known" in text and "Authors not known" in text
    linked = sql(corpus, "SELECT id FROM papers WHERE abstract LIKE '%https://github.com/%' LIMIT 1")
    if linked:
        text = await html(ds, f"/corpus/papers/{linked[0][0]}")
        abstract = text.split('class="abstract"')[1].split("</p>")[0]
        assert '<a href="https://github.com/' in abstract


async def test_exports_are_clean_rows_with_lists(ds: Datasette, corpus: Path) -> None:
    response = await ds.client.get("/corpus/-/export.json?q=granularity")
    assert response.status_code == 200
    rows = response.json()
    assert rows and all("<mark>" not in r["title"] + (r["abstract"] or "") for r in rows)
    assert all(isinstance(r["tags"], list) and isinstance(r["authors"], list) for r in rows)
    wanted = {"title", "authors", "year", "arxiv_id", "doi", "abstract", "pdf_url", "code_urls", "paper_url"}
    assert wanted <= set(rows[0])
    text = (await ds.client.get("/corpus/-/export.csv?q=granularity")).text
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["title"] for r in table] == [r["title"] for r in rows]
    assert "[" not in table[0]["tags"] and "<" not in text
    tag_id = sql(corpus, "SELECT id FROM tags ORDER BY paper_count DESC LIMIT 1")[0][0]
    by_tag = (await ds.client.get(f"/corpus/-/export.json?tag={tag_id}&limit=5")).json()
    assert len(by_tag) == 5


async def test_tag_names_in_lists_open_the_tag_page_whatever_the_spelling(ds: Datasette, corpus: Path) -> None:
    tag_id, name = sql(corpus, "SELECT id, name FROM tags WHERE kind = 'curated' ORDER BY paper_count DESC")[0]
    plural = name if name.endswith("s") else name + "s"  # another spelling of the same tag
    for spelling in (name, name.replace("-", " ").upper(), plural):
        response = await ds.client.get(f"/corpus/-/tag?name={spelling}")
        assert response.status_code == 302 and response.headers["location"].endswith(f"/corpus/tags/{tag_id}")


async def test_charts_link_bars_to_pages_that_answer(ds: Datasette) -> None:
    text = await html(ds, "/corpus/-/charts")
    links = set(re.findall(r'<a href="(/corpus/[^"]+)"><title>', text))
    assert any("/tags/" in link for link in links) and any("month=" in link for link in links)
    for link in sorted(links)[:12]:
        await html(ds, unescape(link))


PAGED = ("papers_with_tag", "papers_of_year", "papers_with_code", "papers_from_source", "papers_added_since",
         "new_since_last_sync", "newest_papers", "papers_per_tag", "multi_source_papers", "shared_repos",
         "import_history")


async def test_canned_queries_take_parameters_and_page(ds: Datasette, corpus: Path) -> None:
    tag = sql(corpus, "SELECT name FROM tags ORDER BY paper_count DESC LIMIT 1")[0][0]
    year = sql(corpus, "SELECT year FROM papers WHERE year IS NOT NULL GROUP BY year ORDER BY count(*) DESC")[0][0]
    params = {"papers_with_tag": f"tag={tag}", "papers_of_year": f"year={year}", "papers_from_source": "source=1",
              "papers_added_since": "since=2000-01-01", "papers_per_tag": "kind="}
    for name in PAGED:
        base = f"/corpus/{name}.json?_shape=array&{params.get(name, '')}"
        first = (await ds.client.get(base + "&page=1")).json()
        assert isinstance(first, list), (name, first)
        if len(first) == 100:
            second = (await ds.client.get(base + "&page=2")).json()
            assert second and second != first, name
            page = await html(ds, f"/corpus/{name}?{params.get(name, '')}&page=1")
            assert 'class="next-page"' in page and "page=2" in page, name
    plural = tag.upper() if tag.endswith("s") else f"{tag.upper()}s"
    spelled = (await ds.client.get(f"/corpus/papers_with_tag.json?_shape=array&tag={plural}&page=1")).json()
    assert spelled == (await ds.client.get(f"/corpus/papers_with_tag.json?_shape=array&tag={tag}&page=1")).json()
