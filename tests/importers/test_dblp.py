"""dblp.xml excerpts: entities without a DOCTYPE, glued records, person pages kept out, streaming."""

from __future__ import annotations

import io
import re
from collections import Counter
from html.entities import name2codepoint

import pytest

from corpus_db.importers import dblp
from corpus_db.model import ParseError, Rejected
from tests.importers.graph_support import papers, parse_path
from tests.importers.support import CountingStream
from tests.paths import realdata


def test_series_sample_without_doctype_resolves_its_entities() -> None:
    records = papers(parse_path(dblp.IMPORTER, realdata("dblp/dblp-sample-series-cogtech.xml")))
    assert len(records) == 1288
    assert Counter(r.extra["type"] for r in records) == {"incollection": 1144, "book": 144}
    first = records[0]
    assert (first.dblp_key, first.title, first.doi, first.published, first.venue, first.line) == (
        "series/cogtech/Zancanaro12", "Shared Interfaces for Co-located Interaction", "10.1007/978-3-642-27663-7_5",
        "2012", "Ubiquitous Display Environments", 3,
    )
    names = {name for r in records for name in r.authors}
    assert "André Berton" in names and not any("&" in name for name in names)
    assert sum(1 for r in records for name in r.authors if re.search(r" \d{4}$", name)) >= 14


def test_glued_records_with_doctype() -> None:
    records = papers(parse_path(dblp.IMPORTER, realdata("dblp/dblp-head-reference-vision.xml")))
    assert len(records) == 131
    assert sum(not r.authors for r in records) == 76
    assert sum(len(r.extra.get("orcids", {})) for r in records) == 4


def test_the_declared_entities_are_those_of_dblp_dtd() -> None:
    dtd = realdata("dblp/dblp.dtd").read_text(encoding="latin-1")
    declared = dict(re.findall(r'<!ENTITY\s+(\w+)\s+"&#(\d+);"', dtd))
    assert declared and all(name2codepoint[name] == int(code) for name, code in declared.items())


DOC = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<dblp>
<www key="homepages/s/JaneSmith"><author>Jane Smith</author><title>Home Page</title></www>
<article key="journals/corr/abs-1512-03385" mdate="2018-08-13"><author>Kaiming He</author>
<title>Deep Residual Learning for Image Recognition.</title><journal>CoRR</journal><volume>abs/1512.03385</volume>
<year>2015</year><ee type="oa">http://arxiv.org/abs/1512.03385</ee></article>
<inproceedings key="conf/x/NoTitle"><author>Nobody</author><year>2020</year></inproceedings>
<inproceedings key="conf/cvpr/HeZRS16"><author>Kaiming He</author>
<title>Deep Residual Learning for Image Recognition.</title>
<booktitle>CVPR</booktitle><year>2016</year><month>June</month><ee>https://doi.org/10.1109/CVPR.2016.90</ee>
<title-extra/></inproceedings>
<phdthesis key="phd/Caf\xe9"><author>Ren\xe9 Caf&eacute;</author>
<title>On <i>italic</i> Things.</title><year>1999</year></phdthesis>
</dblp>
"""


def test_person_pages_are_not_papers_and_a_record_without_title_is_rejected() -> None:
    items = list(dblp.parse(io.BytesIO(DOC), "dblp.xml"))
    assert [type(i).__name__ for i in items] == ["PaperRecord", "Rejected", "PaperRecord", "PaperRecord"]
    corr, bad, cvpr, thesis = items
    assert (corr.arxiv_id, corr.doi, corr.dblp_key) == ("1512.03385", None, None)
    assert corr.extra["dblp_key"] == "journals/corr/abs-1512-03385"  # the preprint's record: see dblp.py
    assert isinstance(bad, Rejected) and bad.position == 3 and "conf/x/NoTitle" in bad.reason
    assert (cvpr.doi, cvpr.published, cvpr.venue) == ("10.1109/cvpr.2016.90", "2016-06", "CVPR")
    assert (thesis.title, thesis.authors) == ("On italic Things", ("René Café",))


def test_a_broken_file_names_its_line() -> None:
    with pytest.raises(ParseError) as caught:
        list(dblp.parse(io.BytesIO(DOC.replace(b"</article>", b"</articel>")), "dblp.xml"))
    assert caught.value.line == 6 and "dblp.xml:6" in str(caught.value)


def test_streams() -> None:
    record = b'<article key="journals/x/A%d"><author>A</author><title>T %d.</title><year>2000</year></article>\n'

    def chunks():
        yield b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<dblp>\n'
        for n in range(200_000):
            yield record % (n, n)
        yield b"</dblp>\n"

    stream = CountingStream(chunks())
    first = next(dblp.parse(io.BufferedReader(stream), "big.xml"))  # type: ignore[arg-type]
    assert first.dblp_key == "journals/x/A0" and stream.bytes_read < 1_000_000 and not stream.exhausted


def test_an_entity_no_dtd_declares_stays_as_written() -> None:
    data = b'<dblp><article key="a/b/C"><title>X &bogus; Y &ouml;.</title></article></dblp>'
    [record] = list(dblp.parse(io.BytesIO(data), "dblp.xml"))
    assert record.title == "X &bogus; Y \u00f6"
