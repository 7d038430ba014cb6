"""Bounds on what a dump may make us read: how far a gzip file may expand, how long one line may be, and
how much blank space may run on. Real dumps expand about 4:1, their longest lines are a few KB and they
never hold megabytes of white space; a bomb expands 1000:1, or is one line of gigabytes, or millions of
empty lines. Each is refused with a clear error before it fills the memory or the afternoon.

The checks run once per block of 1 MiB in C (find, count, isspace), never once per line."""

from __future__ import annotations

import io
import os
import zlib
from typing import BinaryIO

from corpus_db.model import ParseError

GZIP_MAGIC = b"\x1f\x8b"
MAX_LINE_ENV = "CORPUS_DB_MAX_LINE_BYTES"
MAX_EXPANSION_ENV = "CORPUS_DB_MAX_EXPANSION"
DEFAULT_MAX_LINE = 16 << 20  # no record of any dump we know is one line this long
DEFAULT_MAX_EXPANSION = 32  # decompressed / compressed; real dumps are near 4
EXPANDED_FLOOR = 64 << 20  # a small file may expand this far whatever its ratio
MAX_BLANK_RUN = 4 << 20  # white space in a row
BLOCK = 1 << 20


def max_line_bytes() -> int:
    """The longest line a line-by-line dump may have ($CORPUS_DB_MAX_LINE_BYTES)."""
    return int(os.environ.get(MAX_LINE_ENV, DEFAULT_MAX_LINE))


def max_expanded_bytes(compressed: int) -> int:
    """How far a gzip file of `compressed` bytes may expand: $CORPUS_DB_MAX_EXPANSION times its size,
    and at least 64 MiB."""
    ratio = float(os.environ.get(MAX_EXPANSION_ENV, DEFAULT_MAX_EXPANSION))
    return max(EXPANDED_FLOOR, int(compressed * ratio))


def human_size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.1f} {unit}"
    return f"{n} bytes"


class BoundedReader(io.RawIOBase):
    """The content of a dump file, gunzipped when `gunzip_limit` is given (every member, as gunzip reads
    them; trailing bytes that are not a member are ignored, as gunzip does with a warning; a stream cut
    short is an error), with the bounds above checked block by block."""

    def __init__(self, raw: BinaryIO, path: str, *, gunzip_limit: int | None = None):
        self._raw = raw
        self._path = path
        self._gunzip_limit = gunzip_limit
        self._inflate = zlib.decompressobj(wbits=31) if gunzip_limit is not None else None
        self._block = b""
        self._offset = 0
        self._done = False
        self.expanded = 0
        self.trailing_garbage = False
        self.line_limit: int | None = None  # set while the dump is read line by line
        self._start = 0  # where the current block starts in the content
        self._line_length = 0  # bytes since the last newline
        self._blank_run = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._offset >= len(self._block):
            if self._done:
                return 0
            self._start += len(self._block)
            self._block, self._offset = self._next_block(), 0
            if not self._block:
                self._done = True
                return 0
            self._check(self._block)
        size = min(len(buffer), len(self._block) - self._offset)
        buffer[:size] = self._block[self._offset : self._offset + size]
        self._offset += size
        return size

    # -- the bounds -----------------------------------------------------------------------------------

    def _check(self, block: bytes) -> None:
        last_newline = block.rfind(b"\n")
        if last_newline < 0:
            self._line_length += len(block)
        else:
            self._line_length = len(block) - last_newline - 1
        if self.line_limit is not None and self._line_length > self.line_limit:
            line = self._newlines_before(block)
            raise ParseError(
                self._path, f"a line longer than {human_size(self.line_limit)} (not a dump of records?); "
                f"raise ${MAX_LINE_ENV} if this dump is real", line=line + 1 if line is not None else None,
            )
        self._blank_run = self._blank_run + len(block) if block.isspace() else 0
        if self._blank_run > MAX_BLANK_RUN:
            raise ParseError(self._path, f"more than {human_size(MAX_BLANK_RUN)} of blank space in a row",
                             line=self._newlines_before(block) if self.line_limit is not None else None)

    def _newlines_before(self, block: bytes) -> int | None:
        """For an error's line number only: the newlines up to the end of the current block, those before it
        counted by reading the dump again from its start. Counting them in every block as it went cost a
        re-import's worker, which the writer waits on, 0.08 s at 100k papers for these two messages."""
        counted, left = 0, self._start
        try:
            with open(self._path, "rb") as raw:
                again = BoundedReader(raw, self._path, gunzip_limit=self._gunzip_limit)
                while left > 0 and (data := again.read(min(left, BLOCK))):
                    counted += data.count(b"\n")
                    left -= len(data)
        except (OSError, ParseError):  # gone or replaced since: the message goes without its line
            return None
        return counted + block.count(b"\n")

    # -- reading and inflating ------------------------------------------------------------------------

    def _next_block(self) -> bytes:
        if self._inflate is None:
            return self._raw.read(BLOCK)
        while True:
            data = self._inflate.unconsumed_tail or self._raw.read(BLOCK)
            if not data:
                if not self._inflate.eof:
                    raise ParseError(self._path, "the gzip data ends early (a truncated file or download?)")
                return b""
            try:
                out = self._inflate.decompress(data, BLOCK)
            except zlib.error as exc:
                raise ParseError(self._path, f"not valid gzip data ({exc})") from None
            self.expanded += len(out)
            assert self._gunzip_limit is not None
            if self.expanded > self._gunzip_limit:
                raise ParseError(
                    self._path, f"decompresses to more than {human_size(self._gunzip_limit)}, "
                    f"over {DEFAULT_MAX_EXPANSION} times its size (a decompression bomb?); "
                    f"raise ${MAX_EXPANSION_ENV} if this dump is real",
                )
            if self._inflate.eof and not self._next_member():
                self._inflate = None
                self._raw = io.BytesIO(b"")  # what follows the last member is not read
            if out:
                return out
            if self._inflate is None:
                return b""

    def _next_member(self) -> bool:
        """After a member ends: True when another member follows (and is set up)."""
        assert self._inflate is not None
        rest = self._inflate.unused_data
        if len(rest) < 2:
            rest += self._raw.read(BLOCK)
        if rest[:2] == GZIP_MAGIC:
            self._inflate = zlib.decompressobj(wbits=31)
            self._raw = _Prefixed(rest, self._raw)
            return True
        self.trailing_garbage = bool(rest.strip(b"\x00"))
        return False


class _Prefixed(io.RawIOBase):
    """`head` followed by the rest of `tail`."""

    def __init__(self, head: bytes, tail: BinaryIO):
        self._head = head
        self._tail = tail

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._tail.read(size)


class DumpStream(io.BufferedReader):
    """The buffered stream importers read. Iterating it (line by line) turns the line bound on; read()
    stays unbounded in line length, since JSON and XML dumps may be one long line."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        raw = self.raw
        if isinstance(raw, BoundedReader) and raw.line_limit is None:
            raw.line_limit = max_line_bytes()
        return self
