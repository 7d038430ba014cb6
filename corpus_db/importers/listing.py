"""Listing pages of trending papers saved as text: a title line, an abstract line, repeated,
with page chrome (subscribe boxes, a byline, a date) around them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from corpus_db.importers._fields import text_lines
from corpus_db.importers.base import Importer
from corpus_db.model import PaperRecord, ParseError
from corpus_db.rules.normalize import clean_title, fold_spaces

_CHROME = re.compile(
    r"^(?:new|subscribe|get trending papers in your email inbox.*|by\s*ak and the research community)$",
    re.IGNORECASE,
)
_LISTING_DATE = re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}(?:, \d{4})?$")
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")

# The site cuts abstracts to fit a card of about 1,900 characters, at a sentence end; an abstract this
# long may have lost its tail, so it is flagged and any full abstract from another source wins.
TRUNCATION_THRESHOLD = 1800
MAX_TITLE_LENGTH = 400


def sniff(head: bytes, path: str) -> bool:
    """A listing dump is text whose opening lines carry the site's chrome."""
    text = head[:4096].decode("utf-8", errors="ignore").lower()
    return "get trending papers" in text or "research community" in text


def _content_lines(fh: BinaryIO, path: str) -> Iterator[tuple[int, str]]:
    """Non-blank, non-chrome lines with their 1-based line numbers; a listing date is yielded as-is."""
    for number, text in text_lines(fh, path):
        line = text.strip()
        if not line or _CHROME.match(line):
            continue
        yield number, _GLUED_SUBSCRIBE.sub("", line)


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord]:
    """Yield one record per title/abstract pair; a title with no abstract after it is an error."""
    listed_on: str | None = None
    position = 0
    pending: tuple[int, str] | None = None
    for number, line in _content_lines(fh, path):
        if pending is None and _LISTING_DATE.match(line):
            listed_on = line
            continue
        if pending is None:
            if len(line) > MAX_TITLE_LENGTH:
                raise ParseError(
                    path, f"expected a title line, found {len(line)} characters of text (a missing title?)", line=number
                )
            pending = (number, line)
            continue
        title_line, title = pending
        pending = None
        position += 1
        abstract = fold_spaces(line)
        yield PaperRecord(
            title=clean_title(title),
            position=position,
            line=title_line,
            raw=f"{title}\n{line}",
            abstract=abstract,
            abstract_truncated=len(abstract) >= TRUNCATION_THRESHOLD,
            listed_on=listed_on,
        )
    if pending is not None:
        raise ParseError(path, f"title {pending[1][:60]!r} has no abstract line after it", line=pending[0])


IMPORTER = Importer(
    name="listing",
    description="Text saved from a trending-papers listing page: title line, abstract line, repeated.",
    sniff=sniff,
    parse=parse,
)
