"""Stream the record elements of a large XML document, with the line each starts on, never the whole tree."""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
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


def _declare_entities(parser: expat.XMLParserType, entities: Mapping[str, int]) -> None:
    """Named entities that a DTD would declare, given without reading one: expat takes this text as the
    document's external subset (its own DOCTYPE, if any, is not fetched)."""
    dtd = "".join(f'<!ENTITY {name} "&#{code};">' for name, code in entities.items()).encode("ascii")

    def external(context: str | None, base: str | None, system_id: str | None, public_id: str | None) -> int:
        sub = parser.ExternalEntityParserCreate(context)
        sub.Parse(dtd, True)
        return 1

    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_ALWAYS)
    parser.UseForeignDTD(True)
    parser.ExternalEntityRefHandler = external


def iter_elements(
    fh: BinaryIO,
    path: str,
    *,
    roots: frozenset[str],
    wanted: frozenset[str],
    declared_encoding: bool = False,
    entities: Mapping[str, int] | None = None,
) -> Iterator[tuple[int, Element]]:
    """Yield (start line, element) for each element tagged in `wanted` that is not inside another one.

    Only wanted elements are built, so memory stays at one record however long the dump is. The bytes
    must be UTF-8 (checked here, so the error can name a line), unless `declared_encoding` lets the XML
    declaration name another (dblp.xml is ISO-8859-1); the root element must be one of `roots`.
    `entities` declares named entities the document uses without declaring them itself.
    """
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    if entities:
        _declare_entities(parser, entities)
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
    if entities:
        # With a DTD in play expat skips an entity none declares instead of failing: keep it as written.
        parser.SkippedEntityHandler = lambda name, is_parameter: None if is_parameter else data(f"&{name};")

    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0  # newlines in the bytes already decoded, to place an encoding error
    since_record = 0  # bytes read since the last record came out
    while True:
        chunk = fh.read(CHUNK_SIZE)
        final = not chunk
        since_record += len(chunk)
        if since_record > MAX_RECORD_BYTES:  # one element of many megabytes would be built whole in memory
            raise ParseError(path, f"a record larger than {MAX_RECORD_BYTES >> 20} MiB (not a dump of records?)",
                             line=state["line"] or lines_before)
        if declared_encoding:
            _feed(parser, chunk, final, path)
            if ready:
                since_record = 0
            yield from ready
            ready.clear()
            if final:
                return
            continue
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            line = lines_before + (pending + chunk)[: exc.start].count(b"\n") + 1
            raise ParseError(path, f"not UTF-8 ({exc.reason})", line=line) from None
        lines_before += chunk.count(b"\n")
        _feed(parser, text, final, path)
        if ready:
            since_record = 0
        yield from ready
        ready.clear()
        if final:
            return


def _feed(parser: expat.XMLParserType, data: str | bytes, final: bool, path: str) -> None:
    try:
        parser.Parse(data, final)
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise ParseError(path, f"invalid XML: {exc}", line=1) from None
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code)
        if reason == "no element found" or (final and reason.startswith("unclosed token")):
            reason = f"truncated XML ({reason})"
        raise ParseError(path, f"invalid XML: {reason}", line=exc.lineno) from None
