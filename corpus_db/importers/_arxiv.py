"""Field rules shared by the arXiv dump shapes (snapshot, OAI-PMH, API Atom)."""

from __future__ import annotations

import re

from corpus_db.normalize import fold_spaces, normalize_arxiv_id

_VERSION = re.compile(r"v(\d+)$")
_BRACED_LETTER = re.compile(r"\{(\w)\}")


def split_id(value: str | None) -> tuple[str | None, str | None]:
    """The versionless arXiv id in `value` and its version suffix ("v2"), if one was given."""
    if not value:
        return None, None
    ident = normalize_arxiv_id(value)
    version = _VERSION.search(value.strip().removesuffix(".pdf"))
    return ident, (version.group(0) if ident and version else None)


def text_or_none(value: str | None) -> str | None:
    """arXiv hard-wraps titles, abstracts and comments at 80 columns: unwrap, and treat blank as absent."""
    if value is None:
        return None
    folded = fold_spaces(value)
    return folded or None


def tags_of(categories: str | None) -> tuple[str, ...]:
    """arXiv categories are one space-separated string ("math.CO cs.CG")."""
    return tuple(categories.split()) if categories else ()


def iso_day(timestamp: str | None) -> str | None:
    """The date part of an ISO timestamp such as 2012-01-23T21:15:02Z."""
    if not timestamp:
        return None
    match = re.match(r"\d{4}-\d{2}-\d{2}", timestamp.strip())
    return match.group(0) if match else None


def person(forenames: str | None, keyname: str | None, suffix: str | None) -> str:
    """A raw "First Last Suffix" name; no comma, so the display rule does not turn it round.

    OAI-PMH keeps TeX grouping around decoded letters ("Ka{â}niche"); those braces go.
    """
    name = fold_spaces(" ".join(part for part in (forenames, keyname, suffix) if part))
    return _BRACED_LETTER.sub(r"\1", name)
