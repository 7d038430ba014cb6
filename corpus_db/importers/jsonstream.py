"""Stream the records of a JSON dump one at a time: a top-level array, or an envelope object whose
list sits under a known key. Dumps can be several GB, so nothing here reads the whole file."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

import ijson

from corpus_db.model import ParseError

CHUNK = 64 * 1024
MAX_ITEM_BYTES = 16 << 20  # one record of a JSON dump; real ones are a few KB, a PwC task a few MB
# (and the C parser slows quadratically on one long value: 16 MiB takes 2 s, 64 MiB 30 s)
_BOM = codecs.BOM_UTF8
_STARTS = {"start_map", "start_array"}
_ENDS = {"end_map", "end_array"}


class Utf8Reader:
    """Passes bytes through to the JSON parser while checking they are UTF-8, so a bad byte is reported
    with its line rather than as a vague JSON error somewhere later."""

    def __init__(self, fh: BinaryIO, path: str):
        self._fh = fh
        self._path = path
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._lines_before = 0  # newlines in the bytes already handed on
        self._first = True
        self._done = False
        self.blank = True  # nothing but white space so far
        self.since_item = 0  # bytes handed on since the last item came out: one item's size, roughly
        self.item = 1  # the entry being read, for the error

    def read(self, size: int = CHUNK) -> bytes:
        if self._done or size == 0:  # ijson reads 0 bytes first to learn whether the stream is binary
            return b""
        chunk = self._fh.read(size if size and size > 0 else CHUNK)
        if self._first:
            self._first = False
            chunk = chunk.removeprefix(_BOM)  # a BOM is legal in a UTF-8 file but not in JSON
        pending = self._decoder.getstate()[0]
        try:
            self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            data = pending + chunk
            line = self._lines_before + data.count(b"\n", 0, exc.start) + 1
            raise ParseError(
                self._path, f"not UTF-8 text ({exc.reason}, byte 0x{data[exc.start]:02x})", line=line
            ) from None
        if not chunk:
            self._done = True
        self.since_item += len(chunk)
        if self.since_item > MAX_ITEM_BYTES:
            # One value of many megabytes (one line or not) would be built whole in memory by the parser.
            raise ParseError(self._path, f"an entry larger than {MAX_ITEM_BYTES >> 20} MiB (not a dump of records?)",
                             entry=self.item)
        if self.blank and chunk.strip():
            self.blank = False
        self._lines_before += chunk.count(b"\n")
        return chunk


def json_error(exc: Exception) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    first = str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__
    if "premature EOF" in first:
        return "file ends in the middle of this entry (truncated JSON?)"
    return f"invalid JSON ({first})"


def build_value(event: str, value: object, events: Iterator[tuple[str, object]]) -> object:
    """One complete JSON value whose first event has just been read."""
    if event not in _STARTS:
        return value
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    depth = 1
    for ev, val in events:
        builder.event(ev, val)
        if ev in _STARTS:
            depth += 1
        elif ev in _ENDS:
            depth -= 1
            if depth == 0:
                break
    return builder.value


class JsonItems:
    """Iterates `(entry_number, item)` over the items of the dump's list. Top-level values of an envelope
    object that come before the list (e.g. a listing date or an export config) are in `envelope`."""

    def __init__(self, fh: BinaryIO, path: str, list_keys: tuple[str, ...]):
        self.path = path
        self.list_keys = list_keys
        self.envelope: dict[str, object] = {}
        self.count = 0  # items yielded so far
        self._reader = Utf8Reader(fh, path)
        self._events = ijson.basic_parse(self._reader, buf_size=CHUNK, use_float=True)

    def __iter__(self) -> Iterator[tuple[int, object]]:
        try:
            event, _ = next(self._events)
            if event == "start_array":
                yield from self._array_items()
            elif event == "start_map":
                yield from self._envelope_items()
            else:
                raise ParseError(self.path, self._shape_message())
            for _ in self._events:  # the parser checks that nothing but white space follows
                pass
        except ijson.JSONError as exc:
            if self._reader.blank:
                raise ParseError(self.path, "the file is empty") from None
            raise ParseError(self.path, json_error(exc), entry=self.count + 1) from None

    def _shape_message(self) -> str:
        keys = " or ".join(repr(key) for key in self.list_keys)
        return f"expected a JSON array of records or an object with a {keys} list"

    def _array_items(self) -> Iterator[tuple[int, object]]:
        for event, value in self._events:
            if event == "end_array":
                return
            item = build_value(event, value, self._events)
            self.count += 1
            self._reader.since_item, self._reader.item = 0, self.count + 1
            yield self.count, item
        raise ijson.IncompleteJSONError("premature EOF")

    def _envelope_items(self) -> Iterator[tuple[int, object]]:
        found = False
        for event, value in self._events:
            if event == "end_map":
                break
            key = str(value)  # a map_key event
            event, value = next(self._events, ("end", None))
            if key in self.list_keys and not found:
                if event != "start_array":
                    raise ParseError(self.path, f"{key!r} is not a list")
                found = True
                yield from self._array_items()
            else:
                self.envelope[key] = build_value(event, value, self._events)
        if not found:
            raise ParseError(self.path, self._shape_message())


_JSON_START = re.compile(rb"^\s*[\[{]")


def json_head(head: bytes) -> str | None:
    """The start of a file as text if it looks like JSON (an array or object), else None; for sniffers."""
    head = head.removeprefix(_BOM)
    if not _JSON_START.match(head):
        return None
    return head.decode("utf-8", errors="ignore")
