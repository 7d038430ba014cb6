"""The keyword taxonomy: an editable data file of tag → phrases, applied to titles and abstracts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import ahocorasick_rs

from corpus_db.rules.normalize import lower_for_search, tag_name

# yaml and importlib.resources are imported where a taxonomy is read: a worker process gets the built
# Taxonomy by pickle, and importing them took ~20 ms of its start, which a re-import's writer waits on.

TAXONOMY_ORIGIN = "taxonomy"


def default_taxonomy_path() -> Path:
    """The taxonomy shipped with corpus-db (edit it in the checkout, or pass your own file)."""
    from importlib import resources

    return Path(str(resources.files("corpus_db.rules") / "data" / "taxonomy.yml"))


def _phrase_pattern(phrase: str) -> str:
    words = re.escape(phrase.strip())
    if words.endswith(r"\*"):
        return words[:-2] + r"\w*"
    return words + r"\b"


@dataclass(frozen=True)
class _Hint:
    """Literals one of which must occur in a text for a rule to match, each with whether its phrase is a
    prefix (ends in *): words lower-cased (they match in any case), acronyms as written. None when the rule
    has a non-ASCII phrase, whose case-insensitive matches a plain substring test could miss."""

    words: tuple[tuple[str, bool], ...]
    acronyms: tuple[tuple[str, bool], ...]


def _hint(phrases: list[str]) -> _Hint | None:
    stripped = [p.strip() for p in phrases]
    literals = [(p.removesuffix("*"), p.endswith("*")) for p in stripped]
    if not all(lit and lit.isascii() for lit, _ in literals):
        return None
    return _Hint(
        words=tuple((lit.lower(), prefix) for p, (lit, prefix) in zip(phrases, literals, strict=True)
                    if not _is_acronym(p)),
        acronyms=tuple((lit, prefix) for p, (lit, prefix) in zip(phrases, literals, strict=True) if _is_acronym(p)),
    )


@dataclass(frozen=True)
class Taxonomy:
    """Compiled tag rules: a phrase in all capitals (an acronym like MoE, SAM) matches case-sensitively,
    so that "sam" in a sentence does not tag a paper with segmentation."""

    rules: tuple[tuple[str, re.Pattern[str]], ...]
    # One per rule, or empty. Python's re scans a 1.5 KB abstract in ~60 us per rule even when nothing
    # matches (the leading \b and the alternation defeat its literal-prefix search), ~1.3 ms a paper for
    # the shipped taxonomy. A match can only start where a phrase's literal text does, so one
    # Aho-Corasick pass over the text (every literal of every rule at once, in C) locates the
    # candidates and the rule's own regex is tried at those offsets alone: ~10 us a paper instead of
    # ~85 us for a str.find per literal.
    hints: tuple[_Hint | None, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, list[str]], where: str = "taxonomy") -> Taxonomy:
        rules = []
        hints = []
        for tag, phrases in data.items():
            if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
                raise ValueError(f"{where}: tag {tag!r} needs a list of phrases")
            acronyms = [_phrase_pattern(p) for p in phrases if _is_acronym(p)]
            words = [_phrase_pattern(p) for p in phrases if not _is_acronym(p)]
            parts = []
            if words:
                parts.append(rf"(?i:\b(?:{'|'.join(words)}))")
            if acronyms:
                parts.append(rf"\b(?:{'|'.join(acronyms)})")
            rules.append((tag_name(str(tag)), re.compile("|".join(parts))))
            hints.append(_hint(phrases))
        return cls(tuple(rules), tuple(hints))

    @classmethod
    def load(cls, path: str | Path | None = None) -> Taxonomy:
        """Read a taxonomy file; a broken file is an error naming it."""
        import yaml

        # libyaml's safe loader when PyYAML has it: 10 ms less than the pure-Python one for the shipped
        # taxonomy, on every import command (an unchanged dump's re-import takes ~0.3 s in all).
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        target = Path(path) if path else default_taxonomy_path()
        try:
            data = yaml.load(target.read_text(encoding="utf-8"), Loader=loader) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{target}: cannot read the taxonomy: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{target}: the taxonomy must map tag names to lists of phrases")
        return cls.from_mapping(data, str(target))

    @cached_property
    def _literals(self) -> _Literals:
        """Every rule's literals, lower-cased, in one automaton run over the lowered text. An acronym keeps
        its spelling, checked in the text as written where its lowered form occurs (one pass of ~26 us
        instead of a second one over the text as written, ~11 us)."""
        hinted = [(i, hint) for i, hint in enumerate(self.hints) if hint is not None]
        return _Literals(
            [(literal, i, None, prefix) for i, hint in hinted for literal, prefix in hint.words]
            + [(literal.lower(), i, literal, prefix) for i, hint in hinted for literal, prefix in hint.acronyms]
        )

    @cached_property
    def _unhinted(self) -> list[int]:
        return [i for i, hint in enumerate(self.hints) if hint is None]

    def tags_for(self, *texts: str | None) -> list[str]:
        """The tags whose phrases occur in any of the texts."""
        joined = "\n".join(t for t in texts if t)
        lowered = lower_for_search(joined) if self.hints else None
        if lowered is None:
            return [tag for tag, pattern in self.rules if pattern.search(joined)]
        matched = [False] * len(self.rules)
        for rule in self._unhinted:
            matched[rule] = self.rules[rule][1].search(joined) is not None
        # A rule's regex is \b(phrase|phrase...) with \b or \w* after each phrase: it matches where one of
        # its literals occurs with a word boundary before it, and after it unless the phrase is a prefix. Every
        # literal's every occurrence is reported, so testing the boundaries here is testing the regex at
        # each offset (~0.1 us instead of ~0.8 for a match() call; ~6 occurrences an abstract).
        for start, end, rule, spelling, prefix in self._literals.occurrences(lowered):
            if matched[rule] or (spelling is not None and not joined.startswith(spelling, start)):
                continue
            if _boundary(joined, start) and (prefix or _boundary(joined, end)):
                matched[rule] = True
        return [tag for (tag, _), hit in zip(self.rules, matched, strict=True) if hit]


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what re's \w is for str patterns (Py_UNICODE_ISALNUM or _)


def _boundary(text: str, at: int) -> bool:
    """Whether re's \b holds at offset `at` of text: a word character on exactly one side."""
    before = at > 0 and _is_word(text[at - 1])
    after = at < len(text) and _is_word(text[at])
    return before != after


class _Literals:
    """Literal strings, each naming the rules it is a phrase of (with, for an acronym, its spelling as
    written, and whether the phrase is a prefix), found all at once in a text. ahocorasick_rs (Rust) scans
    a 1.5 KB abstract for the shipped taxonomy's 89 literals in ~5.7 us; pyahocorasick took ~18 us (20k
    arXiv abstracts, one core)."""

    def __init__(self, entries: Iterable[tuple[str, int, str | None, bool]]) -> None:
        self._entries = list(entries)
        rules: dict[str, list[tuple[int, str | None, bool]]] = {}
        for literal, rule, spelling, prefix in self._entries:
            rules.setdefault(literal, []).append((rule, spelling, prefix))
        self._targets = [tuple(targets) for targets in rules.values()]
        self._automaton = ahocorasick_rs.AhoCorasick(list(rules)) if rules else None

    def __reduce__(self) -> tuple[type[_Literals], tuple[list[tuple[str, int, str | None, bool]]]]:
        # The automaton cannot be pickled; a worker process (which gets the taxonomy pickled) builds its own.
        return _Literals, (self._entries,)

    def occurrences(self, text: str) -> Iterator[tuple[int, int, int, str | None, bool]]:
        """(start, end, rule, spelling, prefix) for every occurrence of every literal, overlapping ones included."""
        if self._automaton is None:
            return
        targets = self._targets
        for literal, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True):
            for rule, spelling, prefix in targets[literal]:
                yield start, end, rule, spelling, prefix


def _is_acronym(phrase: str) -> bool:
    letters = [c for c in phrase.rstrip("*") if c.isalpha()]
    return sum(c.isupper() for c in letters) >= 2 and " " not in phrase.strip()
