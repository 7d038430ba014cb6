"""Papers with Code paper lists: the `papers-with-abstracts.json` dump and `/api/v1/papers/` pages (`pwc`),
and the `links-between-papers-and-code.json` dump (`pwc-links`), one record per paper-to-repository link."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from corpus_db.importers._fields import clean_text
from corpus_db.importers.base import Importer, record_or_reject
from corpus_db.importers.dates import loose
from corpus_db.importers.jsonstream import JsonItems, json_head
from corpus_db.model import PaperRecord, ParseError, Rejected, RepoLink
from corpus_db.rules.normalize import clean_title, find_arxiv_id, normalize_arxiv_id, normalize_doi


def _has(text: str, *keys: str) -> bool:
    return all(re.search(rf'"{re.escape(key)}"\s*:', text) for key in keys)


def sniff_papers(head: bytes, path: str) -> bool:
    """The dump is an array of objects with `paper_url` and `url_abs`; an API page wraps them in `results`."""
    text = json_head(head)
    if text is None or _has(text, "repo_url"):
        return False
    if text.lstrip().startswith("["):
        return _has(text, "paper_url", "url_abs")
    return _has(text, "results", "url_abs", "url_pdf")


def sniff_links(head: bytes, path: str) -> bool:
    """An array of link rows: `paper_url` and `repo_url` side by side."""
    text = json_head(head)
    return text is not None and text.lstrip().startswith("[") and _has(text, "paper_url", "repo_url")


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(text for item in value if (text := clean_text(item)))


def _object(item: object, path: str, entry: int) -> dict[str, object]:
    if not isinstance(item, dict):
        raise ParseError(path, f"expected a paper object, found {type(item).__name__}", entry=entry)
    return item


def _title(item: dict[str, object], key: str, path: str, entry: int) -> str:
    title = clean_text(item.get(key))
    if title is None:
        raise ParseError(path, f"record has no {key}", entry=entry)
    return clean_title(title)


def _arxiv_id(item: dict[str, object], id_key: str, *url_keys: str) -> str | None:
    # The id field is null for many papers whose abstract URL still points at arXiv.
    value = item.get(id_key)
    found = normalize_arxiv_id(value) if isinstance(value, str) else None
    for key in url_keys:
        url = item.get(key)
        found = found or (find_arxiv_id(url) if isinstance(url, str) else None)
    return found


def _paper_record(item: dict[str, object], path: str, entry: int) -> PaperRecord:
    # The dump names the page `paper_url` and the date `date`; the API says `id` and `published`.
    methods = [m["name"] for m in item.get("methods") or [] if isinstance(m, dict) and isinstance(m.get("name"), str)]
    extra: dict[str, object] = {
        key: value for key in ("paper_url", "id", "url_pdf") if isinstance(value := item.get(key), str) and value
    }
    if methods:
        extra["methods"] = methods
    abstract = clean_text(item.get("abstract"))
    url_abs = item.get("url_abs")
    return PaperRecord(
        title=_title(item, "title", path, entry),
        position=entry,
        raw=json.dumps(item, ensure_ascii=False, sort_keys=True),
        abstract=abstract,
        arxiv_id=_arxiv_id(item, "arxiv_id", "url_abs", "url_pdf"),
        doi=normalize_doi(url_abs) if isinstance(url_abs, str) else None,
        # Raw names as given: some entries pack several names into one string, separated by double spaces.
        authors=tuple(a.strip() for a in item.get("authors") or [] if isinstance(a, str) and a.strip()),
        published=loose(item.get("date") or item.get("published")),
        venue=clean_text(item.get("proceeding")) or clean_text(item.get("conference")),
        tags=_strings(item.get("tasks")),
        extra=extra,
    )


def parse_papers(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """Yield one record per paper of a dump array or an API `results` page (a Rejected for one it cannot
    read)."""
    for entry, item in JsonItems(fh, path, list_keys=("results",)):
        yield record_or_reject(lambda i=item, n=entry: _paper_record(_object(i, path, n), path, n), position=entry,
                               line=None, source=lambda i=item: i)


def _link_record(item: dict[str, object], path: str, entry: int) -> PaperRecord:
    repo_url = clean_text(item.get("repo_url"))
    extra: dict[str, object] = {
        key: item[key]
        for key in ("paper_url", "is_official", "mentioned_in_paper", "mentioned_in_github", "framework")
        if item.get(key) is not None
    }
    return PaperRecord(
        title=_title(item, "paper_title", path, entry),
        position=entry,
        raw=json.dumps(item, ensure_ascii=False, sort_keys=True),
        arxiv_id=_arxiv_id(item, "paper_arxiv_id", "paper_url_abs", "paper_url_pdf"),
        repos=(RepoLink(repo_url, "pwc:links"),) if repo_url else (),
        extra=extra,
    )


def parse_links(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """Yield one record per link row: the paper's title and ids with the one repository it links to."""
    for entry, item in JsonItems(fh, path, list_keys=()):
        yield record_or_reject(lambda i=item, n=entry: _link_record(_object(i, path, n), path, n), position=entry,
                               line=None, source=lambda i=item: i)


PAPERS = Importer(
    name="pwc",
    description="Papers with Code papers-with-abstracts.json dump or an /api/v1/papers/ results page.",
    sniff=sniff_papers,
    parse=parse_papers,
)
LINKS = Importer(
    name="pwc-links",
    description="Papers with Code links-between-papers-and-code.json: one record per paper-repository link.",
    sniff=sniff_links,
    parse=parse_links,
)
