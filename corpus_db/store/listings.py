"""What a source listed at its last committed import, read beside the writer: the one place that
answers "did this record change?", by its fingerprint."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_db.store.db import connect_read_only
from corpus_db.store.sources import record_count, source_id

if TYPE_CHECKING:
    from corpus_db.store.fingerprints import SourceFingerprints

LOOKUP_CACHE_KIB = 64 * 1024
# A source of up to this many records has all its fingerprints read at once, in index order, into a dict
# (0.12 s of CPU at 100k records, against 0.23 s for looking each line's up in batches of 500; ~26 MB).
READ_ALL_RECORDS = 250_000
# Up to this many rows, into a compact table (fingerprints.py): at 1M rows 0.74 s and ~90 MB of the
# worker's RSS, against 5.4 s of look-ups. At 100k, numpy's import (0.09 s) makes it slower than a dict.
# A larger source is looked up batch by batch: the worker's memory is bounded.
COMPACT_ROWS = 1_500_000
COMPACT_CACHE_KIB = 2 * 1024

Listed = dict[str, tuple[str, ...]]  # fingerprint -> the record keys of the source's rows with that text


class LastImport:
    """The fingerprints of the records a source listed at its last committed import (a read-only
    connection of its own, so a worker process can ask while the writer writes)."""

    def __init__(self, db_path: str | Path, locator: str):
        self.conn = connect_read_only(db_path)
        # The dump's order is random in the fingerprint index: with SQLite's 2 MB cache most look-ups
        # went to the OS for their page (0.22 s for 100k look-ups at 100k papers; 0.15 s with 64 MB).
        self.conn.execute(f"PRAGMA cache_size = -{LOOKUP_CACHE_KIB}")
        self.source_id = source_id(self.conn, locator)
        records = record_count(self.conn, self.source_id) if self.source_id is not None else 0
        self._read_all_first = self.source_id is not None and records <= COMPACT_ROWS
        self._into_dict = records <= READ_ALL_RECORDS
        self._all: Listed | SourceFingerprints | None = None

    def listed(self, hashes: list[str]) -> Listed:
        """Those of `hashes` that a record of the source had, listed, at its last import, each with the
        record keys of every row of the source with that text (listed or not: the writer marks them all
        seen, as it did when it looked them up itself). The index holds all four columns."""
        if self.source_id is None:
            return {}
        if self._read_all():
            return {digest: keys for digest, keys in zip(hashes, self.keys_of(hashes), strict=True) if keys}
        rows = self.conn.execute(
            """SELECT record_hash, listed, record_key FROM paper_sources
               WHERE source_id = ? AND record_hash IN (SELECT value FROM json_each(?))""",
            (self.source_id, json.dumps(hashes)),
        )
        return self._grouped(rows)

    def keys_of(self, hashes: list[str]) -> list[tuple[str, ...] | None]:
        """listed(), as a list beside `hashes` (None for a text not listed), without a dict in between
        when the source's fingerprints were read at once."""
        if not self._read_all():
            found = self.listed(hashes)
            return [found.get(digest) for digest in hashes]
        held = self._all
        if isinstance(held, dict):
            return [held.get(digest) for digest in hashes]
        assert held is not None
        return held.keys_of(hashes)

    def _read_all(self) -> bool:
        """Whether the source's fingerprints are held (read on first use: a re-import found unchanged
        never needs them)."""
        if self._read_all_first and self._all is None:
            self._read_all_first = False
            assert self.source_id is not None
            if self._into_dict:
                self._all = self._grouped(self.conn.execute(
                    "SELECT record_hash, listed, record_key FROM paper_sources WHERE source_id = ?", (self.source_id,)
                ))
                return True
            from corpus_db.store.fingerprints import SourceFingerprints, Unreadable  # numpy: only here

            # Read in index order, once: SQLite's cache would only keep pages never read again (60 MB).
            self.conn.execute(f"PRAGMA cache_size = -{COMPACT_CACHE_KIB}")
            try:
                self._all = SourceFingerprints.read(self.conn, self.source_id, max_rows=COMPACT_ROWS)
            except Unreadable:  # more rows than listed records (many unlisted), or odd keys: batch by batch
                self._all = None
                self.conn.execute(f"PRAGMA cache_size = -{LOOKUP_CACHE_KIB}")
        return self._all is not None

    def _grouped(self, rows: Iterable[tuple[str, int, str]]) -> Listed:
        keys: Listed = {}
        unlisted = []
        for digest, is_listed, key in rows:
            had = keys.get(digest)
            keys[digest] = (key,) if had is None else (*had, key)
            if not is_listed:
                unlisted.append(digest)
        for digest in unlisted:  # rare: a record the source dropped; known only if another row is listed
            if digest in keys and not self.conn.execute(
                "SELECT 1 FROM paper_sources WHERE source_id = ? AND record_hash = ? AND listed",
                (self.source_id, digest),
            ).fetchone():
                del keys[digest]
        return keys

    def close(self) -> None:
        self.conn.close()
