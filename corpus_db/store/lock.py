"""The writer lock: one import or sync command at a time per database, held for the whole command.

SQLite's own lock (BEGIN IMMEDIATE) serialises transactions, not commands: two syncs would interleave
their sources and both download the same URLs. This advisory lock on `<db>.lock` serialises commands,
and because every import and sync holds it while its import_runs row says 'running', whoever holds it
knows every other 'running' row belongs to a process that is gone. The lock is a separate file: an
fcntl/flock lock taken on the database file itself would be released by SQLite's own close() calls.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from corpus_db.store.db import BUSY_TIMEOUT_ENV, DatabaseBusyError, busy_timeout

try:
    import fcntl
except ImportError:  # not POSIX: fall back on SQLite's transaction lock alone
    fcntl = None  # type: ignore[assignment]

_POLL_SECONDS = 0.1


def lock_path(db_path: str | Path) -> Path:
    """The lock file beside the database."""
    return Path(f"{db_path}.lock")


def database_files(db_path: str | Path) -> set[Path]:
    """The database and the files SQLite and corpus-db keep beside it (resolved): never dumps to import,
    even when they sit in a folder that is a source."""
    base = Path(db_path).resolve()
    suffixes = ("-wal", "-shm", "-journal", ".lock", ".build", ".build-journal", ".build-wal", ".build-shm")
    return {base, *(Path(f"{base}{suffix}") for suffix in suffixes)}


def is_database_file(path: Path, db_path: str | Path) -> bool:
    """Whether `path` is the database, a file beside it (database_files) or inside its search index folder."""
    resolved = path.resolve()
    return resolved in database_files(db_path) or resolved.is_relative_to(Path(f"{Path(db_path).resolve()}.search"))


def _holder(fh: object) -> str:
    try:
        fh.seek(0)  # type: ignore[attr-defined]
        text = fh.read().strip()  # type: ignore[attr-defined]
    except OSError:
        return ""
    return f" ({text})" if text else ""


@contextmanager
def writer_lock(db_path: str | Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the database's writer lock, waiting up to `timeout` seconds (default: the busy timeout)."""
    if fcntl is None:
        yield
        return
    wait = busy_timeout() if timeout is None else timeout
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DatabaseBusyError(
                        f"{db_path}: another corpus-db import or sync is running{_holder(fh)}; waited {wait:g}s "
                        f"for it (use --wait SECONDS or set ${BUSY_TIMEOUT_ENV} to wait longer)"
                    ) from None
                time.sleep(_POLL_SECONDS)
        try:
            # Who holds it, for the message a waiting process prints; the lock, not this text, is the truth.
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
