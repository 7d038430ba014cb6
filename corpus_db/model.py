"""The types every stage passes on: what an importer yields (PaperRecord, Rejected, RawRecord, ParseError),
what ingest hands the store (PreparedRecord, Unchanged), and what an import counts (ImportCounts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RepoLink:
    """A link from a paper to code, a model, a dataset, a space or a project page."""

    url: str
    origin: str  # where the link came from, e.g. "abstract", "hf:githubRepo", "pwc:links"


@dataclass(frozen=True)
class Repo:
    """One repository (or project page) in canonical form."""

    url: str
    host: str
    owner: str | None
    name: str | None
    kind: str  # code, model, dataset, space, collection, profile, project


@dataclass
class PaperRecord:
    """One paper as one source lists it, with its place in that source for error messages."""

    title: str
    position: int  # 1-based ordinal of the record in its source
    raw: str  # the record exactly as read, so a paper can always be re-derived
    line: int | None = None  # 1-based line where the record starts, where the format has lines
    abstract: str | None = None
    abstract_truncated: bool = False
    arxiv_id: str | None = None
    doi: str | None = None
    authors: tuple[str, ...] = ()  # raw author names in byline order
    published: str | None = None  # ISO 8601 date, or YYYY-MM, or YYYY
    venue: str | None = None
    tags: tuple[str, ...] = ()  # tags the source itself gives (categories, keywords)
    repos: tuple[RepoLink, ...] = ()  # links the source gives as fields (not found in text)
    listed_on: str | None = None  # the listing date the source shows for this record, as written
    # The open scholarly graphs' identifiers, normalized (rules.normalize); they match like arXiv ids and DOIs.
    openalex_id: str | None = None  # W2100301546
    s2_corpus_id: str | None = None  # Semantic Scholar corpus id, digits
    pmid: str | None = None  # PubMed id, digits
    pmcid: str | None = None  # PMC1234567
    dblp_key: str | None = None  # journals/corr/abs-1512-03385
    mag_id: str | None = None  # Microsoft Academic Graph id, digits
    extra: dict[str, object] = field(default_factory=dict)  # format-specific facts worth keeping


@dataclass(frozen=True)
class RawRecord:
    """One record's text as it stands in the dump, before parsing: enough to fingerprint it, so an
    unchanged record of a re-imported dump need not be parsed at all."""

    position: int
    line: int | None
    text: str


@dataclass(frozen=True)
class Rejected:
    """A record that could not be parsed or is invalid: kept with its reason while the rest of its source
    imports. A dump broken as a whole (undecodable, truncated, unknown format) raises ParseError instead."""

    position: int  # 1-based ordinal of the record in its source
    line: int | None
    reason: str
    excerpt: str  # the start of the record as read, capped


@dataclass(frozen=True)
class MergedId:
    """A graph's statement that one of its ids was merged into another (OpenAlex's merged_ids): not a
    paper, but a rule the store keeps, so the old id resolves to the work that absorbed it."""

    position: int
    line: int | None
    scheme: str  # the identifier column, e.g. "openalex_id"
    old_id: str
    new_id: str


class ParseError(ValueError):
    """Bad input: names the file, the line or entry, and what is wrong."""

    def __init__(self, path: str, message: str, *, line: int | None = None, entry: int | None = None):
        self.path = path
        self.line = line
        self.entry = entry
        self.message = message
        super().__init__(str(self))

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt with its keyword arguments when it crosses from a worker process.
        return (_parse_error, (self.path, self.message, self.line, self.entry))

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}: {self.message}"
        if self.entry is not None:
            return f"{self.path}: entry {self.entry}: {self.message}"
        return f"{self.path}: {self.message}"


def _parse_error(path: str, message: str, line: int | None, entry: int | None) -> ParseError:
    return ParseError(path, message, line=line, entry=entry)


@dataclass
class PreparedRecord:
    """What the store needs of a record: where it stood, its raw text and its derived facts. The parsed
    record is kept only until the dear facts are derived (ingest.prepare.complete), so that what crosses
    from the worker process is not twice the record."""

    position: int
    line: int | None
    raw: str
    listed_on: str | None
    fields: dict[str, Any]  # the paper columns the record implies (rules.merge.record_fields)
    record_hash: str
    record_key: str  # identity within the source; the store appends #2, #3 to repeats
    record: PaperRecord | None = None
    source_tags: list[str] | None = None  # the source's own tags, one spelling each
    text_tags: list[str] | None = None  # taxonomy tags of the record's own title and abstract
    links: list[tuple[str, str, Repo]] | None = None  # (origin, link as written, canonical repo)
    authors: list[tuple[str, str, str]] | None = None  # (raw name, name_key, display name), byline order


@dataclass(frozen=True, slots=True)
class Unchanged:
    """A record whose text the source gave, listed, at its last import: nothing to parse or store. It
    carries the record keys the source's rows of that text were stored under (the writer marks them seen)."""

    record_keys: tuple[str, ...]


@dataclass
class Batch:
    """A run of a source's records in file order, as the writer stores them (one chunk): the unchanged
    ones only counted, with their record keys (100k Unchanged objects pickled across from the worker
    and back cost more than the rest of an unchanged record's way), the others as items."""

    items: list[Any] = field(default_factory=list)  # PreparedRecord | Rejected | MergedId, in file order
    unchanged: int = 0
    unchanged_keys: list[str] = field(default_factory=list)


@dataclass
class ImportCounts:
    """What happened to the records of one or more sources."""

    inserted: int = 0  # new papers
    merged: int = 0  # records that added a source to a paper already known
    updated: int = 0  # records that improved a known paper, or came back after being unlisted
    unchanged: int = 0  # records identical to what this source gave last time
    rejected: int = 0  # records not stored because their source failed
    unlisted: int = 0  # papers this source no longer lists (kept, marked)

    def add(self, other: ImportCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def records(self) -> int:
        return self.inserted + self.merged + self.updated + self.unchanged
