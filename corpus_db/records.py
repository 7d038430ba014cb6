"""The typed records every importer produces: bytes in, these out, no database in sight."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RepoLink:
    """A link from a paper to code, a model, a dataset, a space or a project page."""

    url: str
    origin: str  # where the link came from, e.g. "abstract", "hf:githubRepo", "pwc:links"


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
    extra: dict[str, object] = field(default_factory=dict)  # format-specific facts worth keeping


@dataclass(frozen=True)
class RawRecord:
    """One record's text as it stands in the dump, before parsing: enough to fingerprint it, so an
    unchanged record of a re-imported dump need not be parsed at all."""

    position: int
    line: int | None
    text: str


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
