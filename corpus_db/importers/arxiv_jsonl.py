"""The Kaggle arXiv metadata snapshot: JSON lines, one object of 14 fields per paper."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO

import orjson

from corpus_db.importers._arxiv import person, split_id, tags_of
from corpus_db.importers._fields import clean_text
from corpus_db.importers.base import Importer, Recogniser, excerpt, parse_by_split, record_or_reject
from corpus_db.model import PaperRecord, ParseError, RawRecord, Rejected
from corpus_db.rules.normalize import clean_title, normalize_doi
from corpus_db.runs import runs

# Fields copied to `extra` under these names when present; the rest map to record fields.
_EXTRA_FIELDS = {
    "submitter": "submitter",
    "comments": "comments",
    "journal-ref": "journal_ref",
    "report-no": "report_no",
    "license": "license",
    "update_date": "updated",
}
_SNAPSHOT_KEYS = (b'"authors_parsed"', b'"update_date"', b'"versions"')


def sniff(head: bytes, path: str) -> bool:
    """The first line is a JSON object carrying the snapshot's own field names."""
    first_line = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip()
    return first_line.startswith(b"{") and all(key in first_line for key in _SNAPSHOT_KEYS)


# The snapshot's own spelling of a version date, read without email.utils (~1 us instead of ~5, a paper).
# Only a valid clock and a 4-digit year from 1000 take it: email.utils refuses a bad clock, and reads years
# below 100 as 19xx or 20xx.
_SNAPSHOT_DATE = re.compile(
    r"[A-Z][a-z]{2}, (\d{1,2}) ([A-Z][a-z]{2}) ([1-9]\d{3}) (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d GMT"
)
_MONTHS = {name: n for n, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def _rfc822_date(created: str) -> str | None:
    """The date of an RFC 822 timestamp as an ISO date, as parsedate_to_datetime(created).date() gives it."""
    match = _SNAPSHOT_DATE.fullmatch(created)
    try:
        if match is not None and match[2] in _MONTHS:
            return date(int(match[3]), _MONTHS[match[2]], int(match[1])).isoformat()
        return parsedate_to_datetime(created).date().isoformat()
    except (TypeError, ValueError, OverflowError):  # a clock of "20:4444444446:54" overflows the offset
        return None


def _first_version_date(versions: object) -> str | None:
    """The v1 `created` date (RFC 822, "Mon, 2 Apr 2007 19:18:42 GMT") as an ISO date."""
    if not isinstance(versions, list) or not versions:
        return None
    first = next((v for v in versions if isinstance(v, dict) and v.get("version") == "v1"), versions[0])
    created = first.get("created") if isinstance(first, dict) else None
    if not isinstance(created, str):
        return None
    return _rfc822_date(created)


def _authors(parsed: object) -> tuple[str, ...]:
    """`authors_parsed` rows are [last, first, suffix] with TeX accents already decoded."""
    if not isinstance(parsed, list):
        return ()
    names = (person(row[1] if len(row) > 1 else None, row[0], row[2] if len(row) > 2 else None) for row in parsed)
    return tuple(name for name in names if name)


def _record(obj: dict[str, object], text: str, number: int, position: int, path: str) -> PaperRecord:
    title = obj.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ParseError(path, f"record {obj.get('id')!r} has no title", line=number)
    raw_id = obj.get("id")
    arxiv_id, _ = split_id(raw_id if isinstance(raw_id, str) else None)
    if arxiv_id is None:
        raise ParseError(path, f"record id {raw_id!r} is not an arXiv id", line=number)
    extra: dict[str, object] = {
        name: obj[key] for key, name in _EXTRA_FIELDS.items() if isinstance(obj.get(key), str) and obj[key]
    }
    if "comments" in extra:
        extra["comments"] = clean_text(str(extra["comments"]))
    versions = obj.get("versions")
    if isinstance(versions, list) and versions:
        extra["versions"] = versions
        last = versions[-1]
        if isinstance(last, dict) and last.get("version"):
            extra["version"] = last["version"]
    abstract = obj.get("abstract")
    doi = obj.get("doi")
    categories = obj.get("categories")
    return PaperRecord(
        title=clean_title(title),
        position=position,
        raw=text,
        line=number,
        abstract=clean_text(abstract) if isinstance(abstract, str) else None,
        arxiv_id=arxiv_id,
        doi=normalize_doi(doi) if isinstance(doi, str) else None,
        authors=_authors(obj.get("authors_parsed")),
        published=_first_version_date(versions),
        tags=tags_of(categories) if isinstance(categories, str) else (),
        extra=extra,
    )


def split(fh: BinaryIO, path: str) -> Iterator[RawRecord | Rejected]:
    """Each non-blank line is a record, read line by line so a multi-GB snapshot streams; a line that is
    not UTF-8 is a reject (one mangled line of 2.7 million costs only itself)."""
    position = 0
    for number, data in enumerate(fh, start=1):  # _cut's steps inline: a first import splits every line
        try:
            text = data.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            position += 1
            reason = f"not UTF-8 text ({exc.reason} at byte {exc.start} of the line)"
            yield Rejected(position, number, reason, excerpt(data.decode("utf-8", errors="replace")))
            continue
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        if not data.endswith(b"\n") and not _is_json(text):  # the last line, cut short: the file is truncated
            raise ParseError(path, "the file ends in the middle of a record (truncated?)", line=number)
        position += 1
        yield RawRecord(position, number, text)


def _cut(number: int, data: bytes, position: int, path: str) -> RawRecord | Rejected | None:
    """Line `number` as the record at `position`, or None for a blank line: split's steps for one line
    (test_skim_is_split_with_known_lines_as_tokens holds the two to the same records)."""
    try:
        text = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text ({exc.reason} at byte {exc.start} of the line)"
        return Rejected(position, number, reason, excerpt(data.decode("utf-8", errors="replace")))
    if number == 1:
        text = text.removeprefix("\ufeff")
    if not text.strip():
        return None
    if not data.endswith(b"\n") and not _is_json(text):  # the last line, cut short: the file is truncated
        raise ParseError(path, "the file ends in the middle of a record (truncated?)", line=number)
    return RawRecord(position, number, text)


_BOM = "\ufeff".encode()
SKIM_BLOCK = 500  # lines handed to the recogniser at once
SKIM_BLOCK_BYTES = 4 << 20  # or fewer, once they hold this much: near-limit lines must not make a block of GBs


def skim(fh: BinaryIO, path: str, recognise: Recogniser) -> Iterator[Any]:
    """split, except that a line whose bytes (without its line break; on line 1 without a BOM) the
    recogniser knows is yielded as its token, not decoded: it was a record's text before, so it is UTF-8
    and not blank. The last line, when it has no line break, always takes split's way (truncated?)."""
    position = 0
    for block in _blocks(enumerate(fh, start=1)):
        bodies = [data.rstrip(b"\r\n") for _, data in block]  # the bytes of the text split would make
        if block[0][0] == 1:
            bodies[0] = bodies[0].removeprefix(_BOM)
        tokens = recognise(bodies)
        if not block[-1][1].endswith(b"\n"):  # the file's last line, without a line break: split's way
            tokens = [*tokens[:-1], None]
        # The known lines run by slice, the others one by one (a re-import's block: ~5 of 500).
        start = 0
        for i in [i for i, token in enumerate(tokens) if token is None]:
            position += i - start
            yield from tokens[start:i]
            number, data = block[i]
            if (item := _cut(number, data, position + 1, path)) is not None:
                position += 1
                yield item
            start = i + 1
        position += len(tokens) - start
        yield from tokens[start:]


def _blocks(lines: Iterator[tuple[int, bytes]]) -> Iterator[list[tuple[int, bytes]]]:
    return runs(lines, SKIM_BLOCK, SKIM_BLOCK_BYTES, lambda line: len(line[1]))


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _parse_line(raw: RawRecord, path: str) -> PaperRecord:
    try:
        obj = orjson.loads(raw.text)  # 2.3x json.loads on a 2.2 KB line; its errors are json's
    except json.JSONDecodeError as exc:
        if "depth" in exc.msg:  # orjson stops at 1,024 levels: say what it is, not "truncated"
            raise ParseError(path, f"a JSON value nested too deeply ({exc.msg})", line=raw.line) from None
        raise ParseError(path, f"invalid JSON ({exc.msg} at column {exc.colno}); truncated?", line=raw.line) from None
    if not isinstance(obj, dict):
        raise ParseError(path, f"expected a JSON object, found {type(obj).__name__}", line=raw.line)
    return _record(obj, raw.text, raw.line or 0, raw.position, path)


def parse_one(raw: RawRecord, path: str) -> PaperRecord | Rejected:
    """One line's JSON object as a record, or the reject that says why it is not one."""
    return record_or_reject(
        lambda: _parse_line(raw, path), position=raw.position, line=raw.line, source=lambda: raw.text
    )


parse = parse_by_split(split, parse_one)


IMPORTER = Importer(
    name="arxiv-jsonl",
    description="Kaggle arXiv metadata snapshot: JSON lines with id, authors_parsed, versions, categories.",
    sniff=sniff,
    parse=parse,
    split=split,
    parse_one=parse_one,
    skim=skim,
)
