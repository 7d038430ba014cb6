"""PubMed `PubmedArticleSet` XML (efetch responses and the baseline/update files), streamed one article
at a time. Structured abstracts keep their section labels; inline markup (<sub>, <i>) stays as its text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, tostring

from corpus_db.importers._fields import without_final_stop
from corpus_db.importers._xmlstream import iter_elements
from corpus_db.importers.base import Importer
from corpus_db.importers.dates import iso, loose
from corpus_db.model import PaperRecord, Rejected
from corpus_db.rules.normalize import clean_title, fold_spaces, normalize_doi, normalize_pmcid, normalize_pmid

ARTICLES = frozenset({"PubmedArticle", "PubmedBookArticle"})
_PROLOG = re.compile(
    rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s+PubmedArticleSet[^>]*>\s*)?<PubmedArticleSet[\s>]",
    re.DOTALL,
)
_EXCERPT = 200


def sniff(head: bytes, path: str) -> bool:
    """An XML document whose root element is <PubmedArticleSet>."""
    return bool(_PROLOG.match(head.removeprefix(b"\xef\xbb\xbf")))


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    return fold_spaces("".join(element.itertext())) or None


def _abstract(article: Element) -> str | None:
    parts = []
    for section in article.iterfind(".//Abstract/AbstractText"):
        text = _text(section)
        if not text:
            continue
        label = section.get("Label")
        parts.append(f"{label}: {text}" if label and label.upper() != "UNLABELLED" else text)
    return " ".join(parts) or None


def _authors(article: Element) -> tuple[tuple[str, ...], list[dict[str, object]]]:
    names: list[str] = []
    places: list[dict[str, object]] = []
    for author in article.iterfind(".//AuthorList/Author"):
        name = _text(author.find("CollectiveName")) or " ".join(
            text for tag in ("ForeName", "LastName", "Suffix") if (text := _text(author.find(tag)))
        ) or _text(author.find("LastName"))
        if not name:
            continue
        names.append(name)
        affiliations = [text for a in author.iterfind("AffiliationInfo/Affiliation") if (text := _text(a))]
        if affiliations:
            places.append({"name": name, "affiliations": affiliations})
    return tuple(names), places


def _date(node: Element | None) -> str | None:
    if node is None:
        return None
    year = _text(node.find("Year"))
    if year is None:
        return loose(_text(node.find("MedlineDate")))  # "1998 Dec-1999 Jan": the first month named
    month = _text(node.find("Month")) or _text(node.find("Season"))
    day = _text(node.find("Day"))
    if month and month.isdigit():
        return iso(int(year), int(month), int(day) if day and day.isdigit() else None)
    return loose(" ".join(part for part in (day, month, year) if part))


def _ids(element: Element) -> dict[str, str]:
    """The article's own ids (PubmedData/ArticleIdList), not those of the works it cites."""
    found: dict[str, str] = {}
    for node in element.iterfind("PubmedData/ArticleIdList/ArticleId"):
        kind, value = node.get("IdType"), _text(node)
        if kind and value and kind not in found:
            found[kind] = value
    return found


def _first(element: Element, *paths: str) -> Element | None:
    # Never `find() or find()`: an element with no children is falsy.
    return next((found for path in paths if (found := element.find(path)) is not None), None)


def _record(element: Element, line: int, position: int) -> PaperRecord | Rejected:
    raw = tostring(element, encoding="unicode")
    citation = _first(element, "MedlineCitation", "BookDocument")
    if citation is None:
        return Rejected(position, line, "article has no MedlineCitation", raw[:_EXCERPT])
    pmid = normalize_pmid(_text(citation.find("PMID")))
    article = _first(citation, "Article", ".")
    title = _text(article.find("ArticleTitle")) or _text(article.find("Book/BookTitle"))
    if title is None:
        title = _text(article.find("VernacularTitle"))
    if title is None:
        return Rejected(position, line, f"PubMed article {pmid or '?'} has no title", raw[:_EXCERPT])
    ids = _ids(element)
    elocation = next(
        (text for e in article.iterfind("ELocationID") if e.get("EIdType") == "doi" and (text := _text(e))), None
    )
    authors, affiliations = _authors(article)
    tags = [text for d in citation.iterfind("MeshHeadingList/MeshHeading/DescriptorName") if (text := _text(d))]
    tags += [text for k in citation.iterfind("KeywordList/Keyword") if (text := _text(k))]
    extra: dict[str, object] = {}
    if affiliations:
        extra["affiliations"] = affiliations
    for tag, name in (("Journal/ISOAbbreviation", "journal_abbreviation"), ("Pagination/MedlinePgn", "pages"),
                      ("Journal/JournalIssue/Volume", "volume"), ("Journal/JournalIssue/Issue", "issue")):
        if value := _text(article.find(tag)):
            extra[name] = value
    types = [text for t in article.iterfind("PublicationTypeList/PublicationType") if (text := _text(t))]
    if types:
        extra["publication_types"] = types
    published = _date(article.find("Journal/JournalIssue/PubDate")) or _date(article.find("ArticleDate"))
    return PaperRecord(
        title=clean_title(without_final_stop(title) or title),
        position=position,
        raw=raw,
        line=line,
        abstract=_abstract(article),
        doi=normalize_doi(ids.get("doi") or elocation),
        authors=authors,
        published=published,
        venue=_text(article.find("Journal/Title")),
        tags=tuple(dict.fromkeys(tags)),
        extra=extra,
        pmid=pmid or normalize_pmid(ids.get("pubmed")),
        pmcid=normalize_pmcid(ids.get("pmc")),
    )


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """One record per article; deletion notices of update files (DeleteCitation) are not articles."""
    elements = iter_elements(
        fh, path, roots=frozenset({"PubmedArticleSet"}), wanted=ARTICLES | {"DeleteCitation"}
    )
    position = 0
    for line, element in elements:
        if element.tag == "DeleteCitation":
            continue
        position += 1
        yield _record(element, line, position)


IMPORTER = Importer(
    name="pubmed",
    description="PubMed PubmedArticleSet XML (efetch and baseline files, .gz): MeSH headings as keywords.",
    sniff=sniff,
    parse=parse,
)
