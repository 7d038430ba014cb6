"""Reading dump files: which files a directory holds, transparent gzip, content hashes, and byte counts
for progress."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, InvalidStateError
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from corpus_db.ingest.digest import FileDigest, hash_file
from corpus_db.ingest.limits import BoundedReader, DumpStream, max_expanded_bytes

GZIP_MAGIC = b"\x1f\x8b"
_READ_SIZE = 1024 * 1024


def hash_ahead(paths: Sequence[Path]) -> dict[Path, Future[FileDigest]]:
    """Start hashing the files, one after the other, on a thread of their own: the command's start-up
    (taxonomy, lock, migrations, run row) and each earlier file's import run meanwhile. SHA-256 and
    file reads release the GIL. A future cancelled before its turn (the file was trusted by its identity,
    digest.py) is skipped, and one cancelled during its turn stops being read."""
    futures: dict[Path, Future[FileDigest]] = {path: Future() for path in paths}

    def run() -> None:
        for path, future in futures.items():
            if future.cancelled():
                continue
            try:
                digest = hash_file(path, stop=future.cancelled)
                if digest is not None:
                    future.set_result(digest)
            except InvalidStateError:  # cancelled as it finished
                pass
            except BaseException as exc:  # the import of that file reports it, as it would its own hashing
                with suppress(InvalidStateError):
                    future.set_exception(exc)

    if futures:
        threading.Thread(target=run, name="corpus-db hash ahead", daemon=True).start()
    return futures


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
    """The first bytes of the dump's content, for format sniffing: for JSON, as far as the end of its
    first record however long (importers/_shape.py), so that a long record cannot hide its keys."""
    from corpus_db.importers._shape import read_head as sniff_head  # every format's module: not at start-up

    with open_dump(path) as fh:
        return sniff_head(fh)


# Files in a folder that are plainly not dumps: notes, pictures, schemas, code, databases. (A file named on
# the command line is always read: naming it says it is one.)
NOT_DUMP_SUFFIXES = frozenset({
    ".md", ".markdown", ".rst", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".bmp", ".tif", ".tiff",
    ".pdf", ".dtd", ".xsd", ".css", ".js", ".py", ".sh", ".yml", ".yaml", ".toml", ".ini", ".cfg", ".lock",
    ".db", ".sqlite", ".sqlite3", ".db-wal", ".db-shm", ".db-journal",
})
# Files without a suffix that a dataset ships beside its dumps (an OpenAlex snapshot's manifests).
NOT_DUMP_NAMES = frozenset({"manifest", "license", "readme", "changelog"})
# Dumps only when a format recognises their content (an OpenAlex snapshot's merged_ids/*.csv.gz does).
TEXT_SUFFIXES = frozenset({".txt", ".text", ".csv", ".tsv"})


@dataclass
class DumpListing:
    """The dumps found under the paths given, and what was passed over (path, why)."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def summary(self) -> str | None:
        """One line saying what was skipped, or None."""
        if not self.skipped:
            return None
        reasons: dict[str, int] = {}
        for _, reason in self.skipped:
            reasons[reason] = reasons.get(reason, 0) + 1
        parts = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        if len(self.skipped) == 1:
            return f"skipped 1 file that is not a dump ({parts})"
        return f"skipped {len(self.skipped)} files that are not dumps ({parts})"


def is_dump(path: Path) -> bool:
    """Whether some format's sniffer accepts the file's content."""
    try:
        head = read_head(path)
    except (OSError, EOFError, ValueError):
        return False
    from corpus_db.importers import FORMATS

    return any(importer.sniff(head, str(path)) for importer in FORMATS.values())


def _skip_reason(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    suffix = suffixes[-2] if len(suffixes) > 1 and suffixes[-1] == ".gz" else (suffixes or [""])[-1]
    if suffix in NOT_DUMP_SUFFIXES:
        return f"{suffix} files"
    if path.name.lower() in NOT_DUMP_NAMES:
        return f"{path.name.lower()} files"
    if suffix in TEXT_SUFFIXES and not is_dump(path):
        return "text files no format recognises"
    return None


def _walk(directory: Path, top: Path, recursive: bool) -> Iterator[tuple[Path, str | None]]:
    """(file, None) for each regular file in name order, or (path, why) for a symlink leading out of the
    tree `top`. Hidden files and folders are passed over silently."""
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            target = entry.resolve()
            if not target.is_relative_to(top):
                yield entry, "symlinks out of the folder"
                continue
            if target.is_dir():
                continue  # its files are reached by their own paths inside the tree
        if entry.is_dir():
            if recursive:
                yield from _walk(entry, top, recursive)
        elif entry.is_file():
            yield entry, None


def list_dumps(paths: Sequence[str | Path], *, recursive: bool = True) -> DumpListing:
    """Files named directly, and the dumps in named folders (and their subfolders unless recursive=False),
    in path order (an OpenAlex snapshot's updated_date=... partitions oldest first), skipping what is
    plainly not a dump and every symlink that leads out of the folder."""
    listing = DumpListing()
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            listing.files.append(path)
            continue
        for found, why in _walk(path, path.resolve(), recursive):
            reason = why or _skip_reason(found)
            if reason is not None:
                listing.skipped.append((found, reason))
            elif (resolved := found.resolve()) not in seen:
                seen.add(resolved)
                listing.files.append(found)
    return listing


def dump_files(directory: Path, *, recursive: bool = True) -> list[Path]:
    """The dumps in a directory (see list_dumps)."""
    return list_dumps([directory], recursive=recursive).files


def expand_paths(paths: Sequence[str | Path], *, recursive: bool = True) -> list[Path]:
    """Files named directly, and the dumps inside named directories."""
    return list_dumps(paths, recursive=recursive).files
