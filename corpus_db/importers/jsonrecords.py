"""The records of a JSON dump in whichever shape the scholarly graphs ship them: JSON lines (snapshots,
datasets), a top-level array, an envelope whose list sits at a known path ({meta, results},
{status, message: {items}}), or one record on its own. Streamed: nothing here holds more than one
record, and a bad line is rejected without stopping the rest."""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import ijson

from corpus_db.importers._fields import text_lines
from corpus_db.importers.jsonstream import CHUNK, Utf8Reader, build_value, json_error
from corpus_db.model import ParseError, RawRecord, Rejected

_LINE_PEEK = 16 * 1024 * 1024  # a first line longer than this is not a JSON-lines record worth peeking
EXCERPT = 200


def excerpt(text: str) -> str:
    """The start of a bad record, for a reject row."""
    return text[:EXCERPT]


@dataclass(frozen=True)
class JsonRecord:
    """One record: its place, its value and its text (a line as written, or the item re-serialised)."""

    position: int
    line: int | None
    value: object
    text: str


def canonical(value: object) -> str:
    """The stored text of a record cut out of a larger JSON value."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class _Prepend(io.RawIOBase):
    """A stream with some bytes already read put back in front."""

    def __init__(self, first: bytes, fh: BinaryIO):
        self._first = first
        self._fh = fh

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._first:
            size = min(len(buffer), len(self._first))
            buffer[:size], self._first = self._first[:size], self._first[size:]
            return size
        chunk = self._fh.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _rejoined(first: bytes, fh: BinaryIO) -> BinaryIO:
    return io.BufferedReader(_Prepend(first, fh), buffer_size=CHUNK)  # type: ignore[return-value]


def _as_object(line: bytes) -> dict | None:
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):  # not one flat JSON object a line
        return None
    return value if isinstance(value, dict) else None


def split_json(fh: BinaryIO, path: str, list_paths: tuple[tuple[str, ...], ...]) -> Iterator[RawRecord]:
    """Each record's text, before parsing: a JSON-lines dump's lines as they stand, else the items of
    the array or envelope list re-serialised (or the one object, when there is no list)."""
    first = fh.readline(_LINE_PEEK)
    peek = first.removeprefix(codecs.BOM_UTF8)
    obj = _as_object(peek) if peek.strip() else None
    if obj is not None and not _has_list(obj, list_paths):
        yield from _lines(_rejoined(first, fh), path)
        return
    for position, value in _streamed(_rejoined(first, fh), path, list_paths):
        yield RawRecord(position, None, canonical(value))


def _has_list(obj: dict, list_paths: tuple[tuple[str, ...], ...]) -> bool:
    for keys in list_paths:
        node: object = obj
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, list):
            return True
    return False


def _lines(fh: BinaryIO, path: str) -> Iterator[RawRecord]:
    # Only \n ends a line: snapshots hold U+2028 inside strings, which str.splitlines() would cut at.
    position = 0
    for number, line in text_lines(fh, path):
        text = line.rstrip("\r\n")
        if text.strip():
            position += 1
            yield RawRecord(position, number, text)


def _streamed(fh: BinaryIO, path: str, list_paths: tuple[tuple[str, ...], ...]) -> Iterator[tuple[int, object]]:
    reader = Utf8Reader(fh, path)
    events = ijson.basic_parse(reader, buf_size=CHUNK, use_float=True)
    count = 0
    try:
        event, _ = next(events)
        if event == "start_array":
            for count, item in enumerate(_array(events), start=1):
                yield count, item
        elif event == "start_map":
            found: list[bool] = [False]
            items = _object(events, list_paths, found)
            while True:
                try:
                    item = next(items)
                except StopIteration as stop:
                    whole = stop.value
                    break
                count += 1
                yield count, item
            if not found[0]:
                count = 1
                yield 1, whole
        else:
            raise ParseError(path, "expected a JSON object or array")
        for _ in events:  # the parser checks that nothing but white space follows
            pass
    except ijson.JSONError as exc:
        if reader.blank:
            raise ParseError(path, "the file is empty") from None
        raise ParseError(path, json_error(exc), entry=count + 1) from None
    except StopIteration:
        raise ParseError(path, "the file is empty") from None


def _array(events: Iterator[tuple[str, object]]) -> Iterator[object]:
    for event, value in events:
        if event == "end_array":
            return
        yield build_value(event, value, events)
    raise ijson.IncompleteJSONError("premature EOF")


def _object(
    events: Iterator[tuple[str, object]], list_paths: tuple[tuple[str, ...], ...], found: list[bool]
) -> Iterator[object]:
    """Yield the items of the first list at one of list_paths inside this object (which has just
    started); return the object itself, as far as it was built (the list left out)."""
    whole: dict[str, object] = {}
    for event, value in events:
        if event == "end_map":
            return whole
        key = str(value)
        event, value = next(events)
        here = [p[1:] for p in list_paths if p and p[0] == key]
        if not found[0] and () in here and event == "start_array":
            found[0] = True
            yield from _array(events)
        elif not found[0] and any(here) and event == "start_map":
            whole[key] = yield from _object(events, tuple(p for p in here if p), found)
        else:
            whole[key] = build_value(event, value, events)
    raise ijson.IncompleteJSONError("premature EOF")


def decode_line(raw: RawRecord) -> tuple[object | None, str | None]:
    """A record's value, or why it cannot be read (for a Rejected)."""
    try:
        return json.loads(raw.text), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON ({exc.msg} at column {exc.colno}); truncated?"


def rejected(raw: RawRecord, reason: str) -> Rejected:
    """A record that cannot be read, with where it stood and how it began."""
    return Rejected(raw.position, raw.line, reason, excerpt(raw.text))
