"""The importer contract: a format is a pure parser from a dump's bytes to PaperRecords (and Rejected
records), with a sniffer that recognises it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from corpus_db.model import PaperRecord, RawRecord, Rejected

Parser = Callable[[BinaryIO, str], Iterator[PaperRecord | Rejected]]
Sniffer = Callable[[bytes, str], bool]
Splitter = Callable[[BinaryIO, str], Iterator[RawRecord]]
RecordParser = Callable[[RawRecord, str], PaperRecord]


@dataclass(frozen=True)
class Importer:
    """A format: its name, a one-line description, a sniffer over the first bytes, and its parser. The
    parser yields a PaperRecord per record, or a Rejected for a record it cannot read (the rest go on),
    and raises ParseError when the dump is broken as a whole.
    A format whose records are cut out of the stream cheaply (one per line) may also offer split and
    parse_one, with parse(fh) == map(parse_one, split(fh)) and each record's raw == its RawRecord text:
    re-imports then fingerprint records before parsing them."""

    name: str
    description: str
    sniff: Sniffer
    parse: Parser
    split: Splitter | None = None
    parse_one: RecordParser | None = None
