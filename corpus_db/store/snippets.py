"""Snippets made in Python from the few abstracts shown: cheaper than FTS5's snippet(), which re-reads
the index for every row (5-9 ms for 20 rows at 1M papers), and the same for both engines. A query's marks
find what it matched: its single words wherever they are, its phrases where their words follow each other
(one mark a phrase, as FTS5's highlight() gives); the densest stretch of marks is the snippet."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from corpus_db.store.typed_query import Clause

SPAN = 180  # characters, about the 24 words the FTS5 snippet() of the canned query showed
LEAD = 40  # characters of context before the first match shown
ELLIPSIS = "…"
_WORD_TAIL = re.compile(r"\w*")

Span = tuple[int, int]


def _apart(spans: Iterable[Span]) -> list[Span]:
    """Spans ordered by start, each one kept unless it starts inside the last one kept."""
    kept, reached = [], 0
    for begin, end in spans:
        if begin >= reached:
            kept.append((begin, end))
            reached = end
    return kept


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
        return self.spans_in_lowered(low)

    def spans_in_lowered(self, low: str) -> list[Span]:
        """spans() of a text already lower-cased (of the same length as the text)."""
        ends: dict[int, int] = {}
        for start in self.starts:
            at = low.find(start)
            while at >= 0:
                if at not in ends and (at == 0 or not _is_word(low[at - 1])):
                    ends[at] = _WORD_TAIL.match(low, at + len(start)).end()  # type: ignore[union-attr]
                at = low.find(start, at + 1)
        # A start holding a non-word character ("fine-grained") spans two words: the second start is dropped.
        return _apart(sorted(ends.items()))


def _starts(word: str, stems: list[str]) -> set[str]:
    """What marks a typed word: a word of the text starting with it as typed or folded, or with one of its
    stems (a word that starts with the stem is a form of it: "network" marks "networks"; a typed prefix is
    its own start)."""
    return {start for start in {word.lower(), _fold(word), *(s.lower() for s in stems)} if start}


def _word_before(low: str, begin: int) -> Span | None:
    """The word that ends last before `begin` (only non-word characters between), if any."""
    end = begin
    while end > 0 and not _is_word(low[end - 1]):
        end -= 1
    start = end
    while start > 0 and _is_word(low[start - 1]):
        start -= 1
    return (start, end) if start < end else None


def _word_after(low: str, end: int) -> Span | None:
    """The word that starts first after `end` (only non-word characters between), if any."""
    start = end
    while start < len(low) and not _is_word(low[start]):
        start += 1
    if start == len(low):
        return None
    return start, _WORD_TAIL.match(low, start).end()  # type: ignore[union-attr]


@dataclass(frozen=True)
class PhraseMarker:
    """The places where a phrase's words follow each other, each word starting with one of its starts,
    marked as one span from the first word to the last. Found from the rarest-looking word (the one whose
    shortest start is longest) with str.find, then its neighbours checked: marking each word wherever it
    was marked every "and" of the phrase "and transformers" (0.34 ms of a page of 20 at 1M papers, twice a
    word query's). `pattern` finds the same; it serves texts whose lower-casing changes their length, and
    phrases of one-letter words only ("a a", found inside nearly every word)."""

    words: tuple[tuple[str, ...], ...]  # each word's starts, lower case
    anchor: int
    finder: Marker  # the anchor word's starts
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, words: list[set[str]]) -> PhraseMarker:
        ordered = tuple(tuple(sorted(starts, key=len, reverse=True)) for starts in words)
        anchor = max(range(len(ordered)), key=lambda at: min(map(len, ordered[at])))
        body = r"\W+".join(f"(?:{'|'.join(re.escape(s) for s in starts)})\\w*" for starts in ordered)
        return cls(ordered, anchor, Marker.of(set(ordered[anchor])), re.compile(rf"(?<!\w){body}", re.IGNORECASE))

    def spans(self, text: str) -> list[Span]:
        low = text.lower()
        if self.finder.by_regex or len(low) != len(text):
            return [match.span() for match in self.pattern.finditer(text)]
        around = (self._around(low, begin, end) for begin, end in self.finder.spans_in_lowered(low))
        return _apart(span for span in around if span[1] > span[0])

    def _around(self, low: str, begin: int, end: int) -> Span:
        """(start of the first word, end of the last) of the phrase around the anchor word found at
        begin..end, or (0, 0) when its neighbours are not the phrase's words."""
        first, last = begin, end
        for at in range(self.anchor - 1, -1, -1):
            word = _word_before(low, first)
            if word is None or not low.startswith(self.words[at], word[0]):
                return 0, 0
            first = word[0]
        for at in range(self.anchor + 1, len(self.words)):
            word = _word_after(low, last)
            if word is None or not low.startswith(self.words[at], word[0]):
                return 0, 0
            last = word[1]
        return first, last


@dataclass(frozen=True)
class QueryMarks:
    """Everything a query marks: its one-word clauses' words, and its phrases. Overlapping marks keep the
    one that starts first (the longer of two that start together)."""

    words: Marker | None
    phrases: tuple[PhraseMarker, ...]

    def spans(self, text: str) -> list[Span]:
        found = self.words.spans(text) if self.words else []
        if not self.phrases:
            return found
        for phrase in self.phrases:
            found += phrase.spans(text)
        return _apart(sorted(found, key=lambda span: (span[0], -span[1])))


def match_pattern(clauses: list[Clause], stems_of: Callable[[str], list[str]]) -> QueryMarks | None:
    """The marks of a query: a one-word clause marks the words starting with it (as typed or folded, or
    with its stem, or with the prefix typed); a clause of several words marks them where they follow each
    other."""
    single: set[str] = set()
    phrases = []
    for clause in clauses:
        starts = [_starts(word, stems_of(word)) for word in clause.words]
        if len(starts) == 1:
            single |= starts[0]
        elif starts and all(starts):
            phrases.append(PhraseMarker.of(starts))
    if not single and not phrases:
        return None
    return QueryMarks(Marker.of(single) if single else None, tuple(phrases))


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


def snippet(text: str, marker: QueryMarks | None, highlight: tuple[str, str]) -> str:
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


def best_snippet(title: str, abstract: str | None, marker: QueryMarks | None, highlight: tuple[str, str]) -> str:
    """From the abstract, unless only the title matches (as FTS5's snippet() picks the best column)."""
    if not abstract:
        return snippet(title, marker, highlight)
    matches = marker.spans(abstract) if marker else []
    if matches or marker is None:
        return _cut(abstract, matches, highlight)
    title_matches = marker.spans(title)
    return _cut(title, title_matches, highlight) if title_matches else _cut(abstract, matches, highlight)
