"""Stream the record elements of a large XML document, with the line each starts on, never the whole tree."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from corpus_db.model import ParseError

CHUNK_SIZE = 1 << 16
MAX_RECORD_BYTES = 16 << 20  # one record element; real ones are a few KB


def _clark(name: str) -> str:
    # expat reports "uri}local" with our separator; ElementTree spells it "{uri}local".
    return "{" + name if "}" in name else name


def element_excerpt(element: Element, chars: int = 300) -> str:
    """The start of an element's text, for a Rejected: iterative, so safe on any nesting depth (unlike
    ElementTree.tostring)."""
    pieces: list[str] = []
    size = 0
    for text in element.itertext():
        pieces.append(text)
        size += len(text)
        if size >= chars:
            break
    return " ".join(" ".join(pieces).split())[:chars]


def iter_elements(
    fh: BinaryIO, path: str, *, roots: frozenset[str], wanted: frozenset[str]
) -> Iterator[tuple[int, Element]]:
    """Yield (start line, element) for each element tagged in `wanted` that is not inside another one.

    Only wanted elements are built, so memory stays at one record however long the dump is. The bytes
    must be UTF-8 (checked here, so the error can name a line) and the root element one of `roots`.
    """
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    ready: list[tuple[int, Element]] = []
    state: dict[str, int] = {"depth": 0, "captured_at": 0, "line": 0}
    builder: list[TreeBuilder] = []  # empty outside a wanted element

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = _clark(name)
        state["depth"] += 1
        if state["depth"] == 1 and tag not in roots:
            raise ParseError(path, f"root element is {tag}, expected {' or '.join(sorted(roots))}", line=1)
        if not builder and tag in wanted:
            builder.append(TreeBuilder())
            state["captured_at"] = state["depth"]
            state["line"] = parser.CurrentLineNumber
        if builder:
            builder[0].start(tag, {_clark(key): value for key, value in attrs.items()})

    def end(name: str) -> None:
        if builder:
            element = builder[0].end(_clark(name))
            if state["depth"] == state["captured_at"]:
                ready.append((state["line"], element))
                builder.clear()
        state["depth"] -= 1

    def data(text: str) -> None:
        if builder:
            builder[0].data(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data

    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0  # newlines in the bytes already decoded, to place an encoding error
    since_record = 0  # bytes read since the last record came out
    while True:
        chunk = fh.read(CHUNK_SIZE)
        final = not chunk
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            line = lines_before + (pending + chunk)[: exc.start].count(b"\n") + 1
            raise ParseError(path, f"not UTF-8 ({exc.reason})", line=line) from None
        lines_before += chunk.count(b"\n")
        since_record += len(chunk)
        if since_record > MAX_RECORD_BYTES:  # one element of many megabytes would be built whole in memory
            raise ParseError(path, f"a record larger than {MAX_RECORD_BYTES >> 20} MiB (not a dump of records?)",
                             line=state["line"] or lines_before)
        try:
            parser.Parse(text, final)
        except expat.ExpatError as exc:
            reason = expat.ErrorString(exc.code)
            if reason == "no element found" or (final and reason.startswith("unclosed token")):
                reason = f"truncated XML ({reason})"
            raise ParseError(path, f"invalid XML: {reason}", line=exc.lineno) from None
        if ready:
            since_record = 0
        yield from ready
        ready.clear()
        if final:
            return
