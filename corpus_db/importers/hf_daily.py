"""Hugging Face `/api/daily_papers` responses, every schema era: a JSON list of entries, a list of Python
`str(dict)` strings (saved by a script that printed the dicts), or an envelope `{status, date, count, data}`."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import BinaryIO

from corpus_db.importers._fields import clean_text
from corpus_db.importers._shape import json_shape
from corpus_db.importers.base import Importer, record_or_reject
from corpus_db.importers.dates import iso_day
from corpus_db.importers.jsonstream import JsonItems
from corpus_db.model import PaperRecord, ParseError, Rejected, RepoLink
from corpus_db.rules.normalize import clean_title, fold_spaces, normalize_arxiv_id

# Every era's entry holds a `paper` object and at least one of HF's own counters or ids.
_HF_FIELDS = frozenset({"upvotes", "numComments", "discussionId", "submittedOnDailyAt"})
_FILE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_COUNTS = ("upvotes", "githubStars", "numComments")


def _is_entry(entry: object) -> bool:
    """An entry of any era: a `paper` object and at least one of HF's own counters or ids."""
    if isinstance(entry, str):  # the repr-string era; a string cut short by the head is no entry
        try:
            entry = ast.literal_eval(entry)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return False
    if not isinstance(entry, dict) or not isinstance(entry.get("paper"), dict):
        return False
    return bool(_HF_FIELDS & (entry.keys() | entry["paper"].keys()))


def sniff(head: bytes, path: str) -> bool:
    """A JSON array or `{data}` envelope whose first entry is a daily-papers entry, judged on the whole
    entry (the head holds it however many authors it lists: see importers/_shape.py)."""
    shape = json_shape(head)
    entries = shape.records(("data",)) if shape.kind in ("array", "object") else []
    return bool(entries) and _is_entry(entries[0])


def _entry_object(item: object, path: str, entry: int) -> tuple[dict[str, object], str]:
    """The entry as a dict and its exact source text. Repr strings are read with ast.literal_eval,
    which accepts only literals, so a hostile file cannot run code."""
    if isinstance(item, str):
        try:
            value = ast.literal_eval(item)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            raise ParseError(
                path, f"string entry is not a Python dict literal ({type(exc).__name__})", entry=entry
            ) from None
        if not isinstance(value, dict):
            raise ParseError(path, f"string entry holds a {type(value).__name__}, not a dict", entry=entry)
        return value, item
    if isinstance(item, dict):
        return item, json.dumps(item, ensure_ascii=False, sort_keys=True)
    raise ParseError(path, f"expected an object or a dict string, found {type(item).__name__}", entry=entry)


def _listing_date(entry: dict[str, object], paper: dict[str, object], fallback: str | None) -> str | None:
    # submittedOnDailyAt is the day the paper was put on the daily page (a paper can be on two days);
    # older eras lack it, so the envelope or file date, then the entry's own timestamp, stand in.
    return iso_day(paper.get("submittedOnDailyAt")) or fallback or iso_day(entry.get("publishedAt"))


def _record(item: object, path: str, entry: int, fallback_date: str | None) -> PaperRecord:
    data, raw = _entry_object(item, path, entry)
    paper = data.get("paper")
    if not isinstance(paper, dict):
        raise ParseError(path, "entry has no `paper` object", entry=entry)
    title = clean_text(data.get("title")) or clean_text(paper.get("title"))
    if title is None:
        raise ParseError(path, "entry has no title", entry=entry)
    authors = tuple(
        author["name"].strip()
        for author in paper.get("authors") or []
        if isinstance(author, dict) and isinstance(author.get("name"), str) and author["name"].strip()
    )
    repos = tuple(
        RepoLink(url, f"hf:{key}") for key in ("githubRepo", "projectPage") if (url := clean_text(paper.get(key)))
    )
    keywords = paper.get("ai_keywords")
    tags = tuple(k.strip() for k in keywords if isinstance(k, str) and k.strip()) if isinstance(keywords, list) else ()
    extra: dict[str, object] = {}
    for key in _COUNTS:
        value = paper.get(key, data.get(key))
        if isinstance(value, int) and not isinstance(value, bool):
            extra[key] = value
    hf_id = paper.get("id") if isinstance(paper.get("id"), str) else None
    arxiv_id = normalize_arxiv_id(hf_id)
    if hf_id and arxiv_id is None:
        extra["hf_id"] = hf_id  # HF lists a few non-arXiv papers under their own ids
    abstract = clean_text(paper.get("summary")) or clean_text(data.get("summary"))
    return PaperRecord(
        title=clean_title(title),
        position=entry,
        raw=raw,
        abstract=fold_spaces(abstract) if abstract else None,
        arxiv_id=arxiv_id,
        authors=authors,
        published=iso_day(paper.get("publishedAt")),
        tags=tags,
        repos=repos,
        listed_on=_listing_date(data, paper, fallback_date),
        extra=extra,
    )


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """Yield one record per daily-papers entry, in listing order (a Rejected for one it cannot read)."""
    items = JsonItems(fh, path, list_keys=("data",))
    name_date = _FILE_DATE.match(PurePath(path).name)
    file_date = iso_day(name_date.group(1)) if name_date else None
    for entry, item in items:
        fallback = iso_day(items.envelope.get("date")) or file_date
        yield record_or_reject(lambda i=item, n=entry, d=fallback: _record(i, path, n, d), position=entry, line=None,
                               source=lambda i=item: i)


IMPORTER = Importer(
    name="hf-daily",
    description="Hugging Face daily-papers API responses (JSON list, list of Python dict strings, or envelope).",
    sniff=sniff,
    parse=parse,
)
