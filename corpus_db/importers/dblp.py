"""dblp.xml, streamed: the real file is over 4 GB. Its named entities (&ouml; ...) are those of dblp.dtd,
which are HTML's Latin-1 set: they are declared from Python's table, so the DTD is never fetched and a
file without its DOCTYPE (many excerpts) reads as well. Person pages (`www` records) are not papers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.entities import name2codepoint
from typing import BinaryIO
from xml.etree.ElementTree import Element, tostring

from corpus_db.importers._fields import without_final_stop
from corpus_db.importers._xmlstream import iter_elements
from corpus_db.importers.base import Importer
from corpus_db.importers.dates import loose
from corpus_db.model import PaperRecord, Rejected
from corpus_db.rules.normalize import (
    arxiv_id_from_doi,
    clean_title,
    find_arxiv_id,
    fold_spaces,
    normalize_arxiv_id,
    normalize_dblp_key,
    normalize_doi,
)

PAPERS = frozenset({"article", "inproceedings", "proceedings", "book", "incollection", "phdthesis", "mastersthesis"})
NOT_PAPERS = frozenset({"www", "data"})  # person pages and research data records
_PROLOG = re.compile(
    rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s+dblp[^>]*>\s*)?<dblp[\s>]", re.DOTALL
)
_CORR_VOLUME = re.compile(r"^abs/(.+)$")
_EXCERPT = 200


def sniff(head: bytes, path: str) -> bool:
    """An XML document whose root element is <dblp>."""
    return bool(_PROLOG.match(head.removeprefix(b"\xef\xbb\xbf")))


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    return fold_spaces("".join(element.itertext())) or None


def _title(element: Element) -> str | None:
    title = _text(element.find("title"))
    # dblp ends every title with a full stop it adds itself; a "?" or "!" ending is the author's.
    return without_final_stop(title)


def _ids(element: Element) -> tuple[str | None, str | None, list[str]]:
    """The DOI and arXiv id in the `ee` links (and a CoRR volume), and every link."""
    links = [text for ee in element.iterfind("ee") if (text := _text(ee))]
    doi = next((found for link in links if (found := normalize_doi(link)) and "doi.org" in link.lower()), None)
    arxiv_id = next((found for link in links if (found := find_arxiv_id(link))), None)
    if arxiv_id is None and _text(element.find("journal")) == "CoRR":
        volume = _CORR_VOLUME.match(_text(element.find("volume")) or "")
        arxiv_id = normalize_arxiv_id(volume.group(1)) if volume else None
    if from_doi := arxiv_id_from_doi(doi):
        arxiv_id, doi = arxiv_id or from_doi, None
    return doi, arxiv_id, links


def _record(element: Element, line: int, position: int) -> PaperRecord | Rejected:
    raw = tostring(element, encoding="unicode")
    key = normalize_dblp_key(element.get("key"))
    title = _title(element)
    if title is None:
        return Rejected(position, line, f"dblp record {element.get('key')!r} has no title", raw[:_EXCERPT])
    doi, arxiv_id, links = _ids(element)
    authors = tuple(text for a in element.iterfind("author") if (text := _text(a)))
    extra: dict[str, object] = {"type": element.tag}
    if editors := [text for e in element.iterfind("editor") if (text := _text(e))]:
        extra["editors"] = editors
    if orcids := {_text(a): a.get("orcid") for a in element.iterfind("author") if a.get("orcid")}:
        extra["orcids"] = orcids
    for name in ("pages", "volume", "number", "publisher", "crossref", "url", "series", "isbn", "school"):
        if value := _text(element.find(name)):
            extra[name] = value
    for name in ("publtype", "mdate"):
        if element.get(name):
            extra[name] = element.get(name)
    if links:
        extra["ee"] = links
    if key and key.startswith("journals/corr/") and arxiv_id:
        # A CoRR record is dblp's entry for the arXiv preprint, which its arXiv id names already; its key
        # stays out of dblp_key so that the paper can take the key of the published version (one paper per
        # work: dblp lists the two versions as two records with two keys).
        extra["dblp_key"], key = key, None
    year, month = _text(element.find("year")), _text(element.find("month"))
    return PaperRecord(
        title=clean_title(title),
        position=position,
        raw=raw,
        line=line,
        arxiv_id=arxiv_id,
        doi=doi,
        authors=authors,
        published=loose(f"{month} {year}" if month and year else year),
        venue=_text(element.find("journal")) or _text(element.find("booktitle")),
        extra=extra,
        dblp_key=key,
    )


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """One record per publication; person pages keep their place in `position` but are not papers."""
    elements = iter_elements(
        fh, path, roots=frozenset({"dblp"}), wanted=PAPERS | NOT_PAPERS, declared_encoding=True,
        entities=name2codepoint,
    )
    for position, (line, element) in enumerate(elements, start=1):
        if element.tag in PAPERS:
            yield _record(element, line, position)


IMPORTER = Importer(
    name="dblp",
    description="dblp.xml (streamed; named entities resolved without fetching dblp.dtd; person pages skipped).",
    sniff=sniff,
    parse=parse,
)
