"""Field helpers every format shares: text values as dumps give them, and dump lines as UTF-8 text.
Identifiers and dates have their own homes (rules/normalize.py, importers/dates.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from corpus_db.model import ParseError
from corpus_db.rules.normalize import fold_spaces

_BOM = "\ufeff"


def clean_text(value: object) -> str | None:
    """A text field with its white space folded (dumps hard-wrap and pad them); blank, missing or not
    text at all is None. Numbers count as text: some exports write a title or a volume as one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return fold_spaces(value) or None


def text_lines(fh: BinaryIO, path: str) -> Iterator[tuple[int, str]]:
    """Every line of a UTF-8 dump with its 1-based number, line ending kept, the BOM of the first line
    dropped; a line that is not UTF-8 is an error naming it."""
    for number, raw in enumerate(fh, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"not UTF-8 text ({exc.reason} at byte {exc.start} of the line)"
            raise ParseError(path, reason, line=number) from None
        yield number, line.removeprefix(_BOM) if number == 1 else line


def without_final_stop(title: str | None) -> str | None:
    """A title without the full stop that catalogues (dblp, MEDLINE) add to every title; an ellipsis, a
    '?' or a '!' is the author's and stays."""
    if title and title.endswith(".") and not title.endswith(".."):
        return title[:-1].rstrip() or title
    return title
