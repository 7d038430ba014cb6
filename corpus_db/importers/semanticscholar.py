"""Semantic Scholar: Graph API responses (a paper, a list of papers, a page `{total, offset, next, data}`)
and the datasets' `papers` and `abstracts` JSON lines. The datasets spell keys in lower case
(`externalids`, `publicationdate`); an `abstracts` line has no title and joins its paper on corpus id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from corpus_db.importers._fields import clean_text
from corpus_db.importers._shape import json_shape
from corpus_db.importers.base import Importer, parse_by_split
from corpus_db.importers.dates import iso_day, loose
from corpus_db.importers.jsonrecords import decode_line, rejected, split_json
from corpus_db.model import PaperRecord, RawRecord, Rejected
from corpus_db.rules.normalize import (
    clean_title,
    normalize_arxiv_id,
    normalize_dblp_key,
    normalize_digits_id,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)

LIST_PATHS = (("data",),)
_PAPER_ID = frozenset("0123456789abcdef")


def _lower_keys(value: object) -> dict[str, object]:
    return {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else {}


def _is_paper(record: object) -> bool:
    """A Graph API paper (40-hex paperId, or corpusId with externalIds) or a dataset line (corpusid with
    externalids, or an abstracts line with openaccessinfo)."""
    if not isinstance(record, dict):
        return False
    paper_id = record.get("paperId")
    if isinstance(paper_id, str) and len(paper_id) == 40 and set(paper_id) <= _PAPER_ID:
        return True
    keys = set(_lower_keys(record))
    return "corpusid" in keys and bool(keys & {"externalids", "openaccessinfo", "title"})


def sniff(head: bytes, path: str) -> bool:
    """The first record is a Semantic Scholar paper or abstract (HF's `{data}` envelope holds no such thing)."""
    records = json_shape(head).records(*LIST_PATHS)
    return bool(records) and _is_paper(records[0])


def _external_ids(paper: dict[str, object]) -> dict[str, object]:
    ids = _lower_keys(paper.get("externalids"))
    access = paper.get("openaccessinfo")
    if not ids and isinstance(access, dict):
        ids = _lower_keys(access.get("externalids"))  # the abstracts dataset nests them here
    return ids


def _venue(paper: dict[str, object]) -> str | None:
    for key in ("publicationvenue", "journal"):
        value = paper.get(key)
        if isinstance(value, dict) and (name := clean_text(value.get("name"))):
            return name
    return clean_text(paper.get("venue"))


def _tags(paper: dict[str, object]) -> tuple[str, ...]:
    tags: list[str] = []
    items = [i for key in ("s2fieldsofstudy", "fieldsofstudy") if isinstance(paper.get(key), list) for i in paper[key]]
    for item in items:
        text = clean_text(item.get("category")) if isinstance(item, dict) else clean_text(item)
        if text and text not in tags:
            tags.append(text)
    return tuple(tags)


def record(value: dict[str, object], raw: RawRecord) -> PaperRecord | Rejected:
    """One paper (or one abstract) as a record."""
    paper = _lower_keys(value)
    ids = _external_ids(paper)
    corpus_id = normalize_digits_id(paper.get("corpusid")) or normalize_digits_id(ids.get("corpusid"))
    title = clean_text(paper.get("title"))
    abstract = clean_text(paper.get("abstract"))
    if title is None and not (corpus_id and abstract):
        return rejected(raw, "paper has no title")
    extra: dict[str, object] = {}
    if isinstance(paper.get("paperid"), str):
        extra["s2_paper_id"] = paper["paperid"]
    for key, name in (("url", "url"), ("citationcount", "citation_count"), ("updated", "updated")):
        if paper.get(key) is not None:
            extra[name] = paper[key]
    pdf = paper.get("openaccesspdf")
    if isinstance(pdf, dict) and (url := clean_text(pdf.get("url"))):
        extra["pdf_url"] = url
    access = paper.get("openaccessinfo")
    if isinstance(access, dict) and (url := clean_text(access.get("url"))):
        extra["pdf_url"] = url
    if ids.get("acl"):
        extra["acl_id"] = ids["acl"]
    authors = tuple(
        name for a in paper.get("authors") or [] if isinstance(a, dict) and (name := clean_text(a.get("name")))
    )
    year = paper.get("year")
    return PaperRecord(
        title=clean_title(title) if title else "",
        position=raw.position,
        raw=raw.text,
        line=raw.line,
        abstract=abstract,
        arxiv_id=normalize_arxiv_id(clean_text(ids.get("arxiv"))),
        doi=normalize_doi(clean_text(ids.get("doi"))),
        authors=authors,
        published=iso_day(paper.get("publicationdate")) or loose(year if isinstance(year, int) else None),
        venue=_venue(paper),
        tags=_tags(paper),
        extra=extra,
        s2_corpus_id=corpus_id,
        pmid=normalize_pmid(ids.get("pubmed")),
        pmcid=normalize_pmcid(ids.get("pubmedcentral")),
        dblp_key=normalize_dblp_key(ids.get("dblp")),
        mag_id=normalize_digits_id(ids.get("mag")),
    )


def split(fh: BinaryIO, path: str) -> Iterator[RawRecord]:
    """Each paper's text: a dataset line as written, or a response's paper re-serialised."""
    return split_json(fh, path, LIST_PATHS)


def parse_one(raw: RawRecord, path: str) -> PaperRecord | Rejected:
    """One paper's text as a record, or a reject saying why it is none."""
    value, error = decode_line(raw)
    if error:
        return rejected(raw, error)
    if value is None:
        return rejected(raw, "null entry (the API answers null for an id it does not know)")
    if not isinstance(value, dict):
        return rejected(raw, f"expected a paper object, found {type(value).__name__}")
    return record(value, raw)


parse = parse_by_split(split, parse_one)


IMPORTER = Importer(
    name="semanticscholar",
    description="Semantic Scholar Graph API responses and the papers/abstracts datasets (JSON lines, .gz).",
    sniff=sniff,
    parse=parse,
    split=split,
    parse_one=parse_one,
)
