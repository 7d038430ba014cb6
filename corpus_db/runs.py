"""The import_runs history: one row per import or sync command, written as it starts and as it ends."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from corpus_db.store import ImportCounts, utc_now


@dataclass
class RunTotals:
    """What a whole command did, for its import_runs row and its summary line."""

    counts: ImportCounts
    sources_total: int = 0
    sources_skipped: int = 0
    sources_failed: int = 0

    @property
    def status(self) -> str:
        if not self.sources_failed:
            return "ok"
        return "failed" if self.sources_failed == self.sources_total else "partial"


def start_run(conn: sqlite3.Connection, command: str) -> int:
    """Record that a command started; committed at once so a crash still leaves a trace."""
    cursor = conn.execute(
        "INSERT INTO import_runs (command, started_at, status) VALUES (?, ?, 'running')", (command, utc_now())
    )
    return int(cursor.lastrowid or 0)


def finish_run(conn: sqlite3.Connection, run_id: int, totals: RunTotals, message: str | None) -> None:
    """Record how the command ended."""
    c = totals.counts
    conn.execute(
        """UPDATE import_runs SET finished_at = ?, status = ?, sources_total = ?, sources_skipped = ?,
             sources_failed = ?, inserted = ?, merged = ?, updated = ?, unchanged = ?, rejected = ?, message = ?
           WHERE id = ?""",
        (utc_now(), totals.status, totals.sources_total, totals.sources_skipped, totals.sources_failed, c.inserted,
         c.merged, c.updated, c.unchanged, c.rejected, message, run_id),
    )
