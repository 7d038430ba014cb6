"""Helpers the importer tests share: every real dump, a byte-counting reader, parse-to-list."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from corpus_db.importers import Importer
from corpus_db.records import PaperRecord
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
