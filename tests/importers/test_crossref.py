"""Crossref: an API cursor page, public data files and a single-work response with a preprint relation."""

from __future__ import annotations

from pathlib import Path

from corpus_db.importers import crossref
from tests.importers.graph_support import papers, parse_path
from tests.paths import realdata

GRAPH = Path(__file__).parent.parent / "ingest" / "fixtures" / "cross_format" / "graph"


def test_api_cursor_page() -> None:
    records = papers(parse_path(crossref.IMPORTER, realdata("crossref/api-works-cursor-page.json")))
    assert [r.doi for r in records] == ["10.55016/ojs/cdm.v19i3.72392", "10.4028/www.scientific.net/kem.417-418.189"]
    first = records[0]
    assert first.title == "Canonical cuts of path powers" and first.published == "2024-09-23"
    assert first.venue == "Contributions to Discrete Mathematics"
    assert first.authors[0] == "Liliana Alcon"
    assert first.abstract.startswith("The MaxCut problem") and "<jats" not in first.abstract


def test_public_data_files() -> None:
    with_abstracts = papers(parse_path(crossref.IMPORTER, realdata("crossref/public-data-file-abstracts.json.gz")))
    assert len(with_abstracts) == 2
    assert with_abstracts[0].title == "The economic thought of an Austrian Marshallian George Barclay Richardson"
    assert "\n" not in with_abstracts[0].abstract and "–" in with_abstracts[0].abstract
    without = papers(parse_path(crossref.IMPORTER, realdata("crossref/public-data-file-no-abstracts.json.gz")))
    assert [r.abstract for r in without] == [None, None]


def test_single_work_response_joins_its_arxiv_preprint() -> None:
    [work] = papers(parse_path(crossref.IMPORTER, GRAPH / "crossref-work.json"))
    assert (work.doi, work.arxiv_id, work.published) == ("10.1109/cvpr.2016.90", "1512.03385", "2016-06")
    assert work.extra["relation"] == {"has-preprint": ["10.48550/arXiv.1512.03385"]}
