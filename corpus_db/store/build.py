"""A first import into a new or empty database is built in a file beside it (`<db>.build`) and renamed
into place when the run ends. The build needs neither the WAL (every page would be written twice: to
the WAL, then back by the checkpoint) nor an fsync per commit: its journal is kept in memory, which
still lets a failing source roll back while the others go on, and durability comes from one fsync
and an atomic rename at the end. A crash or kill -9 leaves the database as it was (absent, or empty)
plus a stale build file that the next run under the writer lock removes: never a half-built corpus in
the database's place. A database that already holds a source is imported in place, as before."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from corpus_db.store.db import busy_timeout, connect
from corpus_db.store.fts_side import SIDE_SUFFIX

BUILD_SUFFIX = ".build"
BUILD_CACHE_KIB = 64 * 1024
# The build's pages are written to disk this often while it is being written, so that the fsync before
# the rename has little left to write: at 100k papers it wrote ~0.6 GB at the end of the command, 0.3 s
# in which nothing else ran (the kernel starts on its own only past ~10% of memory dirty, or after 30 s).
WRITEBACK_SECONDS = 1.0


def build_path(db_path: str | Path) -> Path:
    """Where a first import of `db_path` is built."""
    return Path(f"{db_path}{BUILD_SUFFIX}")


@dataclass
class Build:
    """A first import under way: the file being built and the database it will become."""

    path: Path
    target: Path
    _writeback: _Writeback | None = field(default=None, repr=False, compare=False)

    def connect(self) -> sqlite3.Connection:
        """The writer's connection to the build: journal in memory (ROLLBACK still works), no fsync, and no
        foreign-key look-ups: the build only gains rows, each naming a paper, source, tag, author or repo
        the same writer has just stored or found (the parent look-ups cost ~10% of the writer's CPU). Every
        in-place import keeps them on; tests check the built file with PRAGMA foreign_key_check."""
        conn = connect(self.path)
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA foreign_keys = OFF")
        # SQLite's default 2 MB page cache cannot hold the indexes a load inserts into in random order
        # (title keys, author names): pages were written out and read back again and again, 2.6 GB
        # written for a 660 MB build of 100k papers; 0.76 GB with 64 MB (and with 128 MB). It is the
        # writer's peak memory, less than half of it (the goal is < 300 MB).
        conn.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        # This SQLite is compiled to zero every page it frees; a build frees pages by the thousand (FTS
        # segments merged away, dropped indexes) and holds nothing a reader of the file could not see anyway:
        # 5% of the writer's CPU at 50k papers.
        conn.execute("PRAGMA secure_delete = OFF")
        if self._writeback is None:
            self._writeback = _Writeback(self.path)
        return conn

    def finish(self) -> None:
        """Leave the build in WAL mode, flush it to disk and rename it into the database's place."""
        self._stop_writeback()
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=busy_timeout())
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        for leftover in _sidecars(self.path):
            leftover.unlink(missing_ok=True)
        _fsync(self.path)
        for stale in _sidecars(self.target):  # an empty WAL of the empty database the build replaces
            stale.unlink(missing_ok=True)
        os.replace(self.path, self.target)
        _fsync(self.target.parent)

    def discard(self) -> None:
        """Remove the build: the database stays as it was."""
        self._stop_writeback()
        for path in (self.path, *_sidecars(self.path)):
            path.unlink(missing_ok=True)

    def _stop_writeback(self) -> None:
        if self._writeback is not None:
            self._writeback.stop()
            self._writeback = None


class _Writeback:
    """A thread that flushes a file's written pages to disk every WRITEBACK_SECONDS until stopped. It
    waits on the disk, not on a core, and makes nothing durable that the final fsync does not."""

    def __init__(self, path: Path) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path,), name="build writeback", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return
        try:
            while not self._stop.wait(WRITEBACK_SECONDS):
                with contextlib.suppress(OSError):
                    os.fdatasync(fd)
        finally:
            os.close(fd)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def start_build(db_path: str | Path) -> Build | None:
    """Call under the writer lock. A Build when the database does not exist or holds no source yet
    (an empty one is copied, so its schema and run history carry over), else None: import in place."""
    target = Path(db_path)
    build = Build(build_path(target), target)
    build.discard()  # left by a run that was killed: only the lock holder builds
    if not target.exists():
        return build
    if not _empty_and_quiet(target):
        return None
    shutil.copyfile(target, build.path)
    return build


def _empty_and_quiet(path: Path) -> bool:
    """No source and no paper yet, and nothing left in its WAL (checkpointed now, so the copy is whole)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout())
    try:
        empty = conn.execute("SELECT NOT EXISTS (SELECT 1 FROM sources) AND NOT EXISTS (SELECT 1 FROM papers)")
        if not empty.fetchone()[0]:
            return False
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return busy == 0
    except sqlite3.OperationalError:
        return False  # not a corpus (yet): the usual path migrates it in place
    finally:
        conn.close()


def _sidecars(path: Path) -> tuple[Path, ...]:
    return tuple(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal", SIDE_SUFFIX))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems refuse fsync on a directory
            os.fsync(fd)
    finally:
        os.close(fd)
