"""The registry of dump formats (each a pure parser, see base.py) and detection of a dump's format."""

from __future__ import annotations

from corpus_db.importers import (
    arxiv_atom,
    arxiv_jsonl,
    arxiv_oai,
    bibtex,
    crossref,
    csl_json,
    dblp,
    hf_daily,
    listing,
    openalex,
    openalex_merged,
    paperswithcode,
    pubmed,
    pwc_evaluation,
    ris,
    semanticscholar,
)
from corpus_db.importers.base import Importer
from corpus_db.model import ParseError

# Formats are tried in this order when sniffing; the plain-text listing format comes last because almost
# any text could look like one.
FORMATS: dict[str, Importer] = {
    importer.name: importer
    for importer in (
        arxiv_jsonl.IMPORTER,
        arxiv_oai.IMPORTER,
        arxiv_atom.IMPORTER,
        arxiv_atom.WRAPPED_IMPORTER,
        bibtex.IMPORTER,
        hf_daily.IMPORTER,
        paperswithcode.PAPERS,
        paperswithcode.LINKS,
        pwc_evaluation.IMPORTER,
        openalex.IMPORTER,
        openalex_merged.IMPORTER,
        semanticscholar.IMPORTER,
        crossref.IMPORTER,
        dblp.IMPORTER,
        pubmed.IMPORTER,
        ris.IMPORTER,
        csl_json.IMPORTER,
        listing.IMPORTER,
    )
}

_STRUCTURED_STARTS = (b"{", b"[", b"<", b"@", b"%")


def detect_format(head: bytes, path: str) -> Importer:
    """The importer whose sniffer accepts the first bytes of a dump. The listing format is tried last,
    and only text carrying a listing page's chrome is one: anything else (a config file, /etc/shadow,
    JSON nobody knows) is an error that names the file but never quotes it."""
    for importer in FORMATS.values():
        if importer.name != "listing" and importer.sniff(head, path):
            return importer
    if FORMATS["listing"].sniff(head, path):
        return FORMATS["listing"]
    structured = head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_STRUCTURED_STARTS)
    what = "structured data no importer knows" if structured else "not a dump of a format corpus-db knows"
    raise ParseError(path, f"unrecognised format ({what}); name one with --format: {', '.join(FORMATS)}")
