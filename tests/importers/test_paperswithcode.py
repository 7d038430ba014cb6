"""Papers with Code paper lists (dump and API page) and the papers-to-code links dump."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_db.importers import paperswithcode
from corpus_db.importers.paperswithcode import LINKS, PAPERS
from corpus_db.model import ParseError, RepoLink
from tests.importers.support import (
    CountingStream,
    insert_bad_byte,
    json_array_chunks,
    only_reject,
    parse_bytes,
    parse_until_error,
    records_and_rejects,
)
from tests.paths import realdata

FIXTURES = Path(__file__).parent / "fixtures"
PAPERS_DUMP = FIXTURES / "pwc-papers-with-abstracts.json"
LINKS_DUMP = FIXTURES / "pwc-links-between-papers-and-code.json"


def load(importer, path: Path) -> list:  # type: ignore[no-untyped-def]
    with path.open("rb") as fh:
        return list(importer.parse(fh, str(path)))


def test_papers_dump_fields() -> None:
    attention, resnet, lstm, workshop = load(PAPERS, PAPERS_DUMP)
    assert attention.title == "Attention Is All You Need"
    assert attention.arxiv_id == "1706.03762"
    assert attention.abstract == (
        "A sequence transduction model built on attention alone, dispensing with recurrence and convolutions."
    )
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")
    assert attention.venue == "NeurIPS 2017 12"
    assert attention.tags == ("Machine Translation", "Constituency Parsing")
    assert attention.published == "2017-06-12"
    assert attention.extra["methods"] == ["Multi-Head Attention", "Layer Normalization"]
    assert attention.extra["paper_url"] == "https://paperswithcode.com/paper/attention-is-all-you-need"
    assert json.loads(attention.raw)["arxiv_id"] == "1706.03762"
    assert attention.position == 1 and attention.line is None
    # arxiv_id null, but the abstract URL is on arXiv; the title keeps a line break in the source.
    assert (resnet.arxiv_id, resnet.title) == ("1512.03385", "Deep Residual Learning for Image Recognition")
    # Not on arXiv: the DOI from a doi.org abstract URL, no abstract, no date.
    assert (lstm.arxiv_id, lstm.doi, lstm.abstract, lstm.published) == (None, "10.1162/neco.1997.9.8.1735", None, None)
    assert lstm.authors == ("Sepp Hochreiter", "Jürgen Schmidhuber")
    assert (workshop.arxiv_id, workshop.title, workshop.abstract, workshop.venue) == (
        "2101.00001",
        "A Workshop Paper",
        None,
        None,
    )
    assert workshop.published == "2021-01"


@pytest.mark.realdata
def test_api_page() -> None:
    path = realdata("paperswithcode/api-papers-page.json")
    records = load(PAPERS, path)
    assert len(records) == 50
    no_id = [r for r in records if r.arxiv_id is None]
    assert len(no_id) == 6  # those six keep their identity by title
    assert no_id[0].title == "Neural networks and physical systems with emergent collective computational abilities"
    assert no_id[0].published == "1982-01-15"
    assert no_id[0].authors == ("J J Hopfield",)
    old_style = next(r for r in records if r.title == "Theory and practice")
    assert old_style.arxiv_id == "cs/9301114"
    assert all(r.abstract for r in records)
    packed = next(r for r in records if r.title.startswith("A shifted multiplicative model"))
    assert packed.authors == ("José Crossa  Paul L. Cornelius  Ken Sayre  R.J. Iván Ortiz‐Monasterio",)
    assert records[-1].extra["id"] == "a-line-of-sight-approach-to-cosmic-microwave"


def test_links_one_record_per_row() -> None:
    rows = load(LINKS, LINKS_DUMP)
    assert len(rows) == 4
    assert [r.repos for r in rows] == [
        (RepoLink("https://github.com/tensorflow/tensor2tensor", "pwc:links"),),
        (RepoLink("https://github.com/example-user/transformer-pytorch", "pwc:links"),),
        (RepoLink("https://github.com/KaimingHe/deep-residual-networks", "pwc:links"),),
        (RepoLink("https://github.com/example-org/lstm-from-scratch", "pwc:links"),),
    ]
    assert [r.arxiv_id for r in rows] == ["1706.03762", "1706.03762", "1512.03385", None]
    assert all(r.abstract is None for r in rows)
    assert rows[3].title == "Long Short-Term Memory"
    assert rows[0].extra == {
        "paper_url": "https://paperswithcode.com/paper/attention-is-all-you-need",
        "is_official": True,
        "mentioned_in_paper": True,
        "mentioned_in_github": False,
        "framework": "tf",
    }


def test_paper_without_title_is_named() -> None:
    items = json.loads(PAPERS_DUMP.read_bytes())
    items[2]["title"] = "  "
    records, [reject] = records_and_rejects(PAPERS, json.dumps(items).encode(), "papers.json")
    assert len(records) == len(items) - 1
    assert (reject.position, reject.reason) == (3, "record has no title")


def test_link_without_title_is_named() -> None:
    items = json.loads(LINKS_DUMP.read_bytes())
    del items[1]["paper_title"]
    reject = only_reject(LINKS, json.dumps(items).encode(), "links.json")
    assert (reject.position, reject.reason) == (2, "record has no paper_title")


@pytest.mark.realdata
def test_truncated_api_page() -> None:
    path = realdata("paperswithcode/api-papers-page.json")
    data = path.read_bytes()
    records, error = parse_until_error(PAPERS, data[: len(data) // 2], str(path))
    assert 10 < len(records) < 50
    assert error.entry == len(records) + 1


def test_truncated_links_dump() -> None:
    data = LINKS_DUMP.read_bytes()
    records, error = parse_until_error(LINKS, data[: len(data) // 2], "links.json")
    assert error.entry == len(records) + 1 == 2


@pytest.mark.realdata
def test_invalid_utf8_in_api_page() -> None:
    path = realdata("paperswithcode/api-papers-page.json")
    data, line = insert_bad_byte(path.read_bytes(), b'"abstract": "', occurrence=20)
    _, error = parse_until_error(PAPERS, data, str(path))
    assert error.line == line
    assert "not UTF-8" in str(error)


def test_invalid_utf8_in_links() -> None:
    data, line = insert_bad_byte(LINKS_DUMP.read_bytes(), b'"paper_title": "', occurrence=3)
    _, error = parse_until_error(LINKS, data, "links.json")
    assert error.line == line


@pytest.mark.parametrize(
    ("importer", "data", "message"),
    [
        (PAPERS, b'{"count": 0, "next": null}', "'results'"),
        (LINKS, b'{"results": []}', "expected a JSON array"),
    ],
)
def test_wrong_shapes(importer, data: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParseError, match=message):
        parse_bytes(importer, data)


@pytest.mark.parametrize("importer", [PAPERS, LINKS], ids=lambda i: i.name)
def test_an_entry_that_is_not_an_object_is_rejected(importer) -> None:  # type: ignore[no-untyped-def]
    reject = only_reject(importer, b'["a link"]')
    assert reject.position == 1 and "expected a paper object" in reject.reason


def test_papers_dump_is_streamed() -> None:
    record = json.dumps(json.loads(PAPERS_DUMP.read_bytes())[0]).encode()
    stream = CountingStream(json_array_chunks(record for _ in range(20_000)))
    assert next(paperswithcode.parse_papers(stream, "big.json")).arxiv_id == "1706.03762"
    assert not stream.exhausted
    assert stream.bytes_read < 1_000_000


def test_links_dump_is_streamed() -> None:
    record = json.dumps(json.loads(LINKS_DUMP.read_bytes())[0]).encode()
    stream = CountingStream(json_array_chunks(record for _ in range(50_000)))
    assert next(paperswithcode.parse_links(stream, "big.json")).arxiv_id == "1706.03762"
    assert not stream.exhausted
    assert stream.bytes_read < 1_000_000
