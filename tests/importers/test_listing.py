import io
from pathlib import Path

import pytest

from corpus_db.importers import detect_format
from corpus_db.importers.listing import parse
from corpus_db.model import ParseError
from tests.paths import SEEDS

SEED_COUNTS = {"000": 119, "001": 102, "002": 88, "003": 101}


def records(text: str, name: str = "dump.txt") -> list:
    return list(parse(io.BytesIO(text.encode("utf-8")), name))


@pytest.mark.parametrize("prefix", sorted(SEED_COUNTS))
def test_each_seed_parses_to_its_record_count(prefix: str) -> None:
    [path] = SEEDS.glob(f"{prefix}_*.txt")
    with path.open("rb") as fh:
        assert detect_format(fh.read(4096), str(path)).name == "listing"
        fh.seek(0)
        parsed = list(parse(fh, str(path)))
    assert len(parsed) == SEED_COUNTS[prefix]
    assert all(r.title and r.abstract and r.line for r in parsed)
    assert [r.position for r in parsed] == list(range(1, len(parsed) + 1))


def test_subscribe_glued_to_the_first_title_is_chrome() -> None:
    [path] = SEEDS.glob("000_*.txt")
    first = next(parse(path.open("rb"), str(path)))
    assert first.title == "Multi-Granularity Language-Guided Training for Multi-Object Tracking"
    assert first.line == 3
    assert first.listed_on is None


def test_chrome_and_date_line_with_blank_lines_between_records() -> None:
    text = (
        "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"
        "Jun 6\n\nFirst Title\n\nFirst abstract.\n\nSecond Title\n\nSecond abstract.\n"
    )
    parsed = records(text)
    assert [(r.title, r.abstract, r.line, r.listed_on) for r in parsed] == [
        ("First Title", "First abstract.", 11, "Jun 6"),
        ("Second Title", "Second abstract.", 15, "Jun 6"),
    ]
    assert parsed[0].raw == "First Title\nFirst abstract."


def test_long_abstracts_are_flagged_as_cut_short() -> None:
    parsed = records("T1\n" + "x" * 1850 + ".\nT2\nA short abstract.\n")
    assert [r.abstract_truncated for r in parsed] == [True, False]


def test_title_without_abstract_is_an_error_naming_the_line() -> None:
    with pytest.raises(ParseError, match=r"dump.txt:3: title 'Dangling' has no abstract"):
        records("T1\nA1.\nDangling\n")


def test_a_missing_title_is_an_error_naming_the_line() -> None:
    with pytest.raises(ParseError, match=r"dump.txt:3: expected a title line"):
        records("T1\nA1.\n" + "An abstract without its title. " * 20 + "\nNext title\n")


def test_invalid_utf8_is_an_error_naming_the_line(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"bad.txt:2: not UTF-8"):
        list(parse(io.BytesIO(b"Title\n\xff\xfe abstract\n"), "bad.txt"))
