"""Semantic Scholar: the S2AG papers and abstracts datasets and Graph API responses."""

from __future__ import annotations

import json
from pathlib import Path

from corpus_db.importers import semanticscholar
from corpus_db.model import PaperRecord, Rejected
from tests.importers.graph_support import papers, parse_path
from tests.paths import realdata

FIXTURES = Path(__file__).parent / "fixtures"
GRAPH = Path(__file__).parent.parent / "ingest" / "fixtures" / "cross_format" / "graph"


def test_papers_dataset_with_lower_case_keys() -> None:
    records = papers(parse_path(semanticscholar.IMPORTER, realdata("semanticscholar/s2ag-papers-sample.jsonl.gz")))
    assert len(records) == 100
    assert all(r.s2_corpus_id for r in records)
    counts = {name: sum(bool(getattr(r, name)) for r in records) for name in ("doi", "mag_id", "arxiv_id", "dblp_key",
                                                                             "pmcid", "pmid")}
    assert counts == {"doi": 52, "mag_id": 71, "arxiv_id": 1, "dblp_key": 1, "pmcid": 3, "pmid": 0}
    first = records[0]
    assert (first.s2_corpus_id, first.mag_id) == ("223731460", "630821060")
    assert first.title == "頭のリフォーム(1)リフォーム暮らしを始める"
    assert first.published == "2004" and first.venue is None and first.authors == ("布施 英利",)
    assert sum(not r.authors for r in records) == 6


def test_abstracts_dataset_gives_title_less_records_that_wait_for_their_paper() -> None:
    records = papers(parse_path(semanticscholar.IMPORTER, realdata("semanticscholar/s2ag-abstracts-sample.jsonl.gz")))
    assert len(records) == 100
    assert all(r.title == "" and r.abstract and r.s2_corpus_id for r in records)
    assert sum(bool(r.mag_id) for r in records) == 94
    assert sum(bool(r.arxiv_id) for r in records) == 2


def test_graph_api_paper_and_page() -> None:
    [paper] = papers(parse_path(semanticscholar.IMPORTER, GRAPH / "s2-paper.json"))
    assert (paper.arxiv_id, paper.doi, paper.s2_corpus_id, paper.dblp_key, paper.mag_id) == (
        "1512.03385", "10.1109/cvpr.2016.90", "206594692", "conf/cvpr/HeZRS16", "2194775991"
    )
    assert paper.published == "2015-12-10" and paper.extra["pdf_url"] == "https://arxiv.org/pdf/1512.03385"
    assert paper.extra["s2_paper_id"] == "2c03df8b48bf3fa39054345bafabfeff15bfd11d"
    items = parse_path(semanticscholar.IMPORTER, FIXTURES / "s2-api-page.json")
    assert [type(i).__name__ for i in items] == ["PaperRecord", "PaperRecord", "Rejected"]
    assert isinstance(items[2], Rejected) and items[2].position == 3 and "no title" in items[2].reason
    assert isinstance(items[1], PaperRecord) and items[1].s2_corpus_id == "1"
    assert json.loads(items[0].raw)["corpusId"] == 206594692
