"""OpenAlex works: snapshot JSON lines (the 2022 schema with `host_venue` and the current one with
`primary_location`/`locations`), API pages `{meta, results}` and single works."""

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
    arxiv_id_from_doi,
    clean_title,
    find_arxiv_id,
    fold_spaces,
    normalize_arxiv_id,
    normalize_digits_id,
    normalize_doi,
    normalize_openalex_id,
    normalize_pmcid,
    normalize_pmid,
)

LIST_PATHS = (("results",),)


def sniff(head: bytes, path: str) -> bool:
    """The first record is an OpenAlex work: its `id` is a W-id (authors, sources and the rest are not)."""
    records = json_shape(head).records(*LIST_PATHS)
    return bool(records) and isinstance(records[0], dict) and normalize_openalex_id(records[0].get("id")) is not None


def abstract_from_index(index: object) -> str | None:
    """The abstract OpenAlex ships as {word: [positions]}, put back in word order."""
    if not isinstance(index, dict) or not index:
        return None
    placed: list[tuple[int, str]] = []
    for word, positions in index.items():
        if isinstance(positions, list):
            placed.extend((p, word) for p in positions if type(p) is int)
    placed.sort()
    return fold_spaces(" ".join(word for _, word in placed)) or None


def _locations(work: dict[str, object]) -> list[dict[str, object]]:
    """Every place the work is hosted, in both schemas (primary first)."""
    found: list[dict[str, object]] = []
    for key in ("primary_location", "best_oa_location", "host_venue"):
        if isinstance(work.get(key), dict):
            found.append(work[key])  # type: ignore[arg-type]
    for key in ("locations", "alternate_host_venues"):
        found.extend(loc for loc in work.get(key) or [] if isinstance(loc, dict))
    return found


def _venue(work: dict[str, object]) -> str | None:
    primary = work.get("primary_location")
    if isinstance(primary, dict) and isinstance(primary.get("source"), dict):
        return clean_text(primary["source"].get("display_name"))  # type: ignore[union-attr]
    host = work.get("host_venue")
    return clean_text(host.get("display_name")) if isinstance(host, dict) else None


def _arxiv_id(work: dict[str, object], ids: dict[str, object], doi: str | None) -> str | None:
    if found := normalize_arxiv_id(clean_text(ids.get("arxiv"))):
        return found
    if found := arxiv_id_from_doi(doi):
        return found
    for location in _locations(work):
        for key in ("landing_page_url", "pdf_url", "url"):
            url = location.get(key)
            if isinstance(url, str) and "arxiv" in url.lower() and (found := find_arxiv_id(url)):
                return found
    return None


def _authors(work: dict[str, object]) -> tuple[tuple[str, ...], list[dict[str, object]]]:
    """Names in authorship order, and the institutions of the authors that have them."""
    names: list[str] = []
    places: list[dict[str, object]] = []
    for authorship in work.get("authorships") or []:
        if not isinstance(authorship, dict):
            continue
        author = authorship.get("author")
        name = clean_text(author.get("display_name")) if isinstance(author, dict) else None
        name = name or clean_text(authorship.get("raw_author_name"))
        if not name:
            continue
        names.append(name)
        institutions = [
            text for inst in authorship.get("institutions") or []
            if isinstance(inst, dict) and (text := clean_text(inst.get("display_name")))
        ]
        if institutions:
            places.append({"name": name, "affiliations": institutions})
    return tuple(names), places


def _tags(work: dict[str, object]) -> tuple[str, ...]:
    tags: list[str] = []
    for key in ("keywords", "topics", "concepts"):
        for item in work.get(key) or []:
            if isinstance(item, str):
                text = clean_text(item)
            elif isinstance(item, dict):
                # Concepts carry a score; those at 0 were tagged by the classifier's lowest level only.
                score = item.get("score")
                if isinstance(score, int | float) and score <= 0:
                    continue
                text = clean_text(item.get("display_name")) or clean_text(item.get("keyword"))
            else:
                text = None
            if text and text not in tags:
                tags.append(text)
    return tuple(tags)


def _urls(work: dict[str, object]) -> dict[str, object]:
    urls: dict[str, object] = {}
    access = work.get("open_access")
    if isinstance(access, dict) and (oa_url := clean_text(access.get("oa_url"))):
        urls["oa_url"] = oa_url
    for location in _locations(work):
        if (pdf := clean_text(location.get("pdf_url"))) and "pdf_url" not in urls:
            urls["pdf_url"] = pdf
    return urls


def record(work: dict[str, object], raw: RawRecord) -> PaperRecord | Rejected:
    """One OpenAlex work as a record."""
    openalex_id = normalize_openalex_id(work.get("id"))
    if openalex_id is None:
        return rejected(raw, f"not an OpenAlex work (id {work.get('id')!r})")
    title = clean_text(work.get("title")) or clean_text(work.get("display_name"))
    if title is None:
        return rejected(raw, f"work {openalex_id} has no title")
    ids = work.get("ids") if isinstance(work.get("ids"), dict) else {}
    doi = normalize_doi(clean_text(work.get("doi")) or clean_text(ids.get("doi")))  # type: ignore[union-attr]
    arxiv_id = _arxiv_id(work, ids, doi)  # type: ignore[arg-type]
    if arxiv_id_from_doi(doi):
        doi = None  # arXiv's DOI names the preprint, which the arXiv id says already
    authors, affiliations = _authors(work)
    extra: dict[str, object] = {}
    for key in ("type", "updated_date", "is_retracted", "is_paratext", "cited_by_count"):
        if work.get(key) is not None:
            extra[key] = work[key]
    extra.update(_urls(work))
    if affiliations:
        extra["affiliations"] = affiliations
    year = work.get("publication_year")
    return PaperRecord(
        title=clean_title(title),
        position=raw.position,
        raw=raw.text,
        line=raw.line,
        abstract=abstract_from_index(work.get("abstract_inverted_index")),
        arxiv_id=arxiv_id,
        doi=doi,
        authors=authors,
        published=iso_day(work.get("publication_date")) or loose(year if isinstance(year, int) else None),
        venue=_venue(work),
        tags=_tags(work),
        extra=extra,
        openalex_id=openalex_id,
        pmid=normalize_pmid(ids.get("pmid")),  # type: ignore[union-attr]
        pmcid=normalize_pmcid(ids.get("pmcid")),  # type: ignore[union-attr]
        mag_id=normalize_digits_id(ids.get("mag")),  # type: ignore[union-attr]
    )


def split(fh: BinaryIO, path: str) -> Iterator[RawRecord]:
    """Each work's text: a snapshot line as written, or an API page's result re-serialised."""
    return split_json(fh, path, LIST_PATHS)


def parse_one(raw: RawRecord, path: str) -> PaperRecord | Rejected:
    """One work's text as a record, or a reject saying why it is none."""
    value, error = decode_line(raw)
    if error:
        return rejected(raw, error)
    if not isinstance(value, dict):
        return rejected(raw, f"expected a work object, found {type(value).__name__}")
    return record(value, raw)


parse = parse_by_split(split, parse_one)


IMPORTER = Importer(
    name="openalex",
    description="OpenAlex works: snapshot JSON lines (.gz, 2022 and current schemas) and API pages {meta, results}.",
    sniff=sniff,
    parse=parse,
    split=split,
    parse_one=parse_one,
)
