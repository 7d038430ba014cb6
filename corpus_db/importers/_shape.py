"""What a JSON dump looks like, from its first record however long that record is: the structure of
the top-level value with every list cut to its first element. Sniffers decide on this structure (keys
and types), never on a regex over the first kilobytes, so a record with hundreds of authors neither
hides its keys nor lends a nested key to the wrong format."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

import ijson

HEAD_FLOOR = 64 * 1024  # always read this much: small dumps are sketched whole
HEAD_CAP = 64 * 1024 * 1024  # never more, whatever the file: a sketch of what was read is still useful
_CHUNK = 64 * 1024
_STARTS = {"start_map", "start_array"}
_ENDS = {"end_map", "end_array"}
# A list this deep (top array 1, envelope list 2, envelope.message list 3) starting its second record
# means the first record is whole: reading on only costs time.
_RECORD_LIST_DEPTH = 3


@dataclass(frozen=True)
class Shape:
    """The sketch of a JSON dump. kind: 'array', 'object', 'lines' (several top-level values: JSON
    lines) or None (not JSON). value: the first top-level value, every list cut to its first element
    (a value cut short by the end of the head is kept as far as it goes)."""

    kind: str | None
    value: object = None

    def records(self, *list_paths: tuple[str, ...]) -> list[object]:
        """The first record of the dump: the array's first item, the item of an envelope list at one of
        `list_paths` (e.g. ('results',), ('message', 'items')), or the object itself (a line, a single
        record); [] when there is none."""
        if self.kind == "array":
            return list(self.value[:1]) if isinstance(self.value, list) else []
        if not isinstance(self.value, dict):
            return []
        for path in list_paths:
            node: object = self.value
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, list):
                return node[:1]
        return [self.value]


class _Sketcher:
    """Builds the cut-down value from ijson events; tells when the first record is complete."""

    def __init__(self) -> None:
        self.root: object = None
        self.stack: list[list | dict] = []
        self.key: list[str | None] = []
        self.skip = 0  # depth inside a value that is not kept (a later list element)
        self.top_values = 0  # top-level values begun
        self.record_done = False  # a record list has started its second element

    def _add(self, value: object) -> bool:
        """Attach a value to its parent; False when the parent is a list that has its element already."""
        if not self.stack:
            self.top_values += 1
            if self.top_values == 1:
                self.root = value
            return self.top_values == 1
        parent = self.stack[-1]
        if isinstance(parent, list):
            if parent:
                if isinstance(parent[0], dict) and len(self.stack) <= _RECORD_LIST_DEPTH:
                    self.record_done = True
                return False
            parent.append(value)
            return True
        parent[self.key[-1]] = value
        return True

    def event(self, event: str, value: object) -> None:
        if self.skip:
            if event in _STARTS:
                self.skip += 1
            elif event in _ENDS:
                self.skip -= 1
            return
        if event == "map_key":
            self.key[-1] = str(value)
        elif event in _STARTS:
            container: list | dict = {} if event == "start_map" else []
            if self._add(container):
                self.stack.append(container)
                self.key.append(None)
            else:
                self.skip = 1
        elif event in _ENDS:
            self.stack.pop()
            self.key.pop()
        else:
            self._add(value)

    @property
    def complete(self) -> bool:
        return self.record_done or self.top_values > 1


class _Recording:
    """Hands bytes to ijson and keeps them: the head is exactly what was read."""

    def __init__(self, fh: BinaryIO, first: bytes):
        self.fh = fh
        self.pending = first
        self.data = bytearray()
        self.done = False

    def read(self, size: int = _CHUNK) -> bytes:
        if size == 0:
            return b""
        if self.pending:
            chunk, self.pending = self.pending, b""
        else:
            chunk = self.fh.read(_CHUNK)
        if not chunk:
            self.done = True
        self.data += chunk
        return chunk


def _looks_like_json(head: bytes) -> bool:
    return head.removeprefix(codecs.BOM_UTF8).lstrip()[:1] in (b"{", b"[")


def read_head(fh: BinaryIO) -> bytes:
    """The first bytes of a dump for sniffing: at least HEAD_FLOOR, and for JSON as far as the end of
    its first record (capped at HEAD_CAP), so that sniffers see one whole record."""
    first = fh.read(HEAD_FLOOR)
    if len(first) < HEAD_FLOOR or not _looks_like_json(first):
        return first
    reader = _Recording(fh, first.removeprefix(codecs.BOM_UTF8))
    sketch = _Sketcher()
    try:
        for event, value in ijson.basic_parse(reader, buf_size=_CHUNK, multiple_values=True):
            sketch.event(event, value)
            if sketch.complete or len(reader.data) >= HEAD_CAP:
                break
    except (ijson.JSONError, UnicodeDecodeError):
        pass  # not JSON after all, or cut: the sniffers judge what there is
    return bytes(reader.data)


@lru_cache(maxsize=1)  # every sniffer asks about the same head in turn; keep no more than that one
def json_shape(head: bytes) -> Shape:
    """The Shape of a dump's head (as read_head gives it); kind None when it is not JSON."""
    if not _looks_like_json(head):
        return Shape(None)
    sketch = _Sketcher()
    events = ijson.basic_parse(io.BytesIO(head.removeprefix(codecs.BOM_UTF8)), multiple_values=True)
    try:
        for event, value in events:
            sketch.event(event, value)
            if sketch.top_values > 1:
                break
    except (ijson.JSONError, UnicodeDecodeError):
        if sketch.root is None:
            return Shape(None)
    if sketch.top_values > 1:
        return Shape("lines", sketch.root)
    return Shape("array" if isinstance(sketch.root, list) else "object" if isinstance(sketch.root, dict) else None,
                 sketch.root)
