"""The keyword taxonomy: an editable data file of tag → phrases, applied to titles and abstracts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

TAXONOMY_ORIGIN = "taxonomy"


def default_taxonomy_path() -> Path:
    """The taxonomy shipped with corpus-db (edit it in the checkout, or pass your own file)."""
    return Path(str(resources.files("corpus_db") / "data" / "taxonomy.yml"))


def _phrase_pattern(phrase: str) -> str:
    words = re.escape(phrase.strip())
    if words.endswith(r"\*"):
        return words[:-2] + r"\w*"
    return words + r"\b"


@dataclass(frozen=True)
class Taxonomy:
    """Compiled tag rules: a phrase in all capitals (an acronym like MoE, SAM) matches case-sensitively,
    so that "sam" in a sentence does not tag a paper with segmentation."""

    rules: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def from_mapping(cls, data: Mapping[str, list[str]], where: str = "taxonomy") -> Taxonomy:
        rules = []
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
            rules.append((str(tag), re.compile("|".join(parts))))
        return cls(tuple(rules))

    @classmethod
    def load(cls, path: str | Path | None = None) -> Taxonomy:
        """Read a taxonomy file; a broken file is an error naming it."""
        target = Path(path) if path else default_taxonomy_path()
        try:
            data = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{target}: cannot read the taxonomy: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{target}: the taxonomy must map tag names to lists of phrases")
        return cls.from_mapping(data, str(target))

    def tags_for(self, *texts: str | None) -> list[str]:
        """The tags whose phrases occur in any of the texts."""
        joined = "\n".join(t for t in texts if t)
        return [tag for tag, pattern in self.rules if pattern.search(joined)]


def _is_acronym(phrase: str) -> bool:
    letters = [c for c in phrase.rstrip("*") if c.isalpha()]
    return sum(c.isupper() for c in letters) >= 2 and " " not in phrase.strip()
