"""A first import's FTS5 index, built on the second core.

Indexing the text is a quarter of the writer's work in a bulk load (4.2 s of ~17 s at 100k papers, plus a
1.2 s merge at the end), and the writer is the import's bottleneck. So a load into a corpus with no paper
yet hands each chunk's new papers to a thread that indexes them into a scratch file beside the database
(`<db>.fts-side`), with its own connection: SQLite releases the GIL while it tokenizes, so that work runs
on the other core. At the end the thread merges its index into one segment, while the writer builds its
deferred indexes, and the writer copies the segments into the database's empty index, in the source's
transaction: the index and the papers commit together or not at all. The gain is what the machine has spare:
on 2 cores, with two workers parsing, ~1.1 s of a 100k import (9 alternated pairs) and ~6 s at 1M (3 pairs).

The papers reach the thread as rows in multi-row INSERTs of up to ROWS_PER_STATEMENT: one row per statement
made the thread wait for the GIL after every row (4.5x slower beside a busy writer), and FTS5 writes a
segment per statement, so small statements would leave hundreds to merge.

A paper indexed already whose text then changes (a later record of the same dump merged into it), or
that is deleted, is logged by temporary triggers with the text the thread indexed; the next hand-over takes
that text out of the side index and puts the current one in."""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from pathlib import Path
from typing import Any

from corpus_db.store import fts

SIDE_SUFFIX = ".fts-side"
# The writer hands papers over this many at a time, and the thread indexes them in one statement: one
# segment per 5k papers (the final merge reads each once), and ~6 MB of rows per hand-over, of which one is
# alive at a time (10k at a time with two alive took the writer's peak from 178 to 240 MB at 100k papers).
HAND_OVER = 5_000
ROWS_PER_STATEMENT = HAND_OVER
_COLUMNS = 3  # rowid, title, abstract
_SHADOW_TABLES = {"data": ("id", "block"), "idx": ("segid", "term", "pgno"), "docsize": ("id", "sz")}
_STALE = "temp.fts_side_stale"
_ATTACHED = "fts_side"  # the scratch file's schema name on the writer's connection, while its index is copied
_LOG_TRIGGERS = {
    "fts_side_au": "AFTER UPDATE OF title, abstract ON main.papers",
    "fts_side_ad": "AFTER DELETE ON main.papers",
}

Row = tuple[Any, ...]


def detach(conn: sqlite3.Connection) -> None:
    """Let go of the scratch file copy_into() attached, once the transaction it copied in has ended. Quietly:
    it runs on the way out of a failed source too, whose error is the one to report (a file left attached
    holds only an unlinked scratch file open)."""
    with contextlib.suppress(sqlite3.Error):
        if any(row[1] == _ATTACHED for row in conn.execute("PRAGMA database_list")):
            conn.execute(f"DETACH DATABASE {_ATTACHED}")


def side_path(db_path: str | Path) -> Path:
    """The scratch file a first import of `db_path` indexes into."""
    return Path(f"{db_path}{SIDE_SUFFIX}")


class SideIndex:
    """Indexes papers on a thread of its own into a scratch FTS5 index, for copy_into() to put in place.
    The caller's connection must be writing a corpus whose index is empty."""

    def __init__(self, conn: sqlite3.Connection, db_file: str | Path, first_id: int) -> None:
        self.conn = conn
        self.path = side_path(db_file)
        self.path.unlink(missing_ok=True)  # left by a run that was killed: only the writer-lock holder gets here
        # The corpus's own statement, in both files: the same tokenizer and columns make the segments the same,
        # and sqlite_master keeps the text the migrations wrote.
        self._create_sql: str = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (fts.FTS_TABLE,)
        ).fetchone()[0]
        self._side = _open_side(self.path, self._create_sql)
        self._jobs: queue.Queue[tuple[str, list[Row]] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._finishing = False
        variables = self._side.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._rows_per_statement = max(1, min(ROWS_PER_STATEMENT, variables // _COLUMNS))
        self.sent_to = first_id  # the first paper not handed over yet
        # The main index's own triggers would write into the index this replaces: the log stands in for them.
        fts.drop_triggers(conn)
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS fts_side_stale (id INTEGER PRIMARY KEY, title, abstract)")
        conn.execute(f"DELETE FROM {_STALE}")
        for name, event in _LOG_TRIGGERS.items():
            # The first change after a hand-over keeps the text the side index holds (OR IGNORE).
            conn.execute(
                f"""CREATE TEMP TRIGGER IF NOT EXISTS {name} {event} BEGIN
                      INSERT OR IGNORE INTO fts_side_stale VALUES (old.id, old.title, old.abstract);
                    END"""
            )
        self._thread = threading.Thread(target=self._index, name="fts-side", daemon=True)
        self._thread.start()

    # -- the writer's side ----------------------------------------------------------------------

    def hand_over(self, new: list[Row]) -> None:
        """Queue the papers stored since the last hand-over, and the text of those changed or deleted since,
        for the thread. Waits first for the thread to be done with the last hand-over, which bounds the memory
        (it rarely waits: indexing a hand-over takes a fraction of the time the writer takes to store it).
        `new`: those papers' (id, title, abstract) rows as the caller inserted them, in id order (reading 100k
        papers' text back cost the writer 0.22-0.25 s of CPU)."""
        self._jobs.join()
        stale = self.conn.execute(f"SELECT id, title, abstract FROM {_STALE} WHERE id < ?", (self.sent_to,))
        stale_rows = stale.fetchall()
        if stale_rows:
            self._put("delete", stale_rows)
            current = self.conn.execute(
                f"SELECT id, title, abstract FROM papers WHERE id IN (SELECT id FROM {_STALE} WHERE id < ?)",
                (self.sent_to,),
            ).fetchall()
            if current:  # else every one was deleted
                self._put("insert", current)
        if new:
            last = new[-1][0]
            # The caller's rows hold the text as inserted: a paper changed since gets its text now, a deleted one none.
            changed: dict[int, Row | None] = dict.fromkeys(
                paper_id for (paper_id,) in self.conn.execute(f"SELECT id FROM {_STALE} WHERE id >= ?", (self.sent_to,))
            )
            if changed:
                changed.update((row[0], row) for row in self.conn.execute(
                    f"SELECT id, title, abstract FROM papers WHERE id IN (SELECT id FROM {_STALE} WHERE id >= ?)",
                    (self.sent_to,),
                ))
                new = [row for row in (changed.get(row[0], row) for row in new) if row is not None]
            self.sent_to = last + 1
        self.conn.execute(f"DELETE FROM {_STALE}")
        if new:
            self._put("insert", new)

    def finish(self) -> None:
        """No more papers: let the thread merge its index while the writer does the rest of its work."""
        if not self._finishing:
            self._finishing = True
            self._jobs.put(None)

    def copy_into(self) -> None:
        """Wait for the thread to merge its index, then replace the corpus's empty index with it (in the
        caller's transaction) and remove the scratch file. The index is dropped and created again rather
        than written under its feet: FTS5 keeps the structure it read last per connection."""
        self._stop_thread()
        self._side.close()  # the thread committed its merge: the file is complete
        self.conn.execute(f"DROP TABLE {fts.FTS_TABLE}")
        self.conn.execute(self._create_sql)
        # Copied in SQL through an attached file, not row by row through Python, at the end of the load where
        # nothing else runs: 300k papers 0.42 s instead of 1.65 s; 1M 5.3 s instead of 6.4 (the writes of ~1 GB
        # of blocks into the build are most of it there).
        # The file stays attached until detach() after the transaction (SQLite cannot detach within one).
        self.conn.execute(f"ATTACH DATABASE ? AS {_ATTACHED}", (str(self.path),))
        for suffix, columns in _SHADOW_TABLES.items():
            table = f"{fts.FTS_TABLE}_{suffix}"
            names = ", ".join(columns)
            self.conn.execute(f"INSERT OR REPLACE INTO main.{table} ({names}) SELECT {names} FROM {_ATTACHED}.{table}")
        self.close()

    def close(self) -> None:
        """Stop the thread (if running), drop the log and remove the scratch file; the caller's index is left
        as it is."""
        with contextlib.suppress(Exception):
            self._stop_thread()
        with contextlib.suppress(sqlite3.Error):
            self._drop_log()
        self._side.close()
        self.path.unlink(missing_ok=True)

    def _put(self, kind: str, rows: list[Row]) -> None:
        if self._error is not None:
            raise self._error
        self._jobs.put((kind, rows))

    def _stop_thread(self) -> None:
        if self._thread.is_alive():
            self.finish()
            self._thread.join()
        if self._error is not None:
            raise self._error

    def _drop_log(self) -> None:
        for name in _LOG_TRIGGERS:
            self.conn.execute(f"DROP TRIGGER IF EXISTS temp.{name}")
        self.conn.execute(f"DELETE FROM {_STALE}")

    # -- the thread ------------------------------------------------------------------------------

    def _index(self) -> None:
        """Run each job as it comes; at the end merge into one segment and commit. After an error, keep
        taking jobs until the last (the writer must never block on a full queue) and leave the error for
        the writer's thread to raise."""
        ended = False
        try:
            while (job := self._jobs.get()) is not None:
                self._run(*job)
                job = None  # let go of the rows before the writer, released by task_done(), reads the next ones
                self._jobs.task_done()
            ended = True
            fts.optimize(self._side)
            self._side.execute("COMMIT")
        except BaseException as exc:
            self._error = exc
            self._jobs.task_done()
            while not ended and self._jobs.get() is not None:
                self._jobs.task_done()

    def _run(self, kind: str, rows: list[Row]) -> None:
        for start in range(0, len(rows), self._rows_per_statement):
            part = rows[start : start + self._rows_per_statement]
            self._side.execute(_statement(kind, len(part)), [value for row in part for value in row])


def _open_side(path: Path, create_sql: str) -> sqlite3.Connection:
    """The scratch index: no journal, no fsync (it is thrown away unless copied), FTS5 set for a bulk load."""
    side = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    side.execute("PRAGMA journal_mode = OFF")
    side.execute("PRAGMA synchronous = OFF")
    # This SQLite zeroes every page it frees: the final merge frees every segment it read (1.1 GB at 1M papers).
    side.execute("PRAGMA secure_delete = OFF")
    side.execute(create_sql)
    fts.configure_bulk_load(side)
    side.execute("BEGIN")
    return side


_statement = fts.rows_statement  # the thread's statements (a test swaps in a failing one)
