"""RIS, as reference managers, Scopus, Embase and PubMed export it: `TY  - ` starts a record, `ER  - `
ends it, tags repeat (AU, KW), untagged lines continue the previous value. Read line by line, so a
large export streams (rispy.load returns a list of the whole file and refuses lines outside the spec by
default, hence this small reader). RIS_FIELDS is the one statement of which tag means what (export shares it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from corpus_db.importers._fields import text_lines
from corpus_db.importers.base import Importer
from corpus_db.importers.dates import slashed
from corpus_db.model import PaperRecord, Rejected
from corpus_db.rules.normalize import clean_title, find_arxiv_id, fold_spaces, normalize_doi

# Record fields and the RIS tags that carry them, the preferred tag first.
RIS_FIELDS: dict[str, tuple[str, ...]] = {
    "type": ("TY",),
    "title": ("TI", "T1", "CT", "BT"),
    "abstract": ("AB", "N2"),
    "doi": ("DO",),
    "authors": ("AU", "A1"),
    "editors": ("A2", "ED", "A3"),
    "published": ("DA", "PY", "Y1"),
    "keywords": ("KW",),
    "urls": ("UR", "L2", "L1", "LK"),
    "venue": ("T2", "JF", "JO", "JA", "J2", "T3"),
    "volume": ("VL",),
    "issue": ("IS",),
    "start_page": ("SP",),
    "end_page": ("EP",),
    "publisher": ("PB",),
    "issn": ("SN",),
    "language": ("LA",),
    "notes": ("N1",),
}
_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$")
_EXCERPT = 200
_SNIFF_LINES = 20


def sniff(head: bytes, path: str) -> bool:
    """The first tagged line (within the first lines) is `TY  - `."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    for line in text.splitlines()[:_SNIFF_LINES]:
        if match := _TAG.match(line.rstrip()):
            return match.group(1) == "TY"
    return False


def _first(tags: dict[str, list[str]], field: str) -> str | None:
    return next((value for tag in RIS_FIELDS[field] for value in tags.get(tag, []) if value), None)


def _all(tags: dict[str, list[str]], field: str) -> list[str]:
    return list(dict.fromkeys(value for tag in RIS_FIELDS[field] for value in tags.get(tag, []) if value))


def _record(tags: dict[str, list[str]], lines: list[str], start: int, position: int) -> PaperRecord | Rejected:
    raw = "\n".join(lines)
    title = _first(tags, "title")
    if title is None:
        return Rejected(position, start, "RIS record has no title (TI/T1)", raw[:_EXCERPT])
    urls = _all(tags, "urls")
    doi = normalize_doi(_first(tags, "doi")) or next(
        (found for url in urls if "doi.org" in url.lower() and (found := normalize_doi(url))), None
    )
    extra: dict[str, object] = {}
    for field in ("type", "volume", "issue", "start_page", "end_page", "publisher", "issn", "language"):
        if value := _first(tags, field):
            extra[field] = value
    if editors := _all(tags, "editors"):
        extra["editors"] = editors
    if urls:
        extra["urls"] = urls
    abstract = _first(tags, "abstract")
    return PaperRecord(
        title=clean_title(title),
        position=position,
        raw=raw,
        line=start,
        abstract=fold_spaces(abstract) if abstract else None,
        arxiv_id=next((found for url in urls if (found := find_arxiv_id(url))), None),
        doi=doi,
        authors=tuple(_all(tags, "authors")),
        published=next((found for tag in RIS_FIELDS["published"] for v in tags.get(tag, []) if (found := slashed(v))),
                       None),
        venue=_first(tags, "venue"),
        tags=tuple(_all(tags, "keywords")),
        extra=extra,
    )


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """One record per TY..ER block; a last block without its ER is kept (exports cut short)."""
    position = 0
    tags: dict[str, list[str]] | None = None
    lines: list[str] = []
    start = 0
    last: list[str] | None = None  # the value list an untagged line continues
    for number, text in text_lines(fh, path):
        line = text.rstrip("\r\n")
        match = _TAG.match(line.rstrip())
        if match and match.group(1) == "TY":
            if tags is not None:  # a TY before the previous ER: that record ends here
                position += 1
                yield _record(tags, lines, start, position)
            tags, lines, start = {"TY": [fold_spaces(match.group(2) or "")]}, [line], number
            last = None
            continue
        if tags is None:
            continue  # headers or blank lines between records
        lines.append(line)
        if match and match.group(1) == "ER":
            position += 1
            yield _record(tags, lines, start, position)
            tags, lines, last = None, [], None
        elif match:
            value = fold_spaces(match.group(2) or "")
            last = tags.setdefault(match.group(1), [])
            last.append(value)
        elif line.strip() and last:
            last[-1] = fold_spaces(f"{last[-1]} {line}")
    if tags is not None:
        position += 1
        yield _record(tags, lines, start, position)


IMPORTER = Importer(
    name="ris",
    description="RIS exports (Zotero, EndNote, Scopus, Embase, PubMed): TY..ER records, BOM and repeated tags.",
    sniff=sniff,
    parse=parse,
)
