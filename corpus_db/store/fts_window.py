"""The FTS5 index kept by a write into a corpus a window of papers at a time, instead of by the per-row
insert and update triggers.

FTS5 writes its pending terms out as a segment of their own at the end of every statement. A trigger
fires within each row's statement, so a re-import that changes 10k papers of a 1M corpus wrote 10k
one-paper segments and merged them as they piled up: 2.9 s for 10k updates, 1.8-2.4 s a window at a time
(the rest is FTS5 tokenizing the old text out and the new in). So the writer drops the
two triggers for its transaction and tells the window which papers are new and which got new text, with
the text the index holds for them (taken before the update: the 'delete' of an external-content index
must be given the indexed text); the window takes the old text out and reads the current text in, in a
few statements per window. The triggers are back before the commit, and the drop is rolled back with a
failed source: papers and index commit together, as with the triggers."""

from __future__ import annotations

import sqlite3

from corpus_db.store import fts

WINDOW_PAPERS = 2_000
# The old text waits here for its 'delete': bounded by characters too, so that papers with 100k-character
# abstracts cannot make the window large.
WINDOW_CHARS = 8_000_000
ROWS_PER_DELETE = 500  # 1,500 bound values a statement

IndexedText = tuple[str, str | None]  # (title, abstract) as the index holds them


class TextWindow:
    """Papers whose text the index lacks or holds out of date, indexed in a few statements when the
    window is full and at close(). Created inside the writer's transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._indexed: dict[int, IndexedText | None] = {}  # None: a new paper, not in the index at all
        self._chars = 0
        fts.drop_write_triggers(conn)

    def inserted(self, paper_ids: list[int]) -> None:
        """New papers, not in the index."""
        for paper_id in paper_ids:
            self._indexed.setdefault(paper_id, None)

    def text_changing(self, paper_id: int, title: str, abstract: str | None) -> None:
        """A paper whose title or abstract is about to change, with its text as stored now. Once a paper is
        in the window, the index still holds the text it came in with: later calls change nothing."""
        if paper_id not in self._indexed:
            self._indexed[paper_id] = (title, abstract)
            self._chars += len(title) + len(abstract or "")

    def flush_if_full(self) -> None:
        """Index the window once it holds WINDOW_PAPERS papers or WINDOW_CHARS of old text. Only once the
        papers told of are written: the index reads their text from papers."""
        if len(self._indexed) >= WINDOW_PAPERS or self._chars >= WINDOW_CHARS:
            self.flush()

    def flush(self) -> None:
        """Take the old text of the window's papers out of the index and put their stored text in."""
        if not self._indexed:
            return
        stale = [(paper_id, *text) for paper_id, text in self._indexed.items() if text is not None]
        for start in range(0, len(stale), ROWS_PER_DELETE):
            part = stale[start:start + ROWS_PER_DELETE]
            self.conn.execute(fts.rows_statement("delete", len(part)), [value for row in part for value in row])
        self.conn.execute(
            f"""INSERT INTO {fts.FTS_TABLE}(rowid, title, abstract)
                SELECT id, title, abstract FROM papers WHERE id IN (SELECT value FROM json_each(?))""",
            (f"[{','.join(map(str, self._indexed))}]",),
        )
        self._indexed.clear()
        self._chars = 0

    def close(self) -> None:
        """Index what is left and put the triggers back (in the transaction, before its commit)."""
        self.flush()
        fts.create_triggers(self.conn)
