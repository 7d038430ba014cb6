"""BibTeX and BibLaTeX files: one record per entry; @comment, @preamble, @string and % lines are not papers.

The file is cut into top-level @-blocks as it is read, and each block goes through bibtexparser on its
own, so only one entry is in memory at a time and @string macros carry over from earlier blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String

from corpus_db.importers._fields import text_lines
from corpus_db.importers.base import MAX_NESTING, Importer, excerpt, record_or_reject
from corpus_db.importers.bibtex_text import (
    ExpansionTooLarge,
    brace_depth,
    decode,
    resolve,
    split_keywords,
    split_names,
)
from corpus_db.importers.dates import loose, year_month
from corpus_db.model import PaperRecord, ParseError, Rejected, RepoLink
from corpus_db.rules.normalize import arxiv_id_from_doi, clean_title, find_arxiv_id, normalize_arxiv_id, normalize_doi

_ENTRY_START = re.compile(rb"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
_GITHUB = re.compile(r"^https?://(?:www\.)?github\.com/", re.IGNORECASE)
_VERSION = re.compile(r"v\d+$")
# Fields whose values are identifiers or links: kept as written, never run through LaTeX decoding.
_VERBATIM = {"url", "pdf", "openreview", "arxiv", "doi", "eprint", "file", "isbn", "issn", "urldate", "s2id", "pages"}
# Fields turned into record fields; every other field except the local `file` path goes to extra.
_MAPPED = {
    "title", "author", "abstract", "keywords", "year", "month", "date", "doi", "eprint", "archiveprefix",
    "eprinttype", "booktitle", "journal", "journaltitle", "url", "file",
}  # fmt: skip


def sniff(head: bytes, path: str) -> bool:
    """Text (not JSON or XML) with a line that opens an @entry{ or @entry( block."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return start not in (b"{", b"[", b"<") and _ENTRY_START.search(head) is not None


MAX_BLOCK_CHARS = 8_000_000  # one entry with its comments; real ones are a few KB


def _blocks(fh: BinaryIO, path: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of each top-level @-block with the comment lines before it.

    A block ends where a line starts with @ while the braces opened since the block's @ are closed;
    unbalanced braces make the block run on, and bibtexparser then reports it as failed.
    """
    lines: list[str] = []
    first = 1
    depth = 0
    in_block = False
    size = 0
    for number, line in text_lines(fh, path):
        if line.lstrip().startswith("@"):
            if in_block and depth <= 0:
                yield first, "".join(lines)
                lines, first, size = [], number, 0
            in_block = True
        if not lines:
            first = number
        if depth <= 0 and line.lstrip().startswith("%"):
            # A % line between entries is a comment (even `% @article{...}`): bibtexparser must not see
            # it, and its braces must not hold the next @ back. An empty line keeps the line numbers.
            line = "\n"
        lines.append(line)
        size += len(line)
        if size > MAX_BLOCK_CHARS:
            raise ParseError(path, f"the @-block starting here runs on past {MAX_BLOCK_CHARS:,} characters "
                             "(an unclosed brace?)", line=first)
        if in_block:
            depth += line.count("{") - line.count("}")
    if lines:
        yield first, "".join(lines)


def _published(fields: dict[str, str]) -> str | None:
    """YYYY-MM-DD, YYYY-MM or YYYY from BibLaTeX `date` (the start of a range), else `year` and `month`."""
    date = fields.get("date", "").strip()
    if date and (published := loose(date.split("/")[0])):
        return published
    return year_month(fields.get("year", ""), fields.get("month", ""))


def _arxiv(fields: dict[str, str]) -> tuple[str | None, str | None]:
    """The arXiv id (and version, if the eprint gives one) from eprint, then arXiv-ish journal, URLs, DOI."""
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    eprint = fields.get("eprint", "").strip()
    if archive == "arxiv" and eprint:
        ident = normalize_arxiv_id(eprint)
        if ident:
            version = _VERSION.search(eprint)
            return ident, version.group(0) if version else None
    for key in ("journal", "arxiv", "url", "pdf", "howpublished", "note"):
        ident = find_arxiv_id(fields.get(key))
        if ident:
            return ident, None
    return arxiv_id_from_doi(fields.get("doi")), None  # arXiv's own DataCite DOIs


def _venue(fields: dict[str, str]) -> str | None:
    """booktitle or journal, but "arXiv preprint arXiv:…" names a repository, not a venue."""
    for key in ("booktitle", "journal", "journaltitle"):
        value = decode(fields.get(key, ""))
        if value and not value.lower().startswith("arxiv"):
            return value
    return None


def _record(entry: Entry, line: int, position: int, macros: dict[str, str], path: str) -> PaperRecord:
    fields: dict[str, str] = {}
    for field in entry.fields:
        try:
            value = resolve(str(field.value), macros)
        except ExpansionTooLarge as exc:
            raise ParseError(path, f"field {field.key!r} of entry {entry.key!r} {exc}", line=line) from None
        depth = brace_depth(value)
        if depth is None:
            # bibtexparser swallows a missing comma into the previous value: `{2017}\n month = {June}`.
            where = line + (field.start_line or 0) - (entry.start_line or 0)
            raise ParseError(
                path, f"field {field.key!r} of entry {entry.key!r} is malformed (missing comma?)", line=where
            )
        if depth > MAX_NESTING:
            raise ParseError(path, f"field {field.key!r} of entry {entry.key!r} nests braces {depth} deep", line=line)
        fields[field.key.lower()] = value
    title = clean_title(decode(fields.get("title", "")))
    if not title:
        raise ParseError(path, f"entry {entry.key!r} has no title", line=line)
    arxiv_id, version = _arxiv(fields)
    doi = normalize_doi(fields.get("doi"))
    extra: dict[str, object] = {"entry_type": entry.entry_type.lower(), "key": entry.key}
    if version:
        extra["version"] = version
    repos: list[RepoLink] = []
    url = fields.get("url", "").strip()
    if _GITHUB.match(url):
        repos.append(RepoLink(url, "bibtex:url"))
    elif url:
        extra["url"] = url
        doi = doi or normalize_doi(url)
    for key, value in fields.items():
        if key not in _MAPPED and value.strip():
            extra[key] = value.strip() if key in _VERBATIM else decode(value)
    abstract = decode(fields.get("abstract", ""))
    return PaperRecord(
        title=title,
        position=position,
        raw=entry.raw or "",
        line=line,
        abstract=abstract or None,
        arxiv_id=arxiv_id,
        doi=doi,
        authors=split_names(fields.get("author", "")),
        published=_published(fields),
        venue=_venue(fields),
        tags=split_keywords(fields.get("keywords", "")),
        repos=tuple(repos),
        extra=extra,
    )


def _failure(block: ParsingFailedBlock) -> str:
    if isinstance(block, DuplicateBlockKeyBlock):
        return f"duplicate entry key {block.key!r}"
    # The reason only: bibtexparser's own message counts lines within the piece it was given.
    reason = getattr(block.error, "abort_reason", None) or str(block.error) or "syntax error"
    return f"cannot parse this @-block (unbalanced braces or bad syntax?): {reason}"


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """One record per entry, in file order; a block bibtexparser cannot parse, a duplicate key, an entry
    nested too deeply or an @string that expands too far is a Rejected with its line."""
    macros: dict[str, str] = {}
    seen: set[str] = set()
    position = 0
    for first, text in _blocks(fh, path):
        try:
            library = bibtexparser.parse_string(text, parse_stack=[])
        except RecursionError:
            position += 1
            yield Rejected(position, first, "nested too deeply to read", excerpt(text))
            continue
        for block in library.blocks:
            line = first + (block.start_line or 0)  # bibtexparser counts from 0 within the piece
            if isinstance(block, ParsingFailedBlock):
                if "end of file" in _failure(block):  # the block ran on to the end: truncated, or unclosed
                    raise ParseError(path, _failure(block), line=line)
                position += 1
                yield Rejected(position, line, _failure(block), excerpt(block.raw or ""))
            elif isinstance(block, String):
                try:
                    macros[block.key.lower()] = resolve(str(block.value), macros)
                except ExpansionTooLarge as exc:  # the macro stays undefined: uses of it keep its name
                    position += 1
                    yield Rejected(position, line, f"@string {block.key!r} {exc}", excerpt(block.raw or ""))
            elif isinstance(block, Entry):
                position += 1
                if block.key in seen:
                    yield Rejected(position, line, f"duplicate entry key {block.key!r}", excerpt(block.raw or ""))
                    continue
                seen.add(block.key)
                yield record_or_reject(lambda b=block, at=line, n=position: _record(b, at, n, macros, path),
                                       position=position, line=line, source=lambda b=block: b.raw or "")


IMPORTER = Importer(
    name="bibtex",
    description="BibTeX / BibLaTeX (.bib): entries with LaTeX accents, @string macros, arXiv eprints.",
    sniff=sniff,
    parse=parse,
)
