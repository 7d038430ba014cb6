"""Shared test helpers: parse bytes, and a byte stream that counts how much the parser has read."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from corpus_db.importers import Importer
from corpus_db.records import PaperRecord, ParseError


def parse_bytes(importer: Importer, data: bytes, path: str = "dump.json") -> list[PaperRecord]:
    return list(importer.parse(io.BytesIO(data), path))


def parse_until_error(importer: Importer, data: bytes, path: str = "dump.json") -> tuple[list[PaperRecord], ParseError]:
    """The records yielded before the parser gave up, and its error (the test fails if there is none)."""
    records: list[PaperRecord] = []
    try:
        for record in importer.parse(io.BytesIO(data), path):
            records.append(record)
    except ParseError as exc:
        return records, exc
    raise AssertionError("expected a ParseError")


class CountingStream(io.RawIOBase):
    """A read-only stream fed by a generator of chunks, counting the bytes handed out, so a test can see
    how much of the input a parser had consumed when it produced its first record."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""
        self.bytes_read = 0
        self.exhausted = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                self.exhausted = True
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.bytes_read += size
        return size


def json_array_chunks(records: Iterable[bytes]) -> Iterator[bytes]:
    """A JSON array written out lazily, one record at a time."""
    yield b"["
    for number, record in enumerate(records):
        yield (b",\n" if number else b"\n") + record
    yield b"\n]\n"


def insert_bad_byte(data: bytes, marker: bytes, occurrence: int = 1) -> tuple[bytes, int]:
    """`data` with an invalid UTF-8 byte just after the n-th `marker`, and the 1-based line it is on."""
    index = -1
    for _ in range(occurrence):
        index = data.index(marker, index + 1)
    index += len(marker)
    return data[:index] + b"\xff" + data[index:], data.count(b"\n", 0, index) + 1
