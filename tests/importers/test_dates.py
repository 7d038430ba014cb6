"""Dates as dumps write them → ISO as far as known."""

from __future__ import annotations

import pytest

from corpus_db.importers.dates import from_parts, iso_day, loose


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2019-06-12", "mdy", "2019-06-12"),
        ("2019/06/12", "mdy", "2019-06-12"),
        ("2019/06", "mdy", "2019-06"),
        ("2019", "mdy", "2019"),
        ("6/12/2019", "mdy", "2019-06-12"),
        ("6/12/2019", "dmy", "2019-12-06"),
        ("25/12/2019", "mdy", "2019-12-25"),  # a first number over 12 can only be the day
        ("06/2019", "mdy", "2019-06"),
        ("June 2019", "mdy", "2019-06"),
        ("12 June 2019", "mdy", "2019-06-12"),
        ("Sept. 3, 2019", "mdy", "2019-09-03"),
        ("Spring 2019", "mdy", "2019"),
        ("2019-00-00", "mdy", "2019"),
        ("2020-07-16T10:00:00Z", "mdy", "2020-07-16"),
        ("", "mdy", None),
        ("n.d.", "mdy", None),
        (None, "mdy", None),
        (2004, "mdy", "2004"),
    ],
)
def test_loose(text: object, order: str, expected: str | None) -> None:
    assert loose(text, order) == expected


def test_from_parts_takes_strings_and_ints() -> None:
    assert from_parts(["2004"]) == "2004"
    assert from_parts(["2016", 6, 1]) == "2016-06-01"
    assert from_parts([2016, 6]) == "2016-06"
    assert from_parts(["spring"]) is None
    assert from_parts([]) is None


def test_iso_day() -> None:
    assert iso_day("2024-05-24T17:34:15.000Z") == "2024-05-24"
    assert iso_day("yesterday") is None
    assert iso_day(None) is None
