"""Reference-manager exports: CSL-JSON arrays and Better-BibTeX/Zotero JSON `{config, items}`.
Both name the same facts differently (author/creators, issued/date, container-title/publicationTitle)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from corpus_db.importers._fields import clean_text
from corpus_db.importers._shape import json_shape
from corpus_db.importers.base import Importer, excerpt, record_or_reject
from corpus_db.importers.dates import from_parts, loose
from corpus_db.importers.jsonstream import JsonItems
from corpus_db.model import PaperRecord, ParseError, Rejected
from corpus_db.rules.normalize import (
    arxiv_id_from_doi,
    clean_title,
    find_arxiv_id,
    fold_spaces,
    normalize_arxiv_id,
    normalize_doi,
)

# CSL's fixed vocabulary of item types: a `"type": "user"` elsewhere (e.g. HF authors) is not one.
_CSL_TYPES = frozenset({
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book", "broadcast", "chapter",
    "classic", "collection", "dataset", "document", "entry", "entry-dictionary", "entry-encyclopedia", "event",
    "figure", "graphic", "hearing", "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
    "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical", "personal_communication",
    "post", "post-weblog", "regulation", "report", "review", "review-book", "software", "song", "speech", "standard",
    "thesis", "treaty", "webpage"
})
_CSL_FIELDS = frozenset({"issued", "author", "container-title", "citation-key", "DOI", "URL"})
_ARXIV_VENUE = re.compile(r"^arxiv:\s*\S", re.IGNORECASE)
# Zotero items that are not works: child notes and files exported alongside the references.
_NOT_WORKS = {"note", "attachment", "annotation"}
_AUTHOR_TYPES = {"author", None}


def _is_item(item: object) -> bool:
    """A Zotero item (`itemType`), or a CSL item: a CSL type, a title as text (Crossref's is a list) and a
    CSL field. An OpenAlex work says `type: article` too, but its id is an openalex.org W-id."""
    if not isinstance(item, dict):
        return False
    if isinstance(item.get("itemType"), str):
        return True
    if str(item.get("id", "")).startswith("https://openalex.org/"):
        return False
    return item.get("type") in _CSL_TYPES and isinstance(item.get("title"), str) and bool(_CSL_FIELDS & item.keys())


def sniff(head: bytes, path: str) -> bool:
    """A JSON array (or `{items}`) whose first item is a CSL-JSON or Zotero item, judged on its structure."""
    shape = json_shape(head)
    items = shape.records(("items",)) if shape.kind in ("array", "object") else []
    return bool(items) and _is_item(items[0])


def _csl_name(person: dict[str, object]) -> str | None:
    if literal := clean_text(person.get("literal")):
        return literal
    parts = (person.get(key) for key in ("given", "dropping-particle", "non-dropping-particle", "family", "suffix"))
    return " ".join(text for part in parts if (text := clean_text(part))) or None


def _zotero_name(person: dict[str, object]) -> str | None:
    if name := clean_text(person.get("name")):
        return name
    return " ".join(text for key in ("firstName", "lastName") if (text := clean_text(person.get(key)))) or None


def _people(item: dict[str, object]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Authors in byline order and editors; CSL keeps them in separate lists, Zotero in one typed list."""
    if isinstance(item.get("creators"), list):
        people = [p for p in item["creators"] if isinstance(p, dict)]
        authors = [_zotero_name(p) for p in people if p.get("creatorType") in _AUTHOR_TYPES]
        editors = [_zotero_name(p) for p in people if p.get("creatorType") == "editor"]
    else:
        authors = [_csl_name(p) for p in item.get("author") or [] if isinstance(p, dict)]
        editors = [_csl_name(p) for p in item.get("editor") or [] if isinstance(p, dict)]
    return tuple(a for a in authors if a), tuple(e for e in editors if e)


def _published(item: dict[str, object], order: str) -> str | None:
    issued = item.get("issued")
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            return from_parts(parts[0])
        return loose(issued.get("raw") or issued.get("literal"), order)
    if isinstance(issued, str):
        return loose(issued, order)
    return loose(item.get("date"), order)


def _extra_text(item: dict[str, object]) -> str:
    # Zotero keeps "arXiv: 1234.5678" and similar key: value lines in `extra`, a string or (BBT) a list.
    extra = item.get("extra") or item.get("note")
    if isinstance(extra, list):
        return "\n".join(str(line) for line in extra)
    return extra if isinstance(extra, str) else ""


def _arxiv_id(item: dict[str, object], doi: str | None) -> str | None:
    for key in ("URL", "url"):
        if found := find_arxiv_id(clean_text(item.get(key))):
            return found
    if from_doi := arxiv_id_from_doi(doi):
        return from_doi
    archive = " ".join(text for key in ("archive", "publisher", "repository") if (text := clean_text(item.get(key))))
    from_arxiv = "arxiv" in archive.lower()  # a bare number is an arXiv id only when arXiv is the archive
    for key in ("number", "archive_location", "archiveLocation"):
        value = clean_text(item.get(key))
        if value and (found := find_arxiv_id(value) or (normalize_arxiv_id(value) if from_arxiv else None)):
            return found
    return find_arxiv_id(_extra_text(item))


def _doi(item: dict[str, object]) -> tuple[str | None, str | None]:
    """The DOI and, where the DOI field holds a short DOI (10/abcd), that short form. A full DOI in a
    doi.org URL is preferred: other sources give full DOIs, and resolving short ones needs the network."""
    doi = normalize_doi(clean_text(item.get("DOI")))
    url_doi = normalize_doi(clean_text(item.get("URL")) or clean_text(item.get("url")))
    if doi and doi.startswith("10/"):
        return (url_doi, doi) if url_doi and not url_doi.startswith("10/") else (doi, None)
    return doi or url_doi, None


def _tags(item: dict[str, object]) -> tuple[str, ...]:
    tags: list[str] = []
    for tag in item.get("tags") or []:
        text = clean_text(tag.get("tag")) if isinstance(tag, dict) else clean_text(tag)
        if text and text not in tags:
            tags.append(text)
    keyword = clean_text(item.get("keyword"))
    for word in re.split(r"[,;]", keyword or ""):
        if (text := fold_spaces(word)) and text not in tags:
            tags.append(text)
    return tuple(tags)


def _venue(item: dict[str, object]) -> str | None:
    for key in ("container-title", "publicationTitle", "proceedingsTitle", "event-title", "conferenceName"):
        venue = clean_text(item.get(key))
        # Zotero's arXiv translator puts "arXiv:1910.07512 [cs, stat]" here: an id, not a venue.
        if venue and not _ARXIV_VENUE.match(venue):
            return venue
    return None


def _record(item: dict[str, object], path: str, entry: int, order: str) -> PaperRecord:
    title = clean_text(item.get("title"))
    if title is None:
        raise ParseError(path, "item has no title", entry=entry)
    authors, editors = _people(item)
    doi, short_doi = _doi(item)
    extra: dict[str, object] = {}
    for source, target in (("id", "id"), ("citation-key", "citation_key"), ("citationKey", "citation_key")):
        if (value := clean_text(item.get(source))) and target not in extra:
            extra[target] = value
    item_type = clean_text(item.get("type")) or clean_text(item.get("itemType"))
    if item_type:
        extra["type"] = item_type
    if short_doi:
        extra["short_doi"] = short_doi
    if editors:
        extra["editors"] = list(editors)
    abstract = clean_text(item.get("abstract")) or clean_text(item.get("abstractNote"))
    return PaperRecord(
        title=clean_title(title),
        position=entry,
        raw=json.dumps(item, ensure_ascii=False, sort_keys=True),
        abstract=abstract,
        arxiv_id=_arxiv_id(item, doi),
        doi=doi,
        authors=authors,
        published=_published(item, order),
        venue=_venue(item),
        tags=_tags(item),
        extra=extra,
    )


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """Yield one record per reference, skipping Zotero notes and attachments (they are not works)."""
    items = JsonItems(fh, path, list_keys=("items",))
    for entry, item in items:
        if not isinstance(item, dict):
            reason = f"expected an item object, found {type(item).__name__}"
            yield Rejected(entry, None, reason, excerpt(item))
            continue
        if item.get("itemType") in _NOT_WORKS:
            continue
        # BBT writes the locale's date order in its config ("mdy" for en-US); 6/12/2019 depends on it.
        config = items.envelope.get("config")
        order = config.get("localeDateOrder") if isinstance(config, dict) else None
        date_order = order if isinstance(order, str) else "mdy"
        yield record_or_reject(lambda i=item, n=entry, o=date_order: _record(i, path, n, o), position=entry, line=None,
                               source=lambda i=item: i)


IMPORTER = Importer(
    name="csl-json",
    description="CSL-JSON arrays and Better-BibTeX/Zotero JSON exports ({config, items}).",
    sniff=sniff,
    parse=parse,
)
