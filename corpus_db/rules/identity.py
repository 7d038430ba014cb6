"""Identity resolution: which known paper a record is. An arXiv id decides first, then a DOI, then the open
scholarly graphs' identifiers (OpenAlex W-id, Semantic Scholar corpus id, PubMed and PMC ids, dblp key,
MAG id), then the normalized title; a title match never joins papers any of whose identifiers contradict
each other. Pure: the store loads the candidate papers a chunk of records could be, and asks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from corpus_db.rules.normalize import title_key

# In the order they decide. Each names one work, so each has a unique index on papers.
IDENTIFIERS = ("arxiv_id", "doi", "openalex_id", "s2_corpus_id", "pmid", "pmcid", "dblp_key", "mag_id")
GRAPH_IDENTIFIERS = IDENTIFIERS[2:]  # the ones the open scholarly graphs brought
_PREFIXES = {
    "arxiv_id": "arxiv", "doi": "doi", "openalex_id": "openalex", "s2_corpus_id": "s2", "pmid": "pmid",
    "pmcid": "pmc", "dblp_key": "dblp", "mag_id": "mag",
}


def key_of(key: str, value: str) -> str:
    """The identity key an identifier gives ('openalex:W1')."""
    return f"{_PREFIXES[key]}:{value}"


def identity_key(fields: Mapping[str, Any]) -> str:
    """The strongest identity known for a paper: its first identifier, else its normalized title."""
    for key in IDENTIFIERS:
        if value := fields.get(key):
            return key_of(key, value)
    return f"title:{title_key(fields.get('title') or '')}"


def speaks_again(paper: Mapping[str, Any], fields: Mapping[str, Any]) -> bool:
    """A record about the very OpenAlex work that gave the paper its W-id: a later snapshot partition (or
    API page) updating that work, so its values revise the paper's instead of only filling gaps."""
    return bool(fields.get("openalex_id")) and paper.get("openalex_id") == fields["openalex_id"]


@dataclass
class Candidates:
    """Papers a chunk of records could be, indexed by every identifier and by title key."""

    papers: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_id: dict[str, dict[str, int]] = field(default_factory=lambda: {k: {} for k in IDENTIFIERS})
    by_title: dict[str, list[int]] = field(default_factory=dict)

    def remember(self, paper: dict[str, Any]) -> None:
        """Add a paper (or its new state, after an update) to the indexes."""
        self.papers[paper["id"]] = paper
        for key in IDENTIFIERS:
            if value := paper.get(key):
                self.by_id[key][value] = paper["id"]
        if not paper["title_key"]:
            return  # a paper still waiting for its title (an S2 abstract line) is found by identifier only
        ids = self.by_title.setdefault(paper["title_key"], [])
        if paper["id"] not in ids:
            ids.append(paper["id"])

    def holder(self, key: str, value: str) -> int | None:
        """The paper that holds this identifier, if any candidate does."""
        return self.by_id[key].get(value)


def compatible(paper: dict[str, Any], fields: dict[str, Any]) -> bool:
    """A title match joins only papers whose identifiers do not contradict each other."""
    return not any(paper.get(k) and fields.get(k) and paper[k] != fields[k] for k in IDENTIFIERS)


def resolve(candidates: Candidates, fields: dict[str, Any]) -> int | None:
    """The id of the paper a record with these fields is, or None when it is a new paper."""
    for key in IDENTIFIERS:
        value = fields.get(key)
        if value and (paper_id := candidates.holder(key, value)) is not None:
            return paper_id
    for paper_id in sorted(candidates.by_title.get(fields["title_key"], ()) if fields["title_key"] else ()):
        if compatible(candidates.papers[paper_id], fields):
            return paper_id
    return None


def drop_taken_identifiers(candidates: Candidates, paper: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """Never fill an identifier another paper already holds (the unique index would refuse it); the
    identity key derived from it goes too."""
    for key in IDENTIFIERS:
        value = updates.get(key)
        if value and candidates.holder(key, value) not in (None, paper["id"]):
            del updates[key]
            updates.pop("identity_key", None)
    return updates
