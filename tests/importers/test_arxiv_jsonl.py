"""The Kaggle arXiv snapshot importer against the real first 200 lines and broken copies of them."""

from __future__ import annotations

import io
import json
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_db.importers import FORMATS, arxiv_jsonl
from corpus_db.model import ParseError
from tests.importers.support import (
    all_sample_files,
    first_record_read,
    head,
    only_reject,
    parse_bytes,
    parse_file,
    records_and_rejects,
)
from tests.paths import realdata

SNAPSHOT = "arxiv/kaggle-snapshot-first200.jsonl"
IMPORTER = arxiv_jsonl.IMPORTER


def test_registered() -> None:
    assert FORMATS["arxiv-jsonl"] is IMPORTER


def test_counts_every_line() -> None:
    records = parse_file(IMPORTER, realdata(SNAPSHOT))
    assert len(records) == 200
    assert [r.position for r in records] == list(range(1, 201))
    assert [r.line for r in records] == list(range(1, 201))
    assert all(r.arxiv_id and r.title and r.published for r in records)


def test_first_record_field_by_field() -> None:
    path = realdata(SNAPSHOT)
    record = parse_file(IMPORTER, path)[0]
    assert record.arxiv_id == "0704.0001"
    # The title is wrapped in the dump ("...Tevatron and\n  LHC energies").
    assert record.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    # authors_parsed is decoded where `authors` has TeX (Bal\'azs).
    assert record.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert record.doi == "10.1103/physrevd.76.013009"
    assert record.published == "2007-04-02"  # v1 created, "Mon, 2 Apr 2007 19:18:42 GMT"
    assert record.tags == ("hep-ph",)
    assert record.abstract is not None
    assert record.abstract.startswith(
        "A fully differential calculation in perturbative quantum chromodynamics is presented"
    )
    assert "\n" not in record.abstract and "  " not in record.abstract
    assert record.raw == path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert record.extra["journal_ref"] == "Phys.Rev.D76:013009,2007"
    assert record.extra["comments"] == "37 pages, 15 figures; published version"
    assert record.extra["report_no"] == "ANL-HEP-PR-07-12"
    assert record.extra["updated"] == "2008-11-26"
    assert record.extra["version"] == "v2"
    assert record.extra["versions"] == [
        {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
        {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
    ]
    assert "license" not in record.extra  # null in the dump


def test_multiple_categories_become_tags_and_null_doi_is_none() -> None:
    record = parse_file(IMPORTER, realdata(SNAPSHOT))[1]
    assert record.arxiv_id == "0704.0002"
    assert record.tags == ("math.CO", "cs.CG")
    assert record.doi is None
    assert record.published == "2007-03-31"
    assert record.extra["license"] == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def _line(**changes: object) -> bytes:
    obj: dict[str, object] = {
        "id": "math/0611918v2",
        "title": "Old\n  style",
        "authors_parsed": [["Last", "First", "Jr."]],
        "versions": [{"version": "v1", "created": "Thu, 30 Nov 2006 10:00:00 GMT"}],
        "update_date": "2007-01-01",
        "categories": "math.AG",
    }
    obj.update(changes)
    return json.dumps(obj).encode() + b"\n"


def test_old_style_id_and_suffix() -> None:
    [record] = parse_bytes(IMPORTER, _line())
    assert record.arxiv_id == "math/0611918"
    assert record.title == "Old style"
    assert record.authors == ("First Last Jr.",)
    assert record.published == "2006-11-30"


def test_blank_lines_are_skipped_but_counted() -> None:
    records = parse_bytes(IMPORTER, b"\n" + _line() + b"\n" + _line(id="0704.0001"))
    assert [(r.position, r.line) for r in records] == [(1, 2), (2, 4)]


def test_truncated_file_names_the_cut_line() -> None:
    data = realdata(SNAPSHOT).read_bytes()
    cut = data[: len(data) // 2]
    assert not cut.endswith(b"\n")
    with pytest.raises(ParseError) as caught:
        parse_bytes(IMPORTER, cut, "snap.jsonl")
    assert caught.value.line == cut.count(b"\n") + 1
    assert str(caught.value).startswith(f"snap.jsonl:{caught.value.line}: the file ends in the middle of a record")


def test_invalid_utf8_rejects_that_line_only() -> None:
    lines = realdata(SNAPSHOT).read_bytes().split(b"\n")
    lines[6] = lines[6][:20] + b"\xff" + lines[6][20:]
    records, [reject] = records_and_rejects(IMPORTER, b"\n".join(lines), "snap.jsonl")
    assert "not UTF-8" in reject.reason and reject.line == 7
    assert len(records) == len([line for line in lines if line.strip()]) - 1


def test_a_mangled_line_costs_only_itself() -> None:
    reject = only_reject(IMPORTER, _line() + b'{"id": "2402.0787\n' + _line(), "snap.jsonl")
    assert "invalid JSON" in reject.reason and reject.line == 2 and reject.excerpt.startswith('{"id"')


def test_missing_title_is_rejected_naming_the_line() -> None:
    reject = only_reject(IMPORTER, _line() + _line(title="  "), "snap.jsonl")
    assert "has no title" in reject.reason and reject.line == 2
    obj = json.loads(_line())
    del obj["title"]
    assert "has no title" in only_reject(IMPORTER, json.dumps(obj).encode() + b"\n").reason


def test_not_an_object_or_not_an_id() -> None:
    assert "expected a JSON object" in only_reject(IMPORTER, b"[1, 2]\n").reason
    assert "not an arXiv id" in only_reject(IMPORTER, _line(id="nope")).reason


def test_streams_first_record_before_reading_everything() -> None:
    record, read, size = first_record_read(IMPORTER, realdata(SNAPSHOT))
    assert record.arxiv_id == "0704.0001"
    assert read < size // 4


@pytest.mark.parametrize("sample", all_sample_files(), ids=lambda p: p.name)
def test_sniffer_accepts_only_the_snapshot(sample: Path) -> None:
    assert IMPORTER.sniff(head(sample), str(sample)) == sample.name.endswith("kaggle-snapshot-first200.jsonl")


def test_skim_is_split_with_known_lines_as_tokens() -> None:
    """Every line split makes a record of, whose text the recogniser knows, comes out of skim as its
    token, in the same place; everything else as split gives it (a BOM, blank and space-only lines, a line
    that is not UTF-8, CR LF endings, a last line without a line break)."""
    lines = realdata(SNAPSHOT).read_text(encoding="utf-8").splitlines()[:5]
    body = (
        b"\xef\xbb\xbf" + lines[0].encode() + b"\r\n" + b"\n   \n" + "\u00a0\u2003".encode() + b"\n"
        + lines[1].encode() + b"\n" + b"\xff not utf-8\n" + lines[2].encode() + b"\n" + lines[3].encode() + b"\n"
        + lines[4].encode()
    )
    known = {lines[0], lines[2], lines[4]}  # the last one has no line break: split's way all the same

    def recognise(block: list[bytes]) -> list[object]:
        return [("known", data) if data.decode("utf-8", "replace") in known else None for data in block]

    split = list(arxiv_jsonl.split(io.BytesIO(body), "s.jsonl"))
    skimmed = list(arxiv_jsonl.skim(io.BytesIO(body), "s.jsonl", recognise))
    assert len(split) == len(skimmed) == 6
    for raw, item in zip(split, skimmed, strict=True):
        if getattr(raw, "text", None) in known and raw.line != 9:
            assert item == ("known", raw.text.encode())
        else:
            assert item == raw
    assert [getattr(r, "position", None) for r in split] == [1, 2, 3, 4, 5, 6]


def _email_date(created: str) -> str | None:
    try:
        return parsedate_to_datetime(created).date().isoformat()
    except (TypeError, ValueError, OverflowError):
        return None


def test_a_version_date_whose_clock_overflows_is_no_date() -> None:
    """make fuzz found it: email.utils raised OverflowError for a minute of 4444444446, which failed the
    whole dump instead of leaving one paper without a date."""
    assert arxiv_jsonl._rfc822_date("Sun, 1 Apr 2007 20:4444444446:54 GMT") is None
    assert arxiv_jsonl._rfc822_date("Sun, 1 Apr 2007 20:44:54 GMT") == "2007-04-01"


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["Mon", "Tue", "Sun", "mon", "XYZ"]), st.integers(0, 40),
    st.sampled_from(["Jan", "Feb", "Apr", "Sep", "Dec", "Foo", "jan", "JAN"]), st.integers(0, 9999),
    st.sampled_from(["19:18:42", "00:00:00", "23:59:59", "25:61:61", "24:00:00", "12:60:00", "12:00:60", "1:2:3"]),
    st.sampled_from(["GMT", "+0500", "UT", ""]),
)
def test_version_dates_read_as_email_utils_reads_them(
    weekday: str, day: int, month: str, year: int, clock: str, zone: str
) -> None:
    for created in (f"{weekday}, {day} {month} {year:04d} {clock} {zone}",
                    f"{weekday}, {day:02d} {month} {year} {clock} {zone}"):
        assert arxiv_jsonl._rfc822_date(created) == _email_date(created), created
