"""The registry of dump formats (each a pure parser, see base.py) and detection of a dump's format."""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from corpus_db.importers.base import Importer
from corpus_db.model import ParseError

# Each format's name, module and attribute, in the order formats are tried when sniffing; the plain-text
# listing format comes last because almost any text could look like one. A module is imported when its
# format is first asked for: a worker process preparing one format's records starts without the other
# seventeen (~60 ms of its start-up, which the writer waits on).
_REGISTRY: tuple[tuple[str, str, str], ...] = (
    ("arxiv-jsonl", "arxiv_jsonl", "IMPORTER"),
    ("arxiv-oai", "arxiv_oai", "IMPORTER"),
    ("arxiv-atom", "arxiv_atom", "IMPORTER"),
    ("arxiv-atom-json", "arxiv_atom", "WRAPPED_IMPORTER"),
    ("bibtex", "bibtex", "IMPORTER"),
    ("hf-daily", "hf_daily", "IMPORTER"),
    ("pwc", "paperswithcode", "PAPERS"),
    ("pwc-links", "paperswithcode", "LINKS"),
    ("pwc-evaluation", "pwc_evaluation", "IMPORTER"),
    ("openalex", "openalex", "IMPORTER"),
    ("openalex-merged", "openalex_merged", "IMPORTER"),
    ("semanticscholar", "semanticscholar", "IMPORTER"),
    ("crossref", "crossref", "IMPORTER"),
    ("dblp", "dblp", "IMPORTER"),
    ("pubmed", "pubmed", "IMPORTER"),
    ("ris", "ris", "IMPORTER"),
    ("csl-json", "csl_json", "IMPORTER"),
    ("listing", "listing", "IMPORTER"),
)
FORMAT_NAMES: tuple[str, ...] = tuple(name for name, _, _ in _REGISTRY)
_WHERE = {name: (module, attribute) for name, module, attribute in _REGISTRY}

if TYPE_CHECKING:
    FORMATS: dict[str, Importer]


def importer_named(name: str) -> Importer:
    """The importer of one format, importing its module only (or from FORMATS, once that is made: a
    caller may have registered a format of its own there). KeyError for a name no format has."""
    formats = globals().get("FORMATS")
    return formats[name] if formats is not None else _load(name)


@cache
def _load(name: str) -> Importer:
    module, attribute = _WHERE[name]
    return getattr(importlib.import_module(f"corpus_db.importers.{module}"), attribute)


def __getattr__(attribute: str) -> object:
    """FORMATS (every format's importer, in sniffing order) is made, importing every module, when first used."""
    if attribute != "FORMATS":
        raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")
    formats = {name: _load(name) for name in FORMAT_NAMES}
    globals()["FORMATS"] = formats
    return formats


_STRUCTURED_STARTS = (b"{", b"[", b"<", b"@", b"%")


def detect_format(head: bytes, path: str) -> Importer:
    """The importer whose sniffer accepts the first bytes of a dump. The listing format is tried last,
    and only text carrying a listing page's chrome is one: anything else (a config file, /etc/shadow,
    JSON nobody knows) is an error that names the file but never quotes it."""
    for name in FORMAT_NAMES:
        importer = importer_named(name)
        if name != "listing" and importer.sniff(head, path):
            return importer
    if importer_named("listing").sniff(head, path):
        return importer_named("listing")
    structured = head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_STRUCTURED_STARTS)
    what = "structured data no importer knows" if structured else "not a dump of a format corpus-db knows"
    raise ParseError(path, f"unrecognised format ({what}); name one with --format: {', '.join(FORMAT_NAMES)}")
