"""The sources table, and only it: one row per dump or URL, with what its last good import saw (content
hash, record count, HTTP validators). A source's row is written inside its import transaction, so a
failed import leaves the row of the last good one."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from corpus_db.store.db import connect_read_only


@dataclass
class SourceInfo:
    """What the caller knows of a source before its records are read (content_hash "" while it is still
    being taken: the writer sets it before the commit)."""

    locator: str
    format: str
    content_hash: str
    name: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    size_hint: int = 0  # bytes, to choose between per-row triggers and one FTS rebuild
    file_identity: str | None = None  # of the file content_hash was taken from, when it may be trusted


@dataclass(frozen=True)
class KnownSource:
    """A source as its last good import left it."""

    content_hash: str
    record_count: int
    format: str
    etag: str | None
    last_modified: str | None
    imported_at: str | None = None  # when its last good import started (ISO 8601 UTC, to the second)
    file_identity: str | None = None  # the file's identity when content_hash was taken (ingest/digest.py)


def known_source(conn: sqlite3.Connection, locator: str) -> KnownSource | None:
    """The source's row, or None when it was never imported."""
    row = conn.execute(
        "SELECT content_hash, record_count, format, etag, last_modified, imported_at, file_identity FROM sources "
        "WHERE locator = ?",
        (locator,),
    ).fetchone()
    return KnownSource(*row) if row else None


def source_id(conn: sqlite3.Connection, locator: str) -> int | None:
    """The source's id, or None when it was never imported."""
    row = conn.execute("SELECT id FROM sources WHERE locator = ?", (locator,)).fetchone()
    return row[0] if row else None


def validators(db_path: str | Path, locator: str) -> tuple[str | None, str | None]:
    """(ETag, Last-Modified) of the last good download of a URL source, for a conditional GET."""
    if not Path(db_path).exists():
        return None, None
    conn = connect_read_only(db_path)
    try:
        row = conn.execute("SELECT etag, last_modified FROM sources WHERE locator = ?", (locator,)).fetchone()
    except sqlite3.OperationalError:
        return None, None  # not migrated yet: nothing downloaded before
    finally:
        conn.close()
    return (row[0], row[1]) if row else (None, None)


def set_validators(conn: sqlite3.Connection, locator: str, etag: str | None, last_modified: str | None) -> None:
    """Keep the server's latest validators for a source whose content did not change."""
    conn.execute("UPDATE sources SET etag = ?, last_modified = ? WHERE locator = ?", (etag, last_modified, locator))


def set_content_hash(conn: sqlite3.Connection, source: int, content_hash: str, file_identity: str | None) -> None:
    """The hash of the bytes just imported (taken while they were written), with the file's identity."""
    conn.execute("UPDATE sources SET content_hash = ?, file_identity = ? WHERE id = ?",
                 (content_hash, file_identity, source))


def set_file_identity(conn: sqlite3.Connection, locator: str, file_identity: str) -> None:
    """Record the identity of a file found to hold the bytes of the source's last import."""
    conn.execute("UPDATE sources SET file_identity = ? WHERE locator = ?", (file_identity, locator))


def upsert_source(conn: sqlite3.Connection, source: SourceInfo, now: str) -> int:
    """Create or refresh the source's row for the import starting now; its id. The file identity is
    written with the content hash, NULL included: an old identity must never vouch for a new hash."""
    conn.execute(
        """INSERT INTO sources (locator, name, format, content_hash, record_count, imported_at, etag,
                                last_modified, file_identity)
           VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)
           ON CONFLICT (locator) DO UPDATE SET name = COALESCE(excluded.name, name), format = excluded.format,
             content_hash = excluded.content_hash, imported_at = excluded.imported_at,
             etag = excluded.etag, last_modified = excluded.last_modified,
             file_identity = excluded.file_identity""",
        (source.locator, source.name, source.format, source.content_hash, now, source.etag, source.last_modified,
         source.file_identity),
    )
    return conn.execute("SELECT id FROM sources WHERE locator = ?", (source.locator,)).fetchone()[0]


def record_count(conn: sqlite3.Connection, source: int) -> int:
    """How many records the source listed at its last import."""
    return conn.execute("SELECT record_count FROM sources WHERE id = ?", (source,)).fetchone()[0]


def finish_source(conn: sqlite3.Connection, source: int, records: int, listing_date: str | None) -> None:
    """Record how many records this import listed, and the listing date it showed (kept when none)."""
    conn.execute(
        "UPDATE sources SET record_count = ?, listing_date = COALESCE(?, listing_date) WHERE id = ?",
        (records, listing_date, source),
    )
