"""CSL-JSON arrays and Better-BibTeX/Zotero JSON exports."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from corpus_db.importers import csl_json
from corpus_db.importers.csl_json import IMPORTER
from corpus_db.model import ParseError
from corpus_db.rules.normalize import title_key
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


def load(path: Path) -> list:
    with path.open("rb") as fh:
        return list(IMPORTER.parse(fh, str(path)))


def one(item: dict, envelope: dict | None = None):  # type: ignore[no-untyped-def]
    data = {**envelope, "items": [item]} if envelope is not None else [item]
    [record] = parse_bytes(IMPORTER, json.dumps(data).encode())
    return record


@pytest.mark.realdata
def test_csl_array() -> None:
    records = load(realdata("csl_json/csl-26-items.csl.json"))
    assert len(records) == 26
    first = records[0]
    assert first.title.startswith("Perceptions of disability and their impact")
    assert first.published == "2004"  # a string year in date-parts
    assert first.authors == ("Ian Brittain",)
    assert first.venue == "Journal of Sport and Social Issues"
    # The short DOI field gives way to the full DOI of the doi.org URL, and is kept.
    assert (first.doi, first.extra["short_doi"]) == ("10.1177/0193723504268729", "10/fqd6hj")
    assert first.extra["id"] == "brittain2004"
    by_id = {r.extra["id"]: r for r in records}
    assert by_id["fink2015"].doi == "10/gfzrww"  # only a short DOI is known
    assert by_id["cody2016"].published == "2016-06-01"  # mixed string and int parts
    assert by_id["cody2016"].authors == ("Kieran Cody", "Steven J. Jackson")
    assert by_id["iaaf2019"].authors == ("IAAF",)  # a literal name
    assert by_id["duncan2002"].extra["editors"] == ["Lawrence Wenner"]
    assert by_id["pink2013"].venue is None
    assert all(r.arxiv_id is None for r in records)


@pytest.mark.realdata
def test_zotero_better_bibtex_export() -> None:
    records = load(realdata("csl_json/zotero-bbt-12-ml-items.json"))
    assert len(records) == 12
    first = records[0]
    assert first.title == "On Solving Minimax Optimization Locally: A Follow-the-Ridge Approach"
    assert first.arxiv_id == "1910.07512"
    assert first.authors == ("Yuanhao Wang", "Guodong Zhang", "Jimmy Ba")
    assert first.published == "2019-11-25"
    assert first.venue is None  # "arXiv:1910.07512 [cs, math, stat]" is an id, not a venue
    assert first.tags[0] == "Computer Science - Machine Learning"
    assert first.abstract and first.abstract.startswith("Many tasks in modern machine learning")
    second = records[1]
    assert (second.published, second.venue, second.arxiv_id) == (
        "2019-09-25",
        "International Conference on Learning Representations",
        None,
    )
    assert records[-1].published == "2015"


@pytest.mark.realdata
def test_zotero_preprint_and_published_versions_share_a_title_key() -> None:
    records = load(realdata("csl_json/zotero-bbt-12-ml-items.json"))
    by_key: dict[str, list] = defaultdict(list)
    for record in records:
        by_key[title_key(record.title)].append(record)
    assert sorted(len(group) for group in by_key.values()) == [2] * 6
    preprint_pairs = [group for group in by_key.values() if sorted(r.arxiv_id is None for r in group) == [False, True]]
    assert len(preprint_pairs) == 5


@pytest.mark.parametrize(
    ("date", "order", "expected"),
    [
        ("2019-06-12", "mdy", "2019-06-12"),
        ("2019/06", "mdy", "2019-06"),
        ("6/12/2019", "mdy", "2019-06-12"),
        ("6/12/2019", "dmy", "2019-12-06"),
        ("June 2019", "mdy", "2019-06"),
    ],
)
def test_zotero_dates_follow_the_locale_order(date: str, order: str, expected: str) -> None:
    item = {"itemType": "journalArticle", "title": "T", "date": date}
    assert one(item, {"config": {"localeDateOrder": order}}).published == expected


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        ({"date-parts": [["2004"]]}, "2004"),
        ({"date-parts": [[2016, 6, 1]]}, "2016-06-01"),
        ({"raw": "June 2019"}, "2019-06"),
        ({"literal": "2001"}, "2001"),
        ("2020-02", "2020-02"),
    ],
)
def test_csl_issued(issued: object, expected: str) -> None:
    assert one({"type": "article", "title": "T", "issued": issued}).published == expected


@pytest.mark.parametrize(
    "item",
    [
        {"URL": "https://arxiv.org/abs/2101.00001v3"},
        {"DOI": "10.48550/arXiv.2101.00001"},
        {"number": "arXiv:2101.00001"},
        {"number": "2101.00001", "publisher": "arXiv"},
        {"archive": "arXiv", "archive_location": "2101.00001"},
        {"extra": "Citation Key: x\narXiv: 2101.00001"},
        {"extra": ["arXiv: 2101.00001"]},
        {"note": "arXiv: 2101.00001"},
    ],
)
def test_arxiv_id_sources(item: dict) -> None:
    assert one({"type": "article", "title": "T", **item}).arxiv_id == "2101.00001"


def test_bare_number_is_not_an_arxiv_id_outside_arxiv() -> None:
    assert one({"type": "report", "title": "T", "number": "2101.00001"}).arxiv_id is None


def test_names_in_every_shape_keep_byline_order() -> None:
    csl = one(
        {
            "type": "article",
            "title": "T",
            "author": [
                {"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
                {"literal": "The Consortium"},
                {"family": "Solo"},
            ],
        }
    )
    assert csl.authors == ("Ludwig van Beethoven", "The Consortium", "Solo")
    zotero = one(
        {
            "itemType": "book",
            "title": "T",
            "creators": [
                {"creatorType": "editor", "firstName": "E", "lastName": "Ditor"},
                {"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"},
                {"creatorType": "author", "name": "ACME Lab"},
            ],
        }
    )
    assert zotero.authors == ("Ada Lovelace", "ACME Lab")
    assert zotero.extra["editors"] == ["E Ditor"]


def test_tags_keywords_and_venues() -> None:
    record = one({"type": "article", "title": "T", "keyword": "graphs, learning; GNN", "container-title": "J"})
    assert (record.tags, record.venue) == (("graphs", "learning", "GNN"), "J")
    zotero = one({"itemType": "conferencePaper", "title": "T", "proceedingsTitle": "Proc. X", "tags": [{"tag": "a"}]})
    assert (zotero.tags, zotero.venue) == (("a",), "Proc. X")


def test_notes_and_attachments_are_not_papers() -> None:
    data = {"config": {}, "items": [{"itemType": "note", "note": "x"}, {"itemType": "book", "title": "Kept"}]}
    [record] = parse_bytes(IMPORTER, json.dumps(data).encode())
    assert (record.title, record.position) == ("Kept", 2)


def test_item_without_title_is_named() -> None:
    data = [{"type": "book", "title": "A"}, {"type": "book", "title": "B"}, {"type": "book", "author": []}]
    records, [reject] = records_and_rejects(IMPORTER, json.dumps(data).encode(), "refs.json")
    assert len(records) == 2
    assert (reject.position, reject.reason) == (3, "item has no title")


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["csl-26-items.csl.json", "zotero-bbt-12-ml-items.json"])
def test_truncated_file(name: str) -> None:
    path = realdata(f"csl_json/{name}")
    data = path.read_bytes()
    records, error = parse_until_error(IMPORTER, data[: len(data) // 2], str(path))
    assert 0 < len(records) < 26
    assert error.entry == len(records) + 1


@pytest.mark.realdata
def test_invalid_utf8() -> None:
    path = realdata("csl_json/csl-26-items.csl.json")
    data, line = insert_bad_byte(path.read_bytes(), b'"title": "', occurrence=10)
    _, error = parse_until_error(IMPORTER, data, str(path))
    assert error.line == line
    assert str(error).startswith(f"{path}:{line}: not UTF-8")


@pytest.mark.parametrize(
    ("data", "message"),
    [(b'{"config": {}}', "'items'"), (b'"text"', "expected a JSON array")],
)
def test_wrong_shapes(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_bytes(IMPORTER, data)


def test_an_item_that_is_not_an_object_is_rejected() -> None:
    reject = only_reject(IMPORTER, b'[[1], {"type": "book", "title": "A"}]')
    assert reject.position == 1 and "expected an item object" in reject.reason


def test_is_streamed() -> None:
    item = json.dumps({"type": "article-journal", "title": "T", "abstract": "x" * 500}).encode()
    stream = CountingStream(json_array_chunks(item for _ in range(20_000)))
    assert next(csl_json.parse(stream, "big.json")).title == "T"
    assert not stream.exhausted
    assert stream.bytes_read < 1_000_000
