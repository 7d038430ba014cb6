"""What people type into a search box, read once for every engine: words, "quoted phrases" and
trailing-* prefixes. Nothing typed is ever a syntax error; punctuation only separates words."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Clause:
    """One thing every result must contain: a word, or words in this order (a quoted phrase, or a
    hyphenated word such as multi-head); with prefix=True the last word may be the start of a word."""

    words: tuple[str, ...]
    prefix: bool = False


def parse(text: str | None) -> list[Clause]:
    """The clauses of a typed query; AND, OR, NOT and NEAR are plain words, an unclosed quote closes at
    the end, and `*` counts only at the end of a word."""
    clauses: list[Clause] = []
    for match in _TERM.finditer(text or ""):
        phrase, bare = match.group(1), match.group(2)
        if phrase is not None:
            words = _WORD.findall(phrase)
            if words:
                clauses.append(Clause(tuple(words)))
            continue
        words = _WORD.findall(bare)
        if words:
            clauses.append(Clause(tuple(words), prefix=bare.endswith("*")))
    return clauses


def to_fts5(clauses: list[Clause]) -> str:
    """The FTS5 MATCH expression: every clause a quoted string (so no FTS5 keyword or operator is
    live), a prefix marked by a * after the closing quote."""
    return " ".join('"' + " ".join(c.words) + '"' + ("*" if c.prefix else "") for c in clauses)
