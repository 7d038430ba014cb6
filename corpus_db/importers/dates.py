"""Dates as dumps write them, turned into ISO 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' as far as they are known."""

from __future__ import annotations

import re

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:$|[T\s])")
_NUMERIC_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_NUMERIC_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_WORD = re.compile(r"[a-z]+")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_DAY = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")


def iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """An ISO date string for the parts that are known and plausible, else None."""
    if not 1000 <= year <= 2999:
        return None
    if month is None or not 1 <= month <= 12:
        return f"{year:04d}"
    if day is None or not 1 <= day <= 31:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def iso_day(timestamp: object) -> str | None:
    """The calendar date of an ISO timestamp such as '2024-05-24T17:34:15.000Z', as written (UTC)."""
    if not isinstance(timestamp, str):
        return None
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", timestamp.strip())
    return iso(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def from_parts(parts: list[object]) -> str | None:
    """A CSL `date-parts` entry like [2016, 6, 1] or ['2004'] (parts may be strings)."""
    numbers: list[int] = []
    for part in parts[:3]:
        text = str(part).strip()
        if not text.isdigit():
            break
        numbers.append(int(text))
    if not numbers:
        return None
    return iso(*numbers)


def month_number(text: str) -> int | None:
    """A month as a field gives it: 'jun', 'June', 'sept' or '6'; None when it is none of these."""
    value = text.strip().lower()
    if value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else None
    return _MONTHS.get(value) or _MONTHS.get(value[:3])


def year_month(year: str, month: str) -> str | None:
    """Separate year and month fields (BibTeX's year = 2019, month = jun): 'YYYY-MM', or 'YYYY' when the
    month is missing or unreadable; None without a year."""
    found = _YEAR.search(year)
    if found is None:
        return None
    number = month_number(month)
    return iso(int(found.group(1)), number) if number else iso(int(found.group(1)))


def loose(text: object, order: str = "mdy") -> str | None:
    """A date typed by a person or a reference manager: '2019-06-12', '2019/06', '6/12/2019', 'June 2019',
    '12 June 2019'. `order` says how an all-numeric day/month/year reads ('mdy' in the US, 'dmy' elsewhere)."""
    if isinstance(text, int):
        return iso(text)
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    if match := _ISO.match(value):
        year, month, day = (int(group) if group else None for group in match.groups())
        return iso(year or 0, month, day)
    if match := _NUMERIC_DMY.match(value):
        first, second, year = (int(group) for group in match.groups())
        month, day = (second, first) if order.startswith("d") or first > 12 else (first, second)
        return iso(year, month, day)
    if match := _NUMERIC_MY.match(value):
        return iso(int(match.group(2)), int(match.group(1)))
    year_match = _YEAR.search(value)
    if year_match is None:
        return None
    year = int(year_match.group(1))
    month = next((_MONTHS[word] for word in _WORD.findall(value.lower()) if word in _MONTHS), None)
    if month is None:
        return iso(year)
    rest = value[: year_match.start()] + " " + value[year_match.end() :]
    day_match = _DAY.search(rest)
    return iso(year, month, int(day_match.group(1)) if day_match else None)


def slashed(text: object) -> str | None:
    """A RIS date, 'YYYY/MM/DD/other' with any part empty ('2019///', '2014/05//'), else as loose()."""
    if not isinstance(text, str) or not text.strip():
        return None
    parts = text.strip().split("/")
    if len(parts) > 1 and re.fullmatch(r"\d{4}", parts[0]):
        numbers: list[object] = []
        for part in parts[:3]:
            if not part.strip().isdigit():
                break
            numbers.append(part.strip())
        return from_parts(numbers)
    return loose(text)
