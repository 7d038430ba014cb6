"""arXiv API responses: the Atom feed itself, or a saved HTTP response {url, status_code, body} around it.

An arXiv API error comes back as a feed whose one entry is the error (id under /api/errors, title
"Error"); that is a failed query, never a paper, so it raises.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, tostring

from corpus_db.importers._arxiv import authors_with_affiliations, split_id
from corpus_db.importers._fields import clean_text
from corpus_db.importers._xmlstream import element_excerpt, iter_elements
from corpus_db.importers.base import Importer, record_or_reject
from corpus_db.importers.dates import iso_day
from corpus_db.model import PaperRecord, ParseError, Rejected
from corpus_db.rules.normalize import clean_title, fold_spaces, normalize_doi

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"

_EXTRA_FIELDS = {"comment": "comments", "journal_ref": "journal_ref"}
_WRAPPED_URL = re.compile(rb'"url"\s*:\s*"https?://(?:export\.)?arxiv\.org/api/query')


def sniff(head: bytes, path: str) -> bool:
    """An Atom feed that an arXiv API query produced (XML, so not the JSON wrapper around one)."""
    return (
        head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
        and b"<feed" in head
        and b"http://www.w3.org/2005/Atom" in head
        and b"arxiv.org/" in head
    )


def sniff_wrapped(head: bytes, path: str) -> bool:
    """A JSON object whose url is an arXiv API query and which carries the response body."""
    return head.lstrip().startswith(b"{") and b'"body"' in head and _WRAPPED_URL.search(head) is not None


class _ApiError(Exception):
    """The feed is an arXiv API error report; carries its summary."""


class _NoTitle(Exception):
    """An entry without a title; carries which entry."""


def _authors(entry: Element) -> tuple[tuple[str, ...], list[dict[str, object]]]:
    return authors_with_affiliations(
        entry.iterfind(ATOM + "author"), lambda a: fold_spaces(a.findtext(ATOM + "name") or ""), ARXIV + "affiliation"
    )


def _record(entry: Element, line: int | None, position: int) -> PaperRecord:
    raw_id = (entry.findtext(ATOM + "id") or "").strip()
    title = entry.findtext(ATOM + "title") or ""
    if "/api/errors" in raw_id:
        raise _ApiError(clean_text(entry.findtext(ATOM + "summary")) or clean_title(title) or raw_id)
    if not title.strip():
        raise _NoTitle(f"entry {raw_id or position} has no title")
    arxiv_id, version = split_id(raw_id)
    authors, affiliations = _authors(entry)
    extra: dict[str, object] = {}
    if version:
        extra["version"] = version
    updated = iso_day(entry.findtext(ATOM + "updated"))
    if updated:
        extra["updated"] = updated
    for name, key in _EXTRA_FIELDS.items():
        value = clean_text(entry.findtext(ARXIV + name))
        if value:
            extra[key] = value
    primary = entry.find(ARXIV + "primary_category")
    if primary is not None and primary.get("term"):
        extra["primary_category"] = primary.get("term")
    if affiliations:
        extra["affiliations"] = affiliations
    if arxiv_id is None and raw_id:
        extra["id"] = raw_id
    tags = tuple(term for c in entry.iterfind(ATOM + "category") if (term := c.get("term")))
    return PaperRecord(
        title=clean_title(title),
        position=position,
        raw=tostring(entry, encoding="unicode"),
        line=line,
        abstract=clean_text(entry.findtext(ATOM + "summary")),
        arxiv_id=arxiv_id,
        doi=normalize_doi(entry.findtext(ARXIV + "doi")),
        authors=authors,
        published=iso_day(entry.findtext(ATOM + "published")),
        tags=tags,
        extra=extra,
    )


def _entries(fh: BinaryIO, path: str) -> Iterator[tuple[int, Element]]:
    return iter_elements(fh, path, roots=frozenset({ATOM + "feed"}), wanted=frozenset({ATOM + "entry"}))


def _record_or_reject(entry: Element, line: int | None, position: int, path: str) -> PaperRecord | Rejected:
    """The entry's record, or a Rejected for an entry without a title or nested too deeply; an API error
    entry raises _ApiError (the whole feed is an error, not one bad record)."""

    def build() -> PaperRecord:
        try:
            return _record(entry, line, position)
        except _NoTitle as exc:
            raise ParseError(path, str(exc), line=line) from None

    return record_or_reject(build, position=position, line=line, source=lambda: element_excerpt(entry))


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """One record per <entry>, streamed; an API error entry raises with its message."""
    for position, (line, entry) in enumerate(_entries(fh, path), start=1):
        try:
            yield _record_or_reject(entry, line, position, path)
        except _ApiError as exc:
            raise ParseError(path, f"arXiv API error: {exc}", line=line) from None


def _load_wrapper(fh: BinaryIO, path: str) -> tuple[int | None, str]:
    """The status code and Atom body of a saved response (one API page, so small enough to load)."""
    try:
        document = json.load(io.TextIOWrapper(fh, encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ParseError(path, f"not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ParseError(path, f"invalid JSON ({exc.msg} at column {exc.colno}); truncated?", line=exc.lineno) from None
    except RecursionError:
        raise ParseError(path, "invalid JSON: nested too deeply for a saved API response") from None
    if not isinstance(document, dict) or not isinstance(document.get("body"), str):
        raise ParseError(path, "expected a JSON object with a string `body` holding an arXiv Atom feed")
    status = document.get("status_code")
    return (status if isinstance(status, int) else None), _undo_latin1(document["body"])


def _undo_latin1(body: str) -> str:
    """Repair a body saved as UTF-8 bytes read as Latin-1 ("RamÃ\xadrez" for "Ramírez").

    HTTP clients fall back to Latin-1 when the API's content type names no charset; the saved
    fixtures show it. Text that is not such mojibake fails the round trip and is kept as it is.
    """
    try:
        return body.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return body


def _error_summary(body: str, path: str) -> str | None:
    """The message of the error entry in a failed query's body, if the body holds one."""
    try:
        for position, (_line, entry) in enumerate(_entries(io.BytesIO(body.encode("utf-8")), path), start=1):
            _record(entry, None, position)
    except _ApiError as exc:
        return str(exc)
    except (ParseError, _NoTitle):
        return None
    return None


def parse_wrapped(fh: BinaryIO, path: str) -> Iterator[PaperRecord]:
    """The entries of the wrapped feed; a non-200 status or an error entry raises with the status."""
    status, body = _load_wrapper(fh, path)
    label = f"HTTP {status}" if status is not None else "no status code"
    if status is not None and status != 200:
        summary = _error_summary(body, path)
        raise ParseError(path, f"arXiv API answered {label}" + (f": {summary}" if summary else ""))
    # Lines inside the body are not lines of this file, so errors say "body" and records carry no line.
    entries = _entries(io.BytesIO(body.encode("utf-8")), f"{path} (body)")
    for position, (_line, entry) in enumerate(entries, start=1):
        try:
            yield _record_or_reject(entry, None, position, path)
        except _ApiError as exc:
            raise ParseError(path, f"arXiv API answered {label} with an error: {exc}", entry=position) from None


IMPORTER = Importer(
    name="arxiv-atom",
    description="arXiv API Atom feed (export.arxiv.org/api/query); an error feed raises.",
    sniff=sniff,
    parse=parse,
)

WRAPPED_IMPORTER = Importer(
    name="arxiv-atom-json",
    description="A saved arXiv API response: JSON {url, status_code, body} whose body is the Atom feed.",
    sniff=sniff_wrapped,
    parse=parse_wrapped,
)
