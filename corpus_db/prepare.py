"""Everything about a record that needs no database: its paper fields and fingerprint first (cheap,
needed to tell whether the record changed), then its taxonomy tags, repository links and author keys
(dear, needed only for records that did). Pure, so it can run in a worker process beside the writer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from corpus_db.merge import record_fields
from corpus_db.normalize import display_name, name_key, tag_name
from corpus_db.records import PaperRecord, ParseError
from corpus_db.repos import Repo, canonical_repo, find_links
from corpus_db.taxonomy import Taxonomy

ABSTRACT_LINK_ORIGIN = "abstract"


@dataclass
class PreparedRecord:
    """What the store needs of a record: where it stood, its raw text and its derived facts. The parsed
    record is kept only until the dear facts are derived (complete()), so that what crosses from the
    worker process is not twice the record."""

    position: int
    line: int | None
    raw: str
    listed_on: str | None
    fields: dict[str, Any]  # the paper columns the record implies (merge.record_fields)
    record_hash: str
    record_key: str  # identity within the source; the store appends #2, #3 to repeats
    record: PaperRecord | None = None
    source_tags: list[str] | None = None  # the source's own tags, one spelling each
    text_tags: list[str] | None = None  # taxonomy tags of the record's own title and abstract
    links: list[tuple[str, str, Repo]] | None = None  # (origin, link as written, canonical repo)
    authors: list[tuple[str, str, str]] | None = None  # (raw name, name_key, display name), byline order


@dataclass(frozen=True)
class Unchanged:
    """A record whose text the source gave, listed, at its last import: nothing to parse or store."""

    record_hash: str


def text_hash(text: str) -> str:
    """A fingerprint of a record's raw text: equal hashes mean nothing to redo for it."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def record_hash(record: PaperRecord) -> str:
    """The fingerprint of a parsed record (of its raw text, as text_hash)."""
    return text_hash(record.raw)


def prepare(record: PaperRecord, path: str) -> PreparedRecord:
    """The cheap facts of one record; a record without a title is an error naming it."""
    fields = record_fields(record)
    if not fields["title"]:
        raise ParseError(path, "record has no title", line=record.line, entry=record.position)
    return PreparedRecord(
        position=record.position,
        line=record.line,
        raw=record.raw,
        listed_on=record.listed_on,
        fields=fields,
        record_hash=record_hash(record),
        record_key=fields["identity_key"],
        record=record,
    )


def complete(item: PreparedRecord, taxonomy: Taxonomy) -> PreparedRecord:
    """Derive the dear facts of a record that has changed (no-op when done already)."""
    record = item.record
    if record is None:
        return item
    links = []
    for link in record.repos:
        repo = canonical_repo(link.url)
        if repo is not None:
            links.append((link.origin, link.url, repo))
    links.extend((ABSTRACT_LINK_ORIGIN, written, repo) for written, repo in find_links(record.abstract))
    item.links = links
    item.authors = [(raw, key, display_name(raw)) for raw in record.authors if (key := name_key(raw))]
    item.source_tags = list(dict.fromkeys(filter(None, map(tag_name, record.tags))))
    item.text_tags = taxonomy.tags_for(item.fields["title"], item.fields["abstract"])
    item.record = None
    return item
