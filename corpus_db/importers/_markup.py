"""Inline markup (JATS, HTML) inside a text field, rendered to plain text: tags go, their text stays,
entities are decoded, and a leading "Abstract" heading is dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from corpus_db.rules.normalize import fold_spaces

_BLOCKS = {"p", "jats:p", "jats:sec", "sec", "div", "jats:title", "title", "br", "li", "jats:list-item"}
_TITLES = {"jats:title", "title"}
_LEADING_HEADING = re.compile(r"^(?:abstract|summary)\s*[:.]?\s+", re.IGNORECASE)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_title = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")
        if tag in _TITLES:
            self.in_title += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _TITLES and self.in_title:
            self.in_title -= 1
            self.parts.append(": " if self.parts and self.parts[-1].strip() else " ")
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def markup_text(value: str | None) -> str | None:
    """Plain, single-spaced text of a fragment with JATS or HTML tags, else None when it is empty."""
    if not value:
        return None
    if "<" not in value and "&" not in value:
        return fold_spaces(value) or None
    parser = _Text()
    parser.feed(value)
    parser.close()
    text = fold_spaces("".join(parser.parts)).replace(" :", ":")
    text = _LEADING_HEADING.sub("", text)
    return text or None
