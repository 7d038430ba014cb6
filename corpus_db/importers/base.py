"""The importer contract: a format is a pure parser from a dump's bytes to PaperRecords (and Rejected
records), with a sniffer that recognises it."""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from corpus_db.model import PaperRecord, ParseError, RawRecord, Rejected

Parser = Callable[[BinaryIO, str], Iterator[PaperRecord | Rejected]]
Sniffer = Callable[[bytes, str], bool]
Splitter = Callable[[BinaryIO, str], Iterator[RawRecord | Rejected]]
RecordParser = Callable[[RawRecord, str], PaperRecord | Rejected]
# Given a block of records' raw bytes, a token for each one the caller already knows (None: not known).
Recogniser = Callable[[list[bytes]], list[Any]]
# split, except that a record the recogniser knows is yielded as its token, never decoded.
Skimmer = Callable[[BinaryIO, str, Recogniser], Iterator[Any]]

EXCERPT_CHARS = 300  # what a Rejected keeps of its record
MAX_NESTING = 200  # brackets or braces inside one another in one value; real records nest a few levels
_EXCERPT = reprlib.Repr()
_EXCERPT.maxlevel, _EXCERPT.maxstring, _EXCERPT.maxother, _EXCERPT.maxdict, _EXCERPT.maxlist = 4, 200, 200, 8, 8



def parse_by_split(split: Splitter, parse_one: RecordParser) -> Parser:
    """The parser of a format that cuts records out first: parse_one over split, a reject passed on as it
    is (the contract such a format keeps: parse(fh) == map(parse_one, split(fh)))."""

    def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
        for raw in split(fh, path):
            yield parse_one(raw, path) if isinstance(raw, RawRecord) else raw

    return parse


@dataclass(frozen=True)
class Importer:
    """A format: its name, a one-line description, a sniffer over the first bytes, and its parser. The
    parser yields a PaperRecord per record, or a Rejected for a record it cannot read (the rest go on),
    and raises ParseError when the dump is broken as a whole.
    A format whose records are cut out of the stream cheaply (one per line) may also offer split and
    parse_one, with parse(fh) == map(parse_one, split(fh)) and each record's raw == its RawRecord text:
    re-imports then fingerprint records before parsing them. A format whose record is one line may offer
    skim as well: split over the lines whose bytes the caller does not recognise (a record's bytes are its
    RawRecord text as UTF-8), so that a re-import neither decodes nor builds what it will skip."""

    name: str
    description: str
    sniff: Sniffer
    parse: Parser
    split: Splitter | None = None
    parse_one: RecordParser | None = None
    skim: Skimmer | None = None


def excerpt(value: object) -> str:
    """The start of a record for a Rejected: text as it is, anything else as a bounded repr (safe on
    values nested too deeply for repr or json.dumps)."""
    text = value if isinstance(value, str) else _EXCERPT.repr(value)
    return text[:EXCERPT_CHARS]


def record_or_reject(
    build: Callable[[], PaperRecord], *, position: int, line: int | None, source: Callable[[], object]
) -> PaperRecord | Rejected:
    """build() the record, or the Rejected that says why it cannot be: a ParseError raised for this one
    record, nesting too deep for Python's recursion limit, a value too large to hold, or a number too large
    for a date or a C type. `source()` gives what the excerpt quotes, asked only for a reject."""
    try:
        return build()
    except ParseError as exc:
        reason = exc.message
        line = exc.line if exc.line is not None else line  # the field's own line, where the parser knows it
    except RecursionError:
        reason = "nested too deeply to read"
    except MemoryError:
        reason = "too large to read"
    except OverflowError:  # a number past what Python's dates or C types hold, where a parser missed it
        reason = "a number too large to read"
    return Rejected(position=position, line=line, reason=reason, excerpt=excerpt(source()))
