"""Snippets made in Python from the few abstracts shown: cheaper than FTS5's snippet(), which re-reads
the index for every row (5-9 ms for 20 rows at 1M papers), and the same for both engines. One marker per
query finds the words to mark; the densest stretch of matches is the snippet."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from corpus_db.store.typed_query import Clause

SPAN = 180  # characters, about the 24 words the FTS5 snippet() of the canned query showed
LEAD = 40  # characters of context before the first match shown
ELLIPSIS = "…"
_WORD_TAIL = re.compile(r"\w*")

Span = tuple[int, int]


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches in a str pattern


@dataclass(frozen=True)
class Marker:
    """The words to mark: those starting with one of `starts` (lower case) at a word boundary, to the
    word's end. Found with str.find in the lower-cased text, in C: the regex below scanned every position
    of every abstract (33 us an abstract, half of a search's CPU at 100k papers). The regex stays for a
    text whose lower-casing changes its length (positions would not line up)."""

    starts: tuple[str, ...]
    pattern: re.Pattern[str]
    # A one-letter start ("a" of a phrase "a the") is found inside nearly every other word, each a turn of
    # the loop below: the regex is then the cheaper (30 against 57 us a 1.5 KB abstract; 1.8 ms a page of
    # 20 for the phrase "a the" at 1M papers).
    by_regex: bool = False

    @classmethod
    def of(cls, starts: set[str]) -> Marker:
        """The marker of these lower-case starts (longest first, as the regex tries them)."""
        ordered = tuple(sorted(starts, key=len, reverse=True))
        alternatives = "|".join(re.escape(s) for s in ordered)
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})\w*", re.IGNORECASE)
        return cls(ordered, pattern, by_regex=min(map(len, ordered), default=0) == 1)

    def spans(self, text: str) -> list[Span]:
        if self.by_regex:
            return [match.span() for match in self.pattern.finditer(text)]
        low = text.lower()
        if len(low) != len(text):
            return [match.span() for match in self.pattern.finditer(text)]
        ends: dict[int, int] = {}
        for start in self.starts:
            at = low.find(start)
            while at >= 0:
                if at not in ends and (at == 0 or not _is_word(low[at - 1])):
                    ends[at] = _WORD_TAIL.match(low, at + len(start)).end()  # type: ignore[union-attr]
                at = low.find(start, at + 1)
        spans, reached = [], 0
        for begin, end in sorted(ends.items()):
            if begin >= reached:  # a start holding a non-word character ("fine-grained") spans two words
                spans.append((begin, end))
                reached = end
        return spans


def match_pattern(clauses: list[Clause], stems: list[str]) -> Marker | None:
    """Words to mark: those that start with a query word as typed or folded, or with its stem (a word
    that starts with the stem is a form of it: "network" marks "networks"), or with the prefix typed."""
    starts = {w.lower() for c in clauses for w in c.words} | {_fold(w) for c in clauses for w in c.words}
    starts = {s.lower() for s in starts | set(stems) if s}
    if not starts:
        return None
    return Marker.of(starts)


def _densest(matches: list[Span]) -> int:
    """Index of the match that starts the stretch of SPAN characters holding the most matches."""
    best, best_count, last = 0, 0, 0
    for first, (start, _) in enumerate(matches):
        last = max(last, first)
        while last + 1 < len(matches) and matches[last + 1][1] - start <= SPAN - LEAD:
            last += 1
        if last - first + 1 > best_count:
            best, best_count = first, last - first + 1
    return best


def snippet(text: str, marker: Marker | None, highlight: tuple[str, str]) -> str:
    """About SPAN characters of `text` around its densest matches, matches wrapped in `highlight`."""
    return _cut(text, marker.spans(text) if marker else [], highlight)


def _cut(text: str, matches: list[Span], highlight: tuple[str, str]) -> str:
    start = 0
    if matches:
        first = matches[_densest(matches)][0]
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
        for begin, finish in matches:
            if begin >= start and finish <= end:
                parts += [text[cursor:begin], open_, text[begin:finish], close]
                cursor = finish
    parts.append(text[cursor:end])
    if end < len(text):
        parts.append(ELLIPSIS)
    return "".join(parts)


def best_snippet(title: str, abstract: str | None, marker: Marker | None, highlight: tuple[str, str]) -> str:
    """From the abstract, unless only the title matches (as FTS5's snippet() picks the best column)."""
    if not abstract:
        return snippet(title, marker, highlight)
    matches = marker.spans(abstract) if marker else []
    if matches or marker is None:
        return _cut(abstract, matches, highlight)
    title_matches = marker.spans(title)
    return _cut(title, title_matches, highlight) if title_matches else _cut(abstract, matches, highlight)
