"""Reading dump files: which files a directory holds, transparent gzip, content hashes, and byte counts
for progress."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from corpus_db.ingest.limits import BoundedReader, DumpStream, max_expanded_bytes

GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 64 * 1024
_READ_SIZE = 1024 * 1024


def content_hash(path: Path) -> str:
    """SHA-256 of the file's bytes as stored (compressed or not), read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_READ_SIZE):
            digest.update(block)
    return digest.hexdigest()


class _CountingReader(io.RawIOBase):
    """Passes reads through and reports how many bytes of the underlying file have been consumed."""

    def __init__(self, raw: BinaryIO, on_progress: Callable[[int], None]):
        self._raw = raw
        self._on_progress = on_progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self._on_progress(count or 0)
        return count


@contextmanager
def open_dump(path: Path, on_progress: Callable[[int], None] | None = None) -> Iterator[BinaryIO]:
    """A binary stream of the dump's content, gunzipped when the file is gzip, whatever its name (every
    member, trailing garbage ignored as gunzip does)."""
    with path.open("rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        stream: BinaryIO = raw
        if on_progress is not None:
            stream = io.BufferedReader(_CountingReader(raw, on_progress), buffer_size=_READ_SIZE)
        # Bounded however it is read: a gzip bomb, an endless line or megabytes of blank space end in a
        # ParseError naming the file (see limits.py).
        gunzip_limit = max_expanded_bytes(path.stat().st_size) if magic == GZIP_MAGIC else None
        yield DumpStream(BoundedReader(stream, str(path), gunzip_limit=gunzip_limit), buffer_size=_READ_SIZE)


def read_head(path: Path) -> bytes:
    """The first bytes of the dump's content, for format sniffing."""
    with open_dump(path) as fh:
        return fh.read(SNIFF_BYTES)


def dump_files(directory: Path) -> list[Path]:
    """The dumps in a directory: its files, sorted, hidden ones skipped."""
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def expand_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files named directly, and the dumps inside named directories."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files.extend(dump_files(path) if path.is_dir() else [path])
    return files
