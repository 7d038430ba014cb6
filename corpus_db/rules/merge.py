"""How a record's fields become a paper's, and how a second source's record improves a known paper.
Pure functions: the rules are tested without a database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from corpus_db.model import PaperRecord
from corpus_db.rules.identity import GRAPH_IDENTIFIERS, IDENTIFIERS, identity_key
from corpus_db.rules.normalize import (
    clean_title,
    fold_spaces,
    normalize_arxiv_id,
    normalize_dblp_key,
    normalize_digits_id,
    normalize_doi,
    normalize_openalex_id,
    normalize_pmcid,
    normalize_pmid,
    strip_controls,
    title_hash,
    title_key,
    valid_published,
    year_of,
)

# The columns a record can fill; identity_key, title_key and title_hash are derived from them.
PAPER_FIELDS = (*IDENTIFIERS, "title", "abstract", "abstract_truncated", "published", "year", "venue")
_GRAPH_ID_RULES = {
    "openalex_id": normalize_openalex_id, "s2_corpus_id": normalize_digits_id, "pmid": normalize_pmid,
    "pmcid": normalize_pmcid, "dblp_key": normalize_dblp_key, "mag_id": normalize_digits_id,
}
TEXT_FIELDS = ("title", "abstract")  # the columns the FTS index reads


def record_fields(record: PaperRecord) -> dict[str, Any]:
    """The paper columns a record implies, normalized; no control or bidi-override character survives."""
    title = fold_spaces(strip_controls(clean_title(record.title)))
    abstract = fold_spaces(strip_controls(record.abstract)) if record.abstract else None
    arxiv_id = normalize_arxiv_id(record.arxiv_id)
    doi = normalize_doi(record.doi)
    published = valid_published(record.published)
    ids: dict[str, Any] = {"arxiv_id": arxiv_id, "doi": doi}
    for key in GRAPH_IDENTIFIERS:
        ids[key] = _GRAPH_ID_RULES[key](getattr(record, key))
    key = title_key(title)
    return {
        "identity_key": identity_key({**ids, "title": title}),
        **ids,
        "title": title,
        "title_key": key,
        "title_hash": title_hash(key),
        "abstract": abstract or None,
        "abstract_truncated": bool(abstract) and record.abstract_truncated,
        "published": published or None,
        "year": year_of(published),
        "venue": fold_spaces(strip_controls(record.venue)) if record.venue else None,
    }


def _better_abstract(old: str | None, old_cut: bool, new: str | None, new_cut: bool) -> bool:
    """A full abstract beats one cut short; among equals a longer one wins (it was cut later, or
    carries more); an empty one never replaces text."""
    if not new:
        return False
    if not old:
        return True
    if old_cut != new_cut:
        return old_cut
    return old_cut and len(new) > len(old)


def _better_date(old: str | None, new: str | None) -> bool:
    """Fill a missing date, or make it more precise (2024 → 2024-05 → 2024-05-27) when they agree."""
    if not new:
        return False
    if not old:
        return True
    return len(new) > len(old) and new.startswith(old)


def revise_fields(paper: Mapping[str, Any], incoming: Mapping[str, Any]) -> dict[str, Any]:
    """A source corrected its own record: its non-empty values replace the paper's, except that a
    cut-short abstract never replaces a full one and identifiers are only filled."""
    changes = merge_fields(paper, incoming)
    if incoming["title"] and incoming["title"] != paper["title"]:
        changes["title"] = incoming["title"]
        changes["title_key"] = incoming["title_key"]
        changes["title_hash"] = incoming["title_hash"]
    new_abstract = incoming["abstract"]
    keeps_full_text = not incoming["abstract_truncated"] or paper["abstract_truncated"] or not paper["abstract"]
    if new_abstract and new_abstract != paper["abstract"] and keeps_full_text:
        changes["abstract"] = new_abstract
        changes["abstract_truncated"] = incoming["abstract_truncated"]
    for key, also in (("published", "year"), ("venue", None)):
        if incoming[key] and incoming[key] != paper[key]:
            changes[key] = incoming[key]
            if also:
                changes[also] = incoming[also]
    if "title" in changes and not any(paper[k] or changes.get(k) for k in IDENTIFIERS):
        changes["identity_key"] = identity_key({"title": changes["title"]})
    return changes


def merge_fields(paper: Mapping[str, Any], incoming: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of `paper` that `incoming` improves, with their new values. A later record never
    blanks a field; identifiers are only filled, never overwritten; the first good title stays."""
    changes: dict[str, Any] = {}
    for key in (*IDENTIFIERS, "venue"):
        if incoming[key] and not paper[key]:
            changes[key] = incoming[key]
    if _better_abstract(paper["abstract"], bool(paper["abstract_truncated"]), incoming["abstract"],
                        bool(incoming["abstract_truncated"])):
        changes["abstract"] = incoming["abstract"]
        changes["abstract_truncated"] = incoming["abstract_truncated"]
    if _better_date(paper["published"], incoming["published"]):
        changes["published"] = incoming["published"]
        changes["year"] = incoming["year"]
    if not paper["title"] and incoming["title"]:
        # A paper that had no title yet (an S2 abstract that came before its paper) takes the first one.
        changes["title"] = incoming["title"]
        changes["title_key"] = incoming["title_key"]
        changes["title_hash"] = incoming["title_hash"]
    if any(key in changes for key in IDENTIFIERS) or "title" in changes:
        key = identity_key({**paper, **changes})
        if key != paper["identity_key"]:
            changes["identity_key"] = key
    return changes
