"""The registry of dump formats: each importer is a pure parser from bytes to PaperRecords."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from corpus_db.records import PaperRecord, ParseError, RawRecord

Parser = Callable[[BinaryIO, str], Iterator[PaperRecord]]
Sniffer = Callable[[bytes, str], bool]
Splitter = Callable[[BinaryIO, str], Iterator[RawRecord]]
RecordParser = Callable[[RawRecord, str], PaperRecord]


@dataclass(frozen=True)
class Importer:
    """A format: its name, a one-line description, a sniffer over the first bytes, and its parser.
    A format whose records are cut out of the stream cheaply (one per line) may also offer split and
    parse_one, with parse(fh) == map(parse_one, split(fh)) and each record's raw == its RawRecord text:
    re-imports then fingerprint records before parsing them."""

    name: str
    description: str
    sniff: Sniffer
    parse: Parser
    split: Splitter | None = None
    parse_one: RecordParser | None = None


def _registry() -> dict[str, Importer]:
    from corpus_db.importers import (
        arxiv_atom,
        arxiv_jsonl,
        arxiv_oai,
        bibtex,
        csl_json,
        hf_daily,
        listing,
        paperswithcode,
        pwc_evaluation,
    )

    importers = [
        arxiv_jsonl.IMPORTER,
        arxiv_oai.IMPORTER,
        arxiv_atom.IMPORTER,
        arxiv_atom.WRAPPED_IMPORTER,
        bibtex.IMPORTER,
        hf_daily.IMPORTER,
        paperswithcode.PAPERS,
        paperswithcode.LINKS,
        pwc_evaluation.IMPORTER,
        csl_json.IMPORTER,
        listing.IMPORTER,
    ]
    # Formats are tried in this order when sniffing; the plain-text listing format comes last
    # because almost any text could look like one.
    return {imp.name: imp for imp in importers}


FORMATS: dict[str, Importer] = _registry()


_STRUCTURED_STARTS = (b"{", b"[", b"<", b"@", b"%")


def detect_format(head: bytes, path: str) -> Importer:
    """The importer whose sniffer accepts the first bytes of a dump. Plain text falls back to the
    listing format; JSON, XML or BibTeX that no importer recognises is an error, never read as a
    listing by accident."""
    for importer in FORMATS.values():
        if importer.name != "listing" and importer.sniff(head, path):
            return importer
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_STRUCTURED_STARTS):
        raise ParseError(
            path, f"unrecognised format (structured data no importer knows); name one with --format: "
            f"{', '.join(FORMATS)}"
        )
    return FORMATS["listing"]
