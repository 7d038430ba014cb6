"""Helpers the importer tests share: every real dump, parse-to-list, parse-until-error, byte-counting
readers, lazily written JSON arrays and a bad byte planted at a known line."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from corpus_db.importers import Importer
from corpus_db.model import PaperRecord, ParseError, Rejected
from tests.paths import REALDATA, ROOT

SNIFF_BYTES = 64 * 1024


def all_sample_files() -> list[Path]:
    """Every file under ../shared/realdata (all subfolders) and the seeds text, for sniffer tests."""
    files = sorted(p for p in REALDATA.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    return files + sorted((ROOT / "seeds").glob("*.txt"))


def head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(SNIFF_BYTES)


def parse_bytes(importer: Importer, data: bytes, path: str = "sample") -> list[PaperRecord]:
    return list(importer.parse(io.BytesIO(data), path))


def parse_file(importer: Importer, path: Path) -> list[PaperRecord]:
    with path.open("rb") as fh:
        return list(importer.parse(fh, str(path)))


class CountingReader(io.RawIOBase):
    """A read-only stream that counts the bytes handed out, and has no seek or len (like gzip)."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), 8192))
        buffer[: len(chunk)] = chunk
        self.bytes_read += len(chunk)
        return len(chunk)


def first_record_read(importer: Importer, path: Path) -> tuple[PaperRecord, int, int]:
    """The first record, the bytes read by the time it came out, and the file's size."""
    data = path.read_bytes()
    reader = CountingReader(data)
    records: Iterator[PaperRecord] = importer.parse(io.BufferedReader(reader), str(path))  # type: ignore[arg-type]
    first = next(records)
    return first, reader.bytes_read, len(data)


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


def records_and_rejects(
    importer: Importer, data: bytes, path: str = "sample"
) -> tuple[list[PaperRecord], list[Rejected]]:
    """What a parser yields, split into records and rejects (a bad record costs only itself)."""
    items = list(importer.parse(io.BytesIO(data), path))
    return [i for i in items if isinstance(i, PaperRecord)], [i for i in items if isinstance(i, Rejected)]


def only_reject(importer: Importer, data: bytes, path: str = "sample") -> Rejected:
    """The one Rejected among what a parser yields."""
    _, rejects = records_and_rejects(importer, data, path)
    assert len(rejects) == 1, rejects
    return rejects[0]
