"""How corpus values show in Datasette's HTML tables: arXiv ids, DOIs and repos become links, paper
titles open the paper page, JSON arrays of tags/repos become lists, search snippets keep <mark>."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from markupsafe import Markup, escape

ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})$")
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
# Query-result columns (no table) that name a row of one of our tables.
ROW_LINK_COLUMNS = {"paper_id": "papers", "tag_id": "tags", "repo_id": "repos", "source_id": "sources",
                    "author_id": "authors"}
OVERVIEW = "paper_overview"

TableUrl = Callable[[str], str]  # table name -> its URL in this database


def is_web_url(value: object) -> bool:
    """Only http(s) links become <a href>: a javascript: URL in a dump must stay text."""
    return isinstance(value, str) and value.startswith(("https://", "http://")) and " " not in value


def arxiv_link(arxiv_id: str) -> Markup:
    return Markup('<a href="https://arxiv.org/abs/{0}">arXiv:{0}</a>').format(arxiv_id)


def doi_link(doi: str) -> Markup:
    return Markup('<a href="https://doi.org/{0}">{1}</a>').format(quote(doi, safe="/:;()"), doi)


def repo_link(url: str) -> Markup:
    if not is_web_url(url):
        return Markup("{}").format(url)
    shown = url.removeprefix("https://").removeprefix("http://")
    return Markup('<a class="repo-link" href="{}" rel="noopener">{}</a>').format(url, shown)


def tag_link(name: str, table_url: TableUrl) -> Markup:
    """A tag named in a list (search results, canned queries) opens its tag page."""
    href = f"{table_url('-')}/tag?name={quote_plus(name)}"
    return Markup('<a class="tag" href="{}">{}</a>').format(href, name)


_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str | None) -> Markup:
    """Plain text with its http(s) URLs as links (trailing punctuation left outside); everything escaped."""
    if not text:
        return Markup("")
    parts: list[Markup] = []
    last = 0
    for found in _URL.finditer(text):
        url = found.group(0).rstrip(".,;:)]}")
        end = found.start() + len(url)
        parts.append(Markup("{}").format(text[last:found.start()]))
        parts.append(Markup('<a href="{0}" rel="noopener nofollow">{0}</a>').format(url))
        last = end
    parts.append(Markup("{}").format(text[last:]))
    return Markup("").join(parts)


def highlight(snippet: str) -> Markup:
    """Escape everything, then give back the <mark> tags that fts snippet() put around matched terms."""
    text = str(escape(snippet))
    return Markup(text.replace(str(escape(MARK_OPEN)), MARK_OPEN).replace(str(escape(MARK_CLOSE)), MARK_CLOSE))


def _json_strings(value: object) -> list[str] | None:
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return None
    return items


def _row_get(row: Any, key: str) -> object:
    try:
        return row[key]
    except (IndexError, KeyError):
        return None


def render(row: Mapping[str, Any], value: object, column: str, table: str | None, table_url: TableUrl) -> Markup | None:
    """HTML for one cell, or None to let Datasette render it as usual."""
    if value is None or value == "":
        return None
    if column == "arxiv_id" and isinstance(value, str) and ARXIV_ID.match(value):
        return arxiv_link(value)
    if column == "doi" and isinstance(value, str):
        return doi_link(value)
    if column == "snippet" and table is None and isinstance(value, str):
        return highlight(value)
    if column in ("tags", "repos", "sources") and table in (None, OVERVIEW):
        items = _json_strings(value)
        if items is not None:
            if column == "tags":
                parts = [tag_link(i, table_url) for i in items]
            elif column == "repos":
                parts = [repo_link(i) for i in items]
            else:
                parts = [Markup("{}").format(i) for i in items]
            separator = {"tags": " ", "repos": "<br>", "sources": ", "}[column]  # tags are chips
            return Markup(separator).join(parts)
    if column == "tag" and table is None and isinstance(value, str):
        return tag_link(value, table_url)
    if column == "title" and table in (None, "papers", OVERVIEW):
        paper_id = _row_get(row, "paper_id") if table is None else _row_get(row, "id")
        if table is None and paper_id is None:
            paper_id = _row_get(row, "id")
        if isinstance(paper_id, int):
            return Markup('<a class="paper-title" href="{}/{}">{}</a>').format(table_url("papers"), paper_id, value)
    if table is None and column in ROW_LINK_COLUMNS and isinstance(value, int):
        return Markup('<a href="{}/{}">{}</a>').format(table_url(ROW_LINK_COLUMNS[column]), value, value)
    return None
