"""arXiv OAI-PMH ListRecords pages harvested with metadataPrefix=arXiv."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, tostring

from corpus_db.importers._arxiv import authors_with_affiliations, person, split_id, tags_of
from corpus_db.importers._fields import clean_text
from corpus_db.importers._xmlstream import element_excerpt, iter_elements
from corpus_db.importers.base import Importer, record_or_reject
from corpus_db.importers.dates import iso_day
from corpus_db.model import PaperRecord, ParseError, Rejected
from corpus_db.rules.normalize import clean_title, normalize_doi

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"

# Metadata elements kept in `extra`, under these names, when present.
_EXTRA_FIELDS = {
    "updated": "updated",
    "comments": "comments",
    "journal-ref": "journal_ref",
    "report-no": "report_no",
    "msc-class": "msc_class",
    "acm-class": "acm_class",
    "license": "license",
    "proxy": "proxy",
}


def sniff(head: bytes, path: str) -> bool:
    """An OAI-PMH response in the arXiv metadata format (not arXivRaw, whose fields differ)."""
    return b"<OAI-PMH" in head and (b'metadataPrefix="arXiv"' in head or b'"http://arxiv.org/OAI/arXiv/"' in head)


def _child_text(parent: Element, name: str) -> str | None:
    found = parent.find(ARXIV + name)
    return found.text if found is not None and found.text else None


def _authors(meta: Element) -> tuple[tuple[str, ...], list[dict[str, object]]]:
    """Names in byline order, and affiliations for the authors that have them."""
    return authors_with_affiliations(
        meta.iterfind(f"{ARXIV}authors/{ARXIV}author"),
        lambda a: person(_child_text(a, "forenames"), _child_text(a, "keyname"), _child_text(a, "suffix")),
        ARXIV + "affiliation",
    )


def _record(record: Element, line: int, position: int, path: str) -> PaperRecord:
    meta = record.find(f"{OAI}metadata/{ARXIV}arXiv")
    if meta is None:
        raise ParseError(path, "record has no <arXiv> metadata (harvest with metadataPrefix=arXiv)", line=line)
    raw_id = _child_text(meta, "id")
    arxiv_id, _ = split_id(raw_id)
    if arxiv_id is None:
        raise ParseError(path, f"record id {raw_id!r} is not an arXiv id", line=line)
    title = _child_text(meta, "title")
    if not title or not title.strip():
        raise ParseError(path, f"record {raw_id} has no title", line=line)
    authors, affiliations = _authors(meta)
    extra: dict[str, object] = {}
    for element, name in _EXTRA_FIELDS.items():
        value = clean_text(_child_text(meta, element))
        if value:
            extra[name] = value
    if affiliations:
        extra["affiliations"] = affiliations
    datestamp = record.findtext(f"{OAI}header/{OAI}datestamp")
    if datestamp:
        extra["datestamp"] = datestamp.strip()
    return PaperRecord(
        title=clean_title(title),
        position=position,
        raw=tostring(record, encoding="unicode"),
        line=line,
        abstract=clean_text(_child_text(meta, "abstract")),
        arxiv_id=arxiv_id,
        doi=normalize_doi(_child_text(meta, "doi")),
        authors=authors,
        published=iso_day(_child_text(meta, "created")),
        tags=tags_of(_child_text(meta, "categories")),
        extra=extra,
    )


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """One record per live <record>; deleted ones are skipped but keep their place in `position`."""
    position = 0
    elements = iter_elements(
        fh, path, roots=frozenset({OAI + "OAI-PMH"}), wanted=frozenset({OAI + "record", OAI + "error"})
    )
    for line, element in elements:
        if element.tag == OAI + "error":
            code = element.get("code", "")
            if code == "noRecordsMatch":  # an empty harvest, not a failure
                continue
            raise ParseError(path, f"OAI-PMH error {code}: {(element.text or '').strip()}", line=line)
        position += 1
        header = element.find(OAI + "header")
        if header is not None and header.get("status") == "deleted":
            continue
        yield record_or_reject(lambda e=element, at=line, n=position: _record(e, at, n, path), position=position,
                               line=line, source=lambda e=element: element_excerpt(e))


IMPORTER = Importer(
    name="arxiv-oai",
    description="arXiv OAI-PMH ListRecords XML (metadataPrefix=arXiv); deleted records are skipped.",
    sniff=sniff,
    parse=parse,
)
