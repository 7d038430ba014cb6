"""The search index's update, begun while an import still writes: after each batch the writer hands over
the papers the outbox has queued since, and their documents go to a tantivy writer that indexes them on
its own thread. Nothing is committed to the index here: search_index.update() takes this writer over
after the import has committed, re-does any paper whose row changed since it was handed over, and
commits. A re-import edits papers while its worker reads every line of the dump, and the writer mostly
waits: applying the 987 papers a 1%-edited re-import at 100k changes took 0.30-0.47 s after the commit
(the documents made in Python, then tantivy indexing them on one thread); taken over, 0.13-0.16 s (the
commit). The re-import took 1.36-1.43 s instead of 1.44-1.77 s (medians of 10 alternated runs: 1.42 / 1.68).

Consistency is search_index's: the outbox is emptied only after the index commits. A source rolled back
(or anything unexpected here) abandons the early work: its uncommitted documents are dropped with the
writer, and update() applies the whole queue from the database as it always did. A kill -9 leaves the
index at its last commit, as before."""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from pathlib import Path

import tantivy

from corpus_db.store import search_index
from corpus_db.store import search_outbox as outbox

# Past this many queued papers the update runs in the background, or is a rebuild, or (in a corpus too small
# for the background) is indexed on both cores: search_index's thresholds. The early work is dropped then.
MAX_PAPERS = search_index.BACKGROUND_MIN_CHANGES
TAKE_AT = 64  # queued papers indexed together: a query and a document batch per few hundred records, not per batch
_NEW = "early_index_queue"  # temporary: what the outbox was given since the last take()
_FAILURES = (OSError, ValueError, RuntimeError, sqlite3.Error)


class EarlyIndex:
    """One write command's early index work (see the module). take() is called inside the writer's
    transaction; abandon() when a transaction rolls back; update() claims it with take_over()."""

    def __init__(self, db_path: str | Path):
        self._root = search_index.index_root(db_path)
        self._generation: str | None = None
        self._forms: search_index.CommonForms = {}
        self._conn: sqlite3.Connection | None = None  # the writer's, while its temporary trigger lists the queue
        self._work: search_index.Handover | None = None
        self._abandoned = False

    def take(self, conn: sqlite3.Connection, *, final: bool = False) -> None:
        """Index the papers queued since the last call, as `conn` (in its transaction) sees them, once there
        are TAKE_AT of them, or however few when `final` (the source's last writes are done)."""
        if self._abandoned:
            return
        try:
            self._take(conn, final)
        except _FAILURES:
            self.abandon()  # the update after the commit does it all, as without early work

    def _take(self, conn: sqlite3.Connection, final: bool) -> None:
        if self._work is None and not self._start(conn):
            return
        assert self._work is not None
        if not final and conn.execute(f"SELECT count(*) FROM temp.{_NEW} LIMIT {TAKE_AT}").fetchone()[0] < TAKE_AT:
            return
        queued = [pid for (pid,) in conn.execute(f"SELECT paper_id FROM temp.{_NEW}")]
        if not queued:
            return
        conn.execute(f"DELETE FROM temp.{_NEW}")
        indexed = self._work.indexed
        if outbox.REBUILD_ALL in queued or len(indexed.keys() | queued) > MAX_PAPERS:
            self.abandon()
            return
        self._work.writer.delete_documents_by_query(
            tantivy.Query.term_set_query(self._work.index.schema, "id", queued))
        for pid in queued:
            indexed[pid] = None  # deleted, unless its row comes back below
        added = search_index.add_documents(self._work.writer, self._work.index.schema, self._forms,
                                           search_index.rows_of(conn, queued))
        indexed.update(added)

    def _start(self, conn: sqlite3.Connection) -> bool:
        """Open the current generation's writer, and list what the outbox holds and will be given (a temporary
        trigger: scanning the outbox after every batch cost ~0.1 s at 987 papers); False (abandoned) when
        there is no index to update."""
        if not outbox.has_outbox(conn) or (state := search_index.read_state(conn)) is None:
            self.abandon()
            return False
        path = self._root / state.generation
        index = search_index.open_index(path)
        self._forms = search_index.load_common_forms(path)
        self._generation = state.generation
        self._conn = conn
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_NEW} (paper_id INTEGER PRIMARY KEY)")
        conn.execute(f"DELETE FROM temp.{_NEW}")
        conn.execute(f"INSERT INTO temp.{_NEW} SELECT paper_id FROM {outbox.OUTBOX_TABLE}")
        conn.execute(f"""CREATE TEMP TRIGGER IF NOT EXISTS {_NEW}_ai AFTER INSERT ON {outbox.OUTBOX_TABLE}
                         BEGIN INSERT OR IGNORE INTO {_NEW} (paper_id) VALUES (new.paper_id); END""")
        # One thread: an update this small leaves one new segment (search_index._apply).
        self._work = search_index.Handover(index, index.writer(search_index.WRITER_HEAP, 1), {})
        return True

    def take_over(self, generation: str) -> search_index.Handover | None:
        """The work done so far, for update() to finish and commit, when it was done on `generation`;
        else None (abandoned). Either way this object is done."""
        work = self._work if not self._abandoned and self._generation == generation else None
        if work is None:
            self.abandon()
        self._work = None
        self._abandoned = True
        self._stop_listing()
        return work

    def abandon(self) -> None:
        """Drop the uncommitted documents and the writer (its lock with it: another writer may open)."""
        self._abandoned = True
        if self._work is not None:
            with suppress(*_FAILURES):  # dropping the writer below discards its documents all the same
                self._work.writer.rollback()
            self._work = None
        self._stop_listing()

    def _stop_listing(self) -> None:
        if self._conn is not None:
            with suppress(sqlite3.Error):  # gone with its connection, or with a rolled-back transaction
                self._conn.execute(f"DROP TRIGGER IF EXISTS temp.{_NEW}_ai")
            self._conn = None
