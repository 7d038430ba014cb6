"""The import_runs history: one row per import or sync command, written as it starts and as it ends."""

from __future__ import annotations

import os
import socket
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from corpus_db.model import ImportCounts
from corpus_db.store.db import utc_now
from corpus_db.store.transaction import write_transaction

INTERRUPTED_MESSAGE = "the process ended before the run finished (killed, or the machine stopped)"


@dataclass
class RunTotals:
    """What a whole command did, for its import_runs row and its summary line."""

    counts: ImportCounts
    sources_total: int = 0
    sources_skipped: int = 0
    sources_failed: int = 0
    schema_upgrade: tuple[str | None, str] | None = None  # (from, to) when the command migrated the database
    interrupted_runs: list[int] = field(default_factory=list)  # ids of dead runs this command closed
    search_index: str | None = None  # what bringing the search index up to date did, or why it could not
    embedded: int | None = None  # papers given a similar-papers vector after the import (None: not kept)

    @property
    def status(self) -> str:
        if not self.sources_failed:
            return "ok"
        return "failed" if self.sources_failed == self.sources_total else "partial"

    def add(self, status: str, counts: ImportCounts) -> None:
        """Count one source's outcome (imported, unchanged or failed)."""
        self.sources_total += 1
        self.sources_skipped += status == "unchanged"
        self.sources_failed += status == "failed"
        self.counts.add(counts)


def start_run(conn: sqlite3.Connection, command: str) -> int:
    """Record that a command started, and which process runs it; committed at once (or with the caller's
    transaction) so that a crash still leaves a trace."""
    cursor = conn.execute(
        """INSERT INTO import_runs (command, started_at, status, pid, host, first_paper_id, first_link_id)
           VALUES (?, ?, 'running', ?, ?, (SELECT coalesce(max(id), 0) + 1 FROM papers),
                   (SELECT coalesce(max(id), 0) + 1 FROM paper_sources))""",
        (command, utc_now(), os.getpid(), socket.gethostname()),
    )
    return int(cursor.lastrowid or 0)


def _alive_here(pid: int | None, host: str | None) -> bool:
    """True when `pid` names a live process on this machine (signal 0 tests without sending)."""
    if pid is None or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def mark_interrupted(conn: sqlite3.Connection) -> list[int]:
    """Close the rows of runs that died while 'running'; the ids marked. Call it holding the writer lock
    (lock.py): every import and sync holds that lock while it runs, so any other 'running' row is dead. A
    row whose process is still alive on this host is left alone all the same, in case a writer ever runs
    without the lock."""
    rows = conn.execute("SELECT id, pid, host FROM import_runs WHERE status = 'running'").fetchall()
    dead = [run_id for run_id, pid, host in rows if not _alive_here(pid, host)]
    # finished_at stays empty: when the process died is not known, only when it was noticed.
    conn.executemany(
        "UPDATE import_runs SET status = 'interrupted', message = COALESCE(message || char(10), '') || ? WHERE id = ?",
        [(f"{INTERRUPTED_MESSAGE}; noticed {utc_now()}", run_id) for run_id in dead],
    )
    return dead


def finish_run(
    conn: sqlite3.Connection, run_id: int, totals: RunTotals, message: str | None, details: str | None = None, *,
    status: str | None = None,
) -> None:
    """Record how the command ended (`status` overrides the one the totals imply, e.g. 'interrupted');
    `details` keeps the tracebacks of unexpected failures, which the terminal never shows."""
    c = totals.counts
    conn.execute(
        """UPDATE import_runs SET finished_at = ?, status = ?, sources_total = ?, sources_skipped = ?,
             sources_failed = ?, inserted = ?, merged = ?, updated = ?, unchanged = ?, rejected = ?, message = ?,
             details = ?
           WHERE id = ?""",
        (utc_now(), status or totals.status, totals.sources_total, totals.sources_skipped, totals.sources_failed,
         c.inserted, c.merged, c.updated, c.unchanged, c.rejected, message, details, run_id),
    )


def list_runs(conn: sqlite3.Connection, limit: int) -> list[tuple]:
    """The newest `limit` runs: id, times, status, command, source and record counts, message."""
    return conn.execute(
        """SELECT id, started_at, finished_at, status, command, sources_total, sources_skipped, sources_failed,
                  inserted, merged, updated, unchanged, rejected, message
           FROM import_runs ORDER BY id DESC LIMIT ?""",
        (limit,),
    ).fetchall()


def begin_run(conn: sqlite3.Connection, db_path: str | Path, command: str) -> tuple[int, list[int]]:
    """Close the rows of runs that died, and record that this command started (committed at once, so a
    crash still leaves a trace); (this run's id, the ids marked interrupted)."""
    with write_transaction(conn, db_path):
        interrupted = mark_interrupted(conn)
        return start_run(conn, command), interrupted
