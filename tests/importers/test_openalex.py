"""OpenAlex works: the 2022 snapshot sample and an API page in the current schema."""

from __future__ import annotations

import io
import json
from pathlib import Path

from corpus_db.importers import openalex
from corpus_db.model import PaperRecord, Rejected
from tests.importers.graph_support import content, papers, parse_path
from tests.paths import realdata

FIXTURES = Path(__file__).parent / "fixtures"


def test_snapshot_sample_reads_every_work_with_its_identifiers() -> None:
    path = realdata("openalex/snapshot-works-1000.jsonl.gz")
    records = papers(parse_path(openalex.IMPORTER, path))
    assert len(records) == 1000  # SOURCES.md; U+2028 inside strings does not split a line
    assert [r.line for r in records[:3]] == [1, 2, 3]
    assert sum(bool(r.abstract) for r in records) == 960
    assert sum(bool(r.pmid) for r in records) == 695
    assert sum(bool(r.pmcid) for r in records) == 310
    assert all(r.doi and r.openalex_id and r.openalex_id.startswith("W") for r in records)
    first = records[0]
    assert (first.openalex_id, first.doi, first.pmid, first.mag_id) == (
        "W2100301546", "10.1227/00006123-199310000-00008", "8232800", "2100301546"
    )
    assert first.published == "1993-10-01" and first.venue == "Neurosurgery"
    assert first.authors[:2] == ("Engelbert Knosp", "Erich Steiner")
    assert first.abstract.startswith("We present 25 pituitary adenomas")
    assert "Cavernous sinus" in first.tags
    assert first.extra["affiliations"][0]["name"] == "Engelbert Knosp"
    assert first.raw == content(path).split(b"\n")[0].decode()


def test_api_page_in_the_current_schema() -> None:
    records = papers(parse_path(openalex.IMPORTER, FIXTURES / "openalex-api-page.json"))
    assert [r.openalex_id for r in records] == ["W2194775991", "W1"]
    work = records[0]
    assert work.arxiv_id == "1512.03385"  # from the arXiv location
    assert work.doi == "10.1109/cvpr.2016.90" and work.mag_id == "2194775991"
    assert work.venue.startswith("2016 IEEE Conference on Computer Vision")
    assert work.abstract == "Deeper neural networks are more difficult to train."
    assert {"Advanced Neural Network Applications", "Residual", "Deep learning"} <= set(work.tags)
    assert work.extra["oa_url"] == "https://arxiv.org/pdf/1512.03385"
    assert work.extra["pdf_url"] == "https://arxiv.org/pdf/1512.03385"
    assert json.loads(work.raw)["id"] == "https://openalex.org/W2194775991"
    assert records[1].abstract is None and records[1].doi is None


def test_bad_lines_are_rejected_and_the_rest_goes_on() -> None:
    good = json.dumps({"id": "https://openalex.org/W7", "title": "Fine"})
    data = "\n".join([good, "{not json", json.dumps({"id": "https://openalex.org/W8"}), good]).encode()
    items = list(openalex.parse(io.BytesIO(data), "works.jsonl"))
    assert [type(i).__name__ for i in items] == ["PaperRecord", "Rejected", "Rejected", "PaperRecord"]
    bad, untitled = items[1], items[2]
    assert isinstance(bad, Rejected) and (bad.position, bad.line) == (2, 2) and "invalid JSON" in bad.reason
    assert isinstance(untitled, Rejected) and "W8 has no title" in untitled.reason
    assert isinstance(items[3], PaperRecord) and items[3].line == 4


def test_split_and_parse_one_agree_with_parse() -> None:
    path = FIXTURES / "openalex-api-page.json"
    raws = list(openalex.split(io.BytesIO(path.read_bytes()), str(path)))
    assert [openalex.parse_one(raw, str(path)) for raw in raws] == parse_path(openalex.IMPORTER, path)
    assert all(r.text == p.raw for r, p in zip(raws, parse_path(openalex.IMPORTER, path), strict=True))
