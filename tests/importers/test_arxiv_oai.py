"""The arXiv OAI-PMH importer against a real 1000-record ListRecords page and broken variants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus_db.importers import FORMATS, arxiv_oai
from corpus_db.model import ParseError
from tests.importers.support import (
    all_sample_files,
    first_record_read,
    head,
    parse_bytes,
    parse_file,
    records_and_rejects,
)
from tests.paths import realdata

PAGE = "arxiv/oai-pmh-cs-page1.xml"
IMPORTER = arxiv_oai.IMPORTER

ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<request verb="ListRecords" metadataPrefix="arXiv" set="cs">http://export.arxiv.org/oai2</request>
<ListRecords>
{records}
<resumptionToken cursor="0" completeListSize="3">x|1001</resumptionToken>
</ListRecords>
</OAI-PMH>
"""
LIVE = """<record><header><identifier>oai:arXiv.org:{id}</identifier><datestamp>2008-01-01</datestamp></header>
<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{id}</id><created>2006-11-30</created>
<authors><author><keyname>Doe</keyname><forenames>J.</forenames><suffix>Jr</suffix></author></authors>
{title}<categories>math.AG cs.LG</categories><abstract>  Wrapped
abstract.
</abstract></arXiv></metadata></record>"""
DELETED = """<record><header status="deleted"><identifier>oai:arXiv.org:0704.9999</identifier>
<datestamp>2009-01-01</datestamp></header></record>"""


def _page(*records: str) -> bytes:
    return ENVELOPE.format(records="\n".join(records)).encode()


def _live(ident: str = "math/0611918", title: str = "<title>Old\n  style</title>") -> str:
    return LIVE.format(id=ident, title=title)


def test_registered() -> None:
    assert FORMATS["arxiv-oai"] is IMPORTER


def test_counts_every_record() -> None:
    records = parse_file(IMPORTER, realdata(PAGE))
    assert len(records) == 1000
    assert len({r.arxiv_id for r in records}) == 1000
    assert records[0].line == 6 and records[1].line == 28


def test_numeric_char_refs_doi_and_extra() -> None:
    records = {r.arxiv_id: r for r in parse_file(IMPORTER, realdata(PAGE))}
    record = records["0704.0062"]
    assert record.title == "On-line Viterbi Algorithm and Its Relationship to Random Walks"
    assert record.authors == ("Rastislav Šrámek", "Broňa Brejová", "Tomáš Vinař")  # &#x160;r&#xe1;mek
    assert record.doi == "10.1007/978-3-540-74126-8_23"
    assert record.published == "2007-03-31"
    assert record.tags == ("cs.DS",)
    assert record.extra["acm_class"] == "G.3; E.1; F.1.2; J.3"
    assert str(record.extra["journal_ref"]).startswith(
        "Algorithms in Bioinformatics: 7th International Workshop (WABI), 4645"
    )
    assert record.abstract is not None and "$\\Theta(m\\log n)$" in record.abstract and "\n" not in record.abstract
    assert record.raw.startswith("<ns0:record ") and "0704.0062" in record.raw


def test_first_record_field_by_field() -> None:
    record = parse_file(IMPORTER, realdata(PAGE))[0]
    assert record.arxiv_id == "0704.0002"
    assert record.position == 1
    assert record.title == "Sparsity-certifying Graph Decompositions"
    assert record.authors == ("Ileana Streinu", "Louis Theran")
    assert record.published == "2007-03-30"
    assert record.tags == ("math.CO", "cs.CG")
    assert record.doi is None
    assert record.extra == {
        "updated": "2008-12-13",
        "comments": "To appear in Graphs and Combinatorics",
        "msc_class": "05C85; 05C70; 68R10; 05B35",
        "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
        "datestamp": "2008-12-13",
    }


def test_affiliations_and_braced_letters() -> None:
    records = {r.arxiv_id: r for r in parse_file(IMPORTER, realdata(PAGE))}
    record = records["0704.0858"]
    assert record.authors[2] == "Mohamed Kaâniche"  # Ka{&#xe2;}niche in the dump
    assert record.extra["affiliations"][0] == {"name": "Eric Alata", "affiliations": ["LAAS"]}  # type: ignore[index]


def test_wrapped_title_old_style_id_and_deleted_records() -> None:
    records = parse_bytes(IMPORTER, _page(DELETED, _live()))
    [record] = records
    assert record.position == 2  # the deleted record keeps its place
    assert record.arxiv_id == "math/0611918"
    assert record.title == "Old style"
    assert record.abstract == "Wrapped abstract."
    assert record.authors == ("J. Doe Jr",)
    assert record.tags == ("math.AG", "cs.LG")


def test_oai_error_raises_but_no_records_match_is_empty() -> None:
    empty = b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="noRecordsMatch">none</error></OAI-PMH>'
    assert parse_bytes(IMPORTER, empty) == []
    bad = empty.replace(b"noRecordsMatch", b"badResumptionToken")
    with pytest.raises(ParseError, match="badResumptionToken"):
        parse_bytes(IMPORTER, bad)


def test_truncated_file_names_a_line() -> None:
    data = realdata(PAGE).read_bytes()
    cut = data[: len(data) // 2]
    with pytest.raises(ParseError, match="truncated XML") as caught:
        parse_bytes(IMPORTER, cut, "page.xml")
    assert caught.value.line == cut.count(b"\n") + 1
    assert str(caught.value).startswith(f"page.xml:{caught.value.line}:")


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(ParseError, match="invalid XML") as caught:
        parse_bytes(IMPORTER, _page(_live(), "<record><header></record>"))
    assert caught.value.line == 12  # the first record spans lines 5-11


def test_invalid_utf8_names_the_line() -> None:
    data = realdata(PAGE).read_bytes().replace(b"Streinu</keyname>", b"Strei\xffnu</keyname>", 1)
    with pytest.raises(ParseError, match="not UTF-8") as caught:
        parse_bytes(IMPORTER, data, "page.xml")
    assert caught.value.line == 14


def test_missing_title_is_rejected_naming_the_line() -> None:
    records, [reject] = records_and_rejects(IMPORTER, _page(_live(), _live("0704.0001", title="")), "page.xml")
    assert len(records) == 1 and re.search(r"0704\.0001 has no title", reject.reason)
    assert reject.line == 12  # where the second record starts


def test_wrong_root_is_an_error() -> None:
    with pytest.raises(ParseError, match="root element"):
        parse_bytes(IMPORTER, b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>')


def test_streams_first_record_before_reading_everything() -> None:
    record, read, size = first_record_read(IMPORTER, realdata(PAGE))
    assert record.arxiv_id == "0704.0002"
    assert read < size // 4


@pytest.mark.parametrize("sample", all_sample_files(), ids=lambda p: p.name)
def test_sniffer_accepts_only_oai_pages(sample: Path) -> None:
    assert IMPORTER.sniff(head(sample), str(sample)) == (sample.name == "oai-pmh-cs-page1.xml")
