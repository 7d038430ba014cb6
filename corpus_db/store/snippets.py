"""Snippets made in Python from the few abstracts shown: cheaper than FTS5's snippet(), which re-reads
the index for every row (5-9 ms for 20 rows at 1M papers), and the same for both engines. One compiled
pattern per query finds the words to mark; the densest stretch of matches is the snippet."""

from __future__ import annotations

import re
import unicodedata

from corpus_db.store.typed_query import Clause

SPAN = 180  # characters, about the 24 words the FTS5 snippet() of the canned query showed
LEAD = 40  # characters of context before the first match shown
ELLIPSIS = "…"


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def match_pattern(clauses: list[Clause], stems: list[str]) -> re.Pattern[str] | None:
    """Words to mark: those that start with a query word as typed or folded, or with its stem (a word
    that starts with the stem is a form of it: "network" marks "networks"), or with the prefix typed."""
    starts = {w.lower() for c in clauses for w in c.words} | {_fold(w) for c in clauses for w in c.words}
    starts = {s for s in starts | set(stems) if s}
    if not starts:
        return None
    alternatives = "|".join(re.escape(s) for s in sorted(starts, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*", re.IGNORECASE)


def _densest(matches: list[re.Match[str]]) -> int:
    """Index of the match that starts the stretch of SPAN characters holding the most matches."""
    best, best_count, last = 0, 0, 0
    for first, match in enumerate(matches):
        last = max(last, first)
        while last + 1 < len(matches) and matches[last + 1].end() - match.start() <= SPAN - LEAD:
            last += 1
        if last - first + 1 > best_count:
            best, best_count = first, last - first + 1
    return best


def snippet(text: str, pattern: re.Pattern[str] | None, highlight: tuple[str, str]) -> str:
    """About SPAN characters of `text` around its densest matches, matches wrapped in `highlight`."""
    return _cut(text, list(pattern.finditer(text)) if pattern else [], highlight)


def _cut(text: str, matches: list[re.Match[str]], highlight: tuple[str, str]) -> str:
    start = 0
    if matches:
        first = matches[_densest(matches)].start()
        start = max(0, first - LEAD)
        if start:
            space = text.find(" ", start, first)
            start = space + 1 if space >= 0 else start
    end = min(len(text), start + SPAN)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    open_, close = highlight
    parts = [ELLIPSIS] if start else []
    cursor = start
    if open_ or close:
        for match in matches:
            if match.start() >= start and match.end() <= end:
                parts += [text[cursor:match.start()], open_, match.group(), close]
                cursor = match.end()
    parts.append(text[cursor:end])
    if end < len(text):
        parts.append(ELLIPSIS)
    return "".join(parts)


def best_snippet(title: str, abstract: str | None, pattern: re.Pattern[str] | None, highlight: tuple[str, str]) -> str:
    """From the abstract, unless only the title matches (as FTS5's snippet() picks the best column)."""
    if not abstract:
        return snippet(title, pattern, highlight)
    matches = list(pattern.finditer(abstract)) if pattern else []
    if matches or pattern is None or not pattern.search(title):
        return _cut(abstract, matches, highlight)
    return snippet(title, pattern, highlight)
