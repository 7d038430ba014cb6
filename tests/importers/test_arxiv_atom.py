"""The arXiv API Atom importers: a plain feed, a saved {url, status_code, body} response, and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_db.importers import FORMATS, arxiv_atom
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

FEED = "arxiv/atom-au-del_maestro.xml"
WRAPPED = "arxiv/atom-wrapped-q_testing.json"
ERROR = "arxiv/atom-wrapped-error-400.json"
ATOM = arxiv_atom.IMPORTER
JSON = arxiv_atom.WRAPPED_IMPORTER

ENTRY = """  <entry>
    <id>{id}</id>
    <published>2012-01-23T21:15:02Z</published>
    {title}
    <summary>Error text or abstract</summary>
    <author><name>Someone</name></author>
  </entry>"""


def _feed(*entries: str) -> bytes:
    body = "\n".join(entries)
    return f'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n{body}\n</feed>\n'.encode()


def _entry(ident: str = "http://arxiv.org/abs/1201.4869v3", title: str = "<title>A\n  title</title>") -> str:
    return ENTRY.format(id=ident, title=title)


def test_registered() -> None:
    assert FORMATS["arxiv-atom"] is ATOM
    assert FORMATS["arxiv-atom-json"] is JSON


def test_feed_counts_and_old_style_id() -> None:
    records = parse_file(ATOM, realdata(FEED))
    assert len(records) == 10
    record = records[1]
    assert record.arxiv_id == "cond-mat/0412498"  # from http://arxiv.org/abs/cond-mat/0412498v1
    assert record.extra["version"] == "v1"
    assert record.title == "Thermal melting of density waves on the square lattice"
    assert record.authors == ("Adrian Del Maestro", "Subir Sachdev")
    assert record.doi == "10.1103/physrevb.71.184511"
    assert record.published == "2004-12-19"
    assert record.tags == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert record.extra["primary_category"] == "cond-mat.str-el"
    assert record.extra["journal_ref"] == "Physical Review B 71, 184511 (2005)"
    assert record.extra["comments"] == "12 pages, 5 figures"
    assert record.abstract is not None and record.abstract.startswith("We present the theory of the effect of thermal")
    assert '"p x p"' in record.abstract and "(p >= 3, integer)" in record.abstract  # &gt; decoded
    assert record.line == 49 and record.position == 2
    assert "<ns0:entry" in record.raw and "cond-mat/0412498v1" in record.raw


def test_feed_first_entry() -> None:
    record = parse_file(ATOM, realdata(FEED))[0]
    assert record.arxiv_id == "1201.4869"
    assert record.title == "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores"
    assert record.doi == "10.1142/s021797921244002x"
    assert record.tags == ("cond-mat.mes-hall", "cond-mat.other")
    assert record.extra["updated"] == "2012-01-23"


def test_wrapped_counts_and_a_record() -> None:
    records = parse_file(JSON, realdata(WRAPPED))
    assert len(records) == 100
    assert all(r.line is None for r in records)  # lines of the body are not lines of the file
    record = records[0]
    assert record.arxiv_id == "2202.12139"
    assert record.title == "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    assert record.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
    assert record.doi == "10.1109/icstw55395.2022.00035"
    assert record.tags == ("cs.SE", "cs.LG")
    assert record.published == "2022-02-24"
    assert record.extra["comments"] == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"


def test_wrapped_body_read_as_latin1_is_repaired() -> None:
    records = {r.arxiv_id: r for r in parse_file(JSON, realdata(WRAPPED))}
    assert records["2405.13786"].authors[:3] == ("Aurora Ramírez", "Mario Berrios", "José Raúl Romero")


def test_wrapped_error_feed_raises_with_status_and_message() -> None:
    path = realdata(ERROR)
    with pytest.raises(ParseError) as caught:
        parse_file(JSON, path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "400" in message and "incorrect id format for abc" in message


def test_wrapped_error_entry_with_status_200_still_raises() -> None:
    body = _feed(_entry("https://arxiv.org/api/errors#bad", "<title>Error</title>")).decode()
    data = json.dumps({"url": "https://export.arxiv.org/api/query?id_list=x", "status_code": 200, "body": body})
    with pytest.raises(ParseError, match="HTTP 200 with an error: Error text or abstract"):
        parse_bytes(JSON, data.encode())


def test_plain_error_feed_raises() -> None:
    body = json.loads(realdata(ERROR).read_text(encoding="utf-8"))["body"].encode()
    with pytest.raises(ParseError, match="arXiv API error: incorrect id format for abc") as caught:
        parse_bytes(ATOM, body, "error.xml")
    assert caught.value.line == 9


def test_wrapped_json_problems() -> None:
    data = realdata(WRAPPED).read_bytes()
    with pytest.raises(ParseError, match="invalid JSON") as caught:
        parse_bytes(JSON, data[: len(data) // 2])
    assert caught.value.line == 4
    with pytest.raises(ParseError, match="not UTF-8"):
        parse_bytes(JSON, data.replace(b"Testing Deep", b"Testing \xff Deep", 1))
    with pytest.raises(ParseError, match="string `body`"):
        parse_bytes(JSON, b'{"url": "https://export.arxiv.org/api/query", "status_code": 200}')


def test_truncated_feed_names_a_line() -> None:
    data = realdata(FEED).read_bytes()
    cut = data[: len(data) // 2]
    with pytest.raises(ParseError, match="truncated XML") as caught:
        parse_bytes(ATOM, cut, "feed.xml")
    assert caught.value.line == cut.count(b"\n") + 1


def test_invalid_utf8_names_the_line() -> None:
    data = realdata(FEED).read_bytes().replace(b"A Luttinger", b"A \xc3Luttinger", 1)
    with pytest.raises(ParseError, match="not UTF-8") as caught:
        parse_bytes(ATOM, data, "feed.xml")
    assert caught.value.line == 14


def test_entry_without_title_is_rejected_naming_the_line() -> None:
    records, [reject] = records_and_rejects(ATOM, _feed(_entry(), _entry(title="<title> </title>")), "feed.xml")
    assert len(records) == 1 and "has no title" in reject.reason
    assert reject.line == 11  # the first entry spans lines 3-10


def test_wrapped_title_and_version_dropped() -> None:
    [record] = parse_bytes(ATOM, _feed(_entry()))
    assert record.title == "A title"
    assert record.arxiv_id == "1201.4869"
    assert record.extra["version"] == "v3"


def test_streams_first_record_before_reading_everything(tmp_path: Path) -> None:
    # The real feed is smaller than one read; repeat its entries to make a dump worth streaming.
    data = realdata(FEED).read_bytes()
    start, end = data.index(b"  <entry>"), data.index(b"</feed>")
    big = tmp_path / "big-feed.xml"
    big.write_bytes(data[:start] + data[start:end] * 50 + data[end:])
    record, read, size = first_record_read(ATOM, big)
    assert record.arxiv_id == "1201.4869"
    assert read < size // 4
    assert len(parse_file(ATOM, big)) == 500


@pytest.mark.parametrize("sample", all_sample_files(), ids=lambda p: p.name)
def test_atom_sniffer_accepts_only_feeds(sample: Path) -> None:
    assert ATOM.sniff(head(sample), str(sample)) == (sample.name == "atom-au-del_maestro.xml")


@pytest.mark.parametrize("sample", all_sample_files(), ids=lambda p: p.name)
def test_wrapped_sniffer_accepts_only_saved_responses(sample: Path) -> None:
    expected = sample.name in ("atom-wrapped-q_testing.json", "atom-wrapped-error-400.json")
    assert JSON.sniff(head(sample), str(sample)) == expected
