"""What a source listed at its last committed import, read beside the writer: the one place that
answers "did this record change?", by its fingerprint."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from corpus_db.store.db import connect_read_only
from corpus_db.store.sources import record_count, source_id

LOOKUP_CACHE_KIB = 64 * 1024
# A source of up to this many records has all its fingerprints read at once, in index order (0.12 s of
# CPU at 100k records, against 0.33 s for looking each line's up in batches of 500; ~26 MB of memory at
# 100k). A larger one is looked up batch by batch, so the worker's memory stays flat.
READ_ALL_RECORDS = 250_000

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
        small = self.source_id is not None and record_count(self.conn, self.source_id) <= READ_ALL_RECORDS
        self._read_all_first = small
        self._all: Listed | None = None

    def listed(self, hashes: list[str]) -> Listed:
        """Those of `hashes` that a record of the source had, listed, at its last import, each with the
        record keys of every row of the source with that text (listed or not: the writer marks them all
        seen, as it did when it looked them up itself). The index holds all four columns."""
        if self.source_id is None:
            return {}
        if self._read_all_first and self._all is None:
            self._all = self._read_all()  # on first use: a re-import found unchanged never needs it
        if self._all is not None:
            found = self._all
            return {digest: found[digest] for digest in hashes if digest in found}
        rows = self.conn.execute(
            """SELECT record_hash, listed, record_key FROM paper_sources
               WHERE source_id = ? AND record_hash IN (SELECT value FROM json_each(?))""",
            (self.source_id, json.dumps(hashes)),
        )
        return self._grouped(rows)

    def keys_of(self, hashes: list[str]) -> list[tuple[str, ...] | None]:
        """listed(), as a list beside `hashes` (None for a text not listed): one dict look-up a line
        when the source's fingerprints were read at once."""
        found = self._all if self._all is not None else self.listed(hashes)  # the first call reads them all
        get = found.get
        return [get(digest) for digest in hashes]

    def _read_all(self) -> Listed:
        rows = self.conn.execute(
            "SELECT record_hash, listed, record_key FROM paper_sources WHERE source_id = ?", (self.source_id,)
        )
        return self._grouped(rows)

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
