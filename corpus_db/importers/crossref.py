"""Crossref works: REST API responses `{status, message: {items}}` or `{status, message: <one work>}`,
and public-data-file objects `{items: [...]}` (.gz). Abstracts come as JATS and are rendered to text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from corpus_db.importers._fields import clean_text
from corpus_db.importers._markup import markup_text
from corpus_db.importers._shape import json_shape
from corpus_db.importers.base import Importer, parse_by_split
from corpus_db.importers.dates import from_parts
from corpus_db.importers.jsonrecords import decode_line, rejected, split_json
from corpus_db.model import PaperRecord, RawRecord, Rejected
from corpus_db.rules.normalize import arxiv_id_from_doi, clean_title, normalize_arxiv_id, normalize_doi

LIST_PATHS = (("message", "items"), ("items",))
# Keys only the Crossref registry writes into a work (a CSL-JSON item has a DOI and a type too).
_REGISTRY_KEYS = frozenset({"member", "prefix", "deposited", "indexed", "reference-count", "is-referenced-by-count"})
_DATE_KEYS = ("issued", "published", "published-print", "published-online", "posted", "created")
# relation types that name the other version of the same work
_PREPRINT_OF = ("is-preprint-of", "has-preprint", "is-version-of", "has-version")


def _work(value: object) -> dict[str, object] | None:
    if isinstance(value, dict) and isinstance(value.get("message"), dict):
        value = value["message"]  # a single-work API response
    return value if isinstance(value, dict) else None


def _is_work(value: object) -> bool:
    work = _work(value)
    if work is None or not isinstance(work.get("DOI"), str):
        return False
    return not isinstance(work.get("title"), str) and bool(_REGISTRY_KEYS & work.keys())


def sniff(head: bytes, path: str) -> bool:
    """The first record is a Crossref work: a DOI, a list title and keys only the registry writes."""
    records = json_shape(head).records(*LIST_PATHS)
    return bool(records) and _is_work(records[0])


def _text(value: object) -> str | None:
    """Crossref gives most text fields as lists (title, container-title): the first non-blank one."""
    if isinstance(value, list):
        return next((text for v in value if (text := clean_text(v))), None)
    return clean_text(value)


def _date(work: dict[str, object]) -> str | None:
    for key in _DATE_KEYS:
        value = work.get(key)
        parts = value.get("date-parts") if isinstance(value, dict) else None
        # An unknown date is [[null]]; from_parts reads what is there.
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and (found := from_parts(parts[0])):
            return found
    return None


def _authors(work: dict[str, object]) -> tuple[tuple[str, ...], dict[str, str]]:
    names: list[str] = []
    orcids: dict[str, str] = {}
    for person in work.get("author") or []:
        if not isinstance(person, dict):
            continue
        name = _text(person.get("name")) or " ".join(
            text for key in ("given", "family", "suffix") if (text := _text(person.get(key)))
        )
        if not name:
            continue
        names.append(name)
        if orcid := _text(person.get("ORCID")):
            orcids[name] = orcid.rsplit("/", 1)[-1]
    return tuple(names), orcids


def _relations(work: dict[str, object]) -> dict[str, list[str]]:
    """The other versions the work names (preprint <-> version of record), as DOIs or arXiv ids."""
    relation = work.get("relation")
    found: dict[str, list[str]] = {}
    if not isinstance(relation, dict):
        return found
    for kind in _PREPRINT_OF:
        for target in relation.get(kind) or []:
            if isinstance(target, dict) and (ident := _text(target.get("id"))):
                found.setdefault(kind, []).append(ident)
    return found


def _arxiv_id(doi: str | None, relations: dict[str, list[str]]) -> str | None:
    """The arXiv id of the work itself (an arXiv DOI) or of its preprint (has-preprint), so that the
    version of record and its arXiv preprint are one paper."""
    if found := arxiv_id_from_doi(doi):
        return found
    for ident in relations.get("has-preprint", []):
        if found := arxiv_id_from_doi(normalize_doi(ident)) or normalize_arxiv_id(ident):
            return found
    return None


def record(value: object, raw: RawRecord) -> PaperRecord | Rejected:
    """One Crossref work as a record."""
    work = _work(value)
    if work is None:
        return rejected(raw, "not a Crossref work")
    doi = normalize_doi(_text(work.get("DOI")))
    title = _text(work.get("title"))
    if title is None:
        return rejected(raw, f"work {doi or '(no DOI)'} has no title")
    relations = _relations(work)
    arxiv_id = _arxiv_id(doi, relations)
    if arxiv_id_from_doi(doi):
        doi = None  # arXiv's DOI names the preprint, which the arXiv id says already
    authors, orcids = _authors(work)
    extra: dict[str, object] = {}
    for key in ("type", "publisher", "volume", "issue", "page", "URL"):
        if text := _text(work.get(key)):
            extra[key.lower()] = text
    if subtitle := _text(work.get("subtitle")):
        extra["subtitle"] = subtitle
    if orcids:
        extra["orcids"] = orcids
    if relations:
        extra["relation"] = relations
    tags = tuple(dict.fromkeys(t for s in work.get("subject") or [] if (t := _text(s))))
    return PaperRecord(
        title=clean_title(title),
        position=raw.position,
        raw=raw.text,
        line=raw.line,
        abstract=markup_text(work.get("abstract") if isinstance(work.get("abstract"), str) else None),
        arxiv_id=arxiv_id,
        doi=doi,
        authors=authors,
        published=_date(work),
        venue=_text(work.get("container-title")),
        tags=tags,
        extra=extra,
    )


def split(fh: BinaryIO, path: str) -> Iterator[RawRecord]:
    """Each work's text, re-serialised from the response or data file (a single-work response whole)."""
    return split_json(fh, path, LIST_PATHS)


def parse_one(raw: RawRecord, path: str) -> PaperRecord | Rejected:
    """One work's text as a record, or a reject saying why it is none."""
    value, error = decode_line(raw)
    if error:
        return rejected(raw, error)
    return record(value, raw)


parse = parse_by_split(split, parse_one)


IMPORTER = Importer(
    name="crossref",
    description="Crossref REST API responses ({status, message}) and public data files ({items}, .gz).",
    sniff=sniff,
    parse=parse,
    split=split,
    parse_one=parse_one,
)
