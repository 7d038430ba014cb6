"""The keyword taxonomy: an editable data file of tag → phrases, applied to titles and abstracts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import ahocorasick
import yaml

from corpus_db.rules.normalize import lower_for_search, tag_name

# libyaml's safe loader when PyYAML has it: 10 ms less than the pure-Python one for the shipped taxonomy,
# on every import command (an unchanged dump's re-import takes ~0.3 s in all).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TAXONOMY_ORIGIN = "taxonomy"


def default_taxonomy_path() -> Path:
    """The taxonomy shipped with corpus-db (edit it in the checkout, or pass your own file)."""
    return Path(str(resources.files("corpus_db.rules") / "data" / "taxonomy.yml"))


def _phrase_pattern(phrase: str) -> str:
    words = re.escape(phrase.strip())
    if words.endswith(r"\*"):
        return words[:-2] + r"\w*"
    return words + r"\b"


@dataclass(frozen=True)
class _Hint:
    """Literals one of which must occur in a text for a rule to match: words lower-cased (they match
    in any case), acronyms as written. None when the rule has a non-ASCII phrase, whose case-insensitive
    matches a plain substring test could miss."""

    words: tuple[str, ...]
    acronyms: tuple[str, ...]


def _hint(phrases: list[str]) -> _Hint | None:
    literals = [p.strip().removesuffix("*") for p in phrases]
    if not all(lit and lit.isascii() for lit in literals):
        return None
    return _Hint(
        words=tuple(lit.lower() for p, lit in zip(phrases, literals, strict=True) if not _is_acronym(p)),
        acronyms=tuple(lit for p, lit in zip(phrases, literals, strict=True) if _is_acronym(p)),
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
        target = Path(path) if path else default_taxonomy_path()
        try:
            data = yaml.load(target.read_text(encoding="utf-8"), Loader=_LOADER) or {}
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
            [(literal, i, None) for i, hint in hinted for literal in hint.words]
            + [(literal.lower(), i, literal) for i, hint in hinted for literal in hint.acronyms]
        )

    def tags_for(self, *texts: str | None) -> list[str]:
        """The tags whose phrases occur in any of the texts."""
        joined = "\n".join(t for t in texts if t)
        lowered = lower_for_search(joined) if self.hints else None
        if lowered is None:
            return [tag for tag, pattern in self.rules if pattern.search(joined)]
        matched = [hint is None and pattern.search(joined) is not None
                   for (_, pattern), hint in zip(self.rules, self.hints, strict=True)]
        for start, rule, spelling in self._literals.occurrences(lowered):
            if matched[rule] or (spelling is not None and not joined.startswith(spelling, start)):
                continue
            # match() at an offset still sees the character before it, so \b behaves as in search().
            if self.rules[rule][1].match(joined, start):
                matched[rule] = True
        return [tag for (tag, _), hit in zip(self.rules, matched, strict=True) if hit]


class _Literals:
    """Literal strings, each naming the rules it is a phrase of (and, for an acronym, its spelling as
    written), found all at once in a text."""

    def __init__(self, entries: Iterable[tuple[str, int, str | None]]) -> None:
        rules: dict[str, list[tuple[int, str | None]]] = {}
        for literal, rule, spelling in entries:
            rules.setdefault(literal, []).append((rule, spelling))
        self.automaton: ahocorasick.Automaton | None = None
        if rules:
            self.automaton = ahocorasick.Automaton()
            for literal, targets in rules.items():
                self.automaton.add_word(literal, (len(literal), tuple(targets)))
            self.automaton.make_automaton()

    def occurrences(self, text: str) -> Iterable[tuple[int, int, str | None]]:
        """(start offset, rule, spelling) for every occurrence of every literal, overlapping ones included."""
        if self.automaton is None:
            return
        for end, (length, targets) in self.automaton.iter(text):
            for rule, spelling in targets:
                yield end - length + 1, rule, spelling


def _is_acronym(phrase: str) -> bool:
    letters = [c for c in phrase.rstrip("*") if c.isalpha()]
    return sum(c.isupper() for c in letters) >= 2 and " " not in phrase.strip()
