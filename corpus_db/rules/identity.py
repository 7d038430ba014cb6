"""Identity resolution: which known paper a record is. An arXiv id decides first, then a DOI, then the
normalized title, and a title match never joins papers whose identifiers contradict each other. Pure:
the store loads the candidate papers a chunk of records could be, and asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

IDENTIFIERS = ("arxiv_id", "doi")  # in the order they decide


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
            if paper[key]:
                self.by_id[key][paper[key]] = paper["id"]
        ids = self.by_title.setdefault(paper["title_key"], [])
        if paper["id"] not in ids:
            ids.append(paper["id"])

    def holder(self, key: str, value: str) -> int | None:
        """The paper that holds this identifier, if any candidate does."""
        return self.by_id[key].get(value)


def compatible(paper: dict[str, Any], fields: dict[str, Any]) -> bool:
    """A title match joins only papers whose identifiers do not contradict each other."""
    return not any(paper[k] and fields[k] and paper[k] != fields[k] for k in IDENTIFIERS)


def resolve(candidates: Candidates, fields: dict[str, Any]) -> int | None:
    """The id of the paper a record with these fields is, or None when it is a new paper."""
    for key in IDENTIFIERS:
        value = fields[key]
        if value and (paper_id := candidates.holder(key, value)) is not None:
            return paper_id
    for paper_id in sorted(candidates.by_title.get(fields["title_key"], ())):
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
