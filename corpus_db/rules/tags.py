"""What kind a tag is, and which spellings are one tag. Curated tags (the user's --tag, the keyword
taxonomy) are what facets show first; arXiv categories are their own facet with human names; a source's
free keywords stay searchable and browsable but apart. Near-duplicate keyword spellings ("llms",
"LLMs", "large-language-models", "large-language-models-llms") share a fold key and so one tag."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

CURATED = "curated"
ARXIV_CATEGORY = "arxiv-category"
KEYWORD = "keyword"
KINDS = (CURATED, ARXIV_CATEGORY, KEYWORD)

# tag_name keeps the case of archive.SUBJECT codes (cs.LG); archives without subjects (quant-ph, hep-th)
# and physics subjects (cond-mat.mtrl-sci) are found in the list of known categories.
_CATEGORY_PATTERN = re.compile(r"^[a-z-]+\.[A-Z]{2}$")
# Words that end in s without being plurals: folding must not turn "news" into "new".
_NOT_PLURAL = frozenset({
    "news", "physics", "mathematics", "economics", "statistics", "dynamics", "robotics", "genomics",
    "series", "species", "bias", "lens", "gas", "chaos", "corpus", "always", "its", "this", "has", "was",
    "analysis", "basis", "thesis", "synthesis", "diagnosis", "axis", "status", "virus", "focus", "census",
    "plus", "minus", "bus", "yes", "kubernetes", "ethics", "optics", "graphics", "semantics", "linguistics",
})


@cache
def arxiv_categories() -> dict[str, str]:
    """Category code -> name, from rules/data/arxiv_categories.yml."""
    text = resources.files("corpus_db.rules.data").joinpath("arxiv_categories.yml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~20 ms less in every importing process
    return {str(code): str(name) for code, name in yaml.load(text, Loader=loader).items()}


def is_arxiv_category(name: str) -> bool:
    return name in arxiv_categories() or bool(_CATEGORY_PATTERN.match(name))


def tag_kind(name: str, *, curated: bool) -> str:
    """arxiv-category for category codes, else curated for --tag and taxonomy tags, else keyword."""
    if is_arxiv_category(name):
        return ARXIV_CATEGORY
    return CURATED if curated else KEYWORD


def tag_label(name: str) -> str:
    """How a tag reads in a facet: "cs.CL — Computation and Language" for a category, else its name."""
    title = arxiv_categories().get(name)
    return f"{name} — {title}" if title else name


def _singular(word: str) -> str:
    if len(word) <= 3 or word in _NOT_PLURAL or word.endswith(("ss", "us", "is")) or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def fold_key(name: str) -> str:
    """The key near-duplicate spellings of a tag name (already in tag_name form) share: plurals folded
    word by word, and a trailing acronym of the words before it dropped. Categories fold to themselves."""
    if is_arxiv_category(name):
        return name
    words = [w for w in name.split("-") if w]
    if len(words) >= 3:
        initials = "".join(w[0] for w in words[:-1])
        if words[-1] in (initials, initials + "s"):
            words = words[:-1]
    return "-".join(_singular(w) for w in words)
