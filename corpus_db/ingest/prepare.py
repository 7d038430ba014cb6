"""Everything about a record that needs no database: its paper fields and fingerprint first (cheap,
needed to tell whether the record changed), then its taxonomy tags, repository links and author keys
(dear, needed only for records that did). Pure, so it can run in a worker process beside the writer."""

from __future__ import annotations

import hashlib

from corpus_db.model import PaperRecord, ParseError, PreparedRecord
from corpus_db.rules.identity import IDENTIFIERS
from corpus_db.rules.merge import record_fields
from corpus_db.rules.normalize import display_name, name_key, tag_name
from corpus_db.rules.repos import canonical_repo, find_links
from corpus_db.rules.taxonomy import Taxonomy

ABSTRACT_LINK_ORIGIN = "abstract"


def text_hash(text: str) -> str:
    """A fingerprint of a record's raw text: equal hashes mean nothing to redo for it."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def record_hash(record: PaperRecord) -> str:
    """The fingerprint of a parsed record (of its raw text, as text_hash)."""
    return text_hash(record.raw)


def prepare(record: PaperRecord, path: str) -> PreparedRecord:
    """The cheap facts of one record; a record without a title is an error naming it."""
    fields = record_fields(record)
    # A title-less record is kept only when an identifier says which paper it completes (an S2 abstract).
    if not fields["title"] and not any(fields[key] for key in IDENTIFIERS):
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
