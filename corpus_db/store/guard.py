"""Is this file a corpus-db database? Asked before anything opens it for writing, so that a foreign
SQLite file, a text file, a directory or a database from a newer corpus-db is refused with one sentence
and left byte-identical (no WAL switch, no alembic_version table, no -wal or -shm files)."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables every revision from 0001 on has: a stamp without them means a migration was cut short.
CORE_TABLES = ("papers", "sources", "paper_sources", "import_runs")


class NotOurDatabaseError(RuntimeError):
    """The path names something corpus-db must not touch; the message says what, in one sentence."""


def known_revisions() -> set[str]:
    """The revision ids this corpus-db has, from the file names of its revisions (no Alembic import:
    every command pays this check). Files are named <id>_<what>.py, in the package migrate.py names."""
    versions = Path(str(resources.files("corpus_db.store.migrations"))) / "versions"
    return {p.name.split("_", 1)[0] for p in versions.glob("*_*.py")}


def check_database(path: str | Path) -> str | None:
    """Raise NotOurDatabaseError unless `path` is absent, empty, or a corpus-db database whose stamp this
    version knows and whose tables agree with it. Returns the stamped revision (None when new). Opens
    the file read-only (immutable, so not even a -shm file appears), never writes."""
    target = Path(path)
    if target.is_dir():
        raise NotOurDatabaseError(f"{target}: is a directory, not a database file")
    if not target.exists():
        if target.is_symlink():
            raise NotOurDatabaseError(f"{target}: is a link to a file that does not exist")
        return None
    if not target.is_file():
        raise NotOurDatabaseError(f"{target}: is not a regular file (a device or a pipe?), not a database")
    with target.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if not header:
        return None  # an empty file: SQLite takes it as a new database
    if header != SQLITE_HEADER:
        raise NotOurDatabaseError(f"{target}: is not a SQLite database (corpus-db leaves it untouched)")
    tables, stamp = _tables_and_stamp(target)
    if stamp is None:
        if tables:
            raise NotOurDatabaseError(
                f"{target}: is a SQLite database that corpus-db did not create (it has tables but no "
                "corpus-db schema stamp); corpus-db leaves it untouched"
            )
        return None
    if stamp not in known_revisions():
        raise NotOurDatabaseError(
            f"{target}: was written by a newer corpus-db (schema {stamp}); upgrade corpus-db to use it"
        )
    missing = [t for t in CORE_TABLES if t not in tables]
    if missing:
        raise NotOurDatabaseError(
            f"{target}: its tables disagree with its schema stamp {stamp} (missing {', '.join(missing)}): "
            "a migration was interrupted; restore it from a backup"
        )
    return stamp


def _tables_and_stamp(target: Path) -> tuple[set[str], str | None]:
    uri = f"{target.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise NotOurDatabaseError(f"{target}: cannot be opened as a database ({exc})") from None
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        stamp = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            stamp = row[0] if row else None
            tables.discard("alembic_version")
        return tables, stamp
    except sqlite3.DatabaseError as exc:
        raise NotOurDatabaseError(f"{target}: is damaged or not a database ({exc})") from None
    finally:
        conn.close()
