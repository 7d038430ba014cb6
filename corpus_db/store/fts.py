"""The FTS5 index over papers: external content, kept in sync by triggers for small writes; a bulk load
indexes each chunk's new papers with one INSERT ... SELECT (the insert trigger costs ~2x that), so the
index grows while the workers still parse instead of in one rebuild at the end that nothing overlaps."""

from __future__ import annotations

import functools
import sqlite3

from corpus_db.store import fts_levels

FTS_TABLE = "papers_fts"
FTS_COLUMNS = ("title", "abstract")
TOKENIZER = "porter unicode61 remove_diacritics 2"
# Title matches weigh ten times an abstract match; stored as the table's default rank so that
# `ORDER BY rank` uses it (the fast path: no temp B-tree sort).
RANK_FUNCTION = "bm25(10.0, 1.0)"

# The index the migrations build (each revision writes its own statements out; a test holds the
# migrated database to this one). Datasette detects the index only when content= is double-quoted.
CREATE_FTS = (
    f'CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, abstract, content="papers", '
    f"content_rowid=\"id\", tokenize='{TOKENIZER}')"
)

TRIGGERS = {
    "papers_fts_ai": f"""CREATE TRIGGER IF NOT EXISTS papers_fts_ai AFTER INSERT ON papers BEGIN
  INSERT INTO {FTS_TABLE}(rowid, title, abstract) VALUES (new.id, new.title, new.abstract);
END""",
    "papers_fts_ad": f"""CREATE TRIGGER IF NOT EXISTS papers_fts_ad AFTER DELETE ON papers BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, abstract) VALUES ('delete', old.id, old.title, old.abstract);
END""",
    # Only a change to an indexed column touches the index: updating a date must not rewrite FTS rows.
    "papers_fts_au": f"""CREATE TRIGGER IF NOT EXISTS papers_fts_au AFTER UPDATE OF title, abstract ON papers BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, abstract) VALUES ('delete', old.id, old.title, old.abstract);
  INSERT INTO {FTS_TABLE}(rowid, title, abstract) VALUES (new.id, new.title, new.abstract);
END""",
}


# FTS5 flushes its pending terms to a new segment every `hashsize` bytes (default 1 MB), and merges
# segments as they pile up. A bigger buffer during a bulk load means fewer, larger segments and less
# merging: the index of 100k papers built with 30% less CPU at 16-32 MB, same size on disk.
DEFAULT_HASH_BYTES = 1024 * 1024
BULK_HASH_BYTES = 32 * 1024 * 1024
DEFAULT_AUTOMERGE = 4
DEFAULT_CRISIS_MERGE = 16
BULK_CRISIS_MERGE = 1000
_INSERT_TRIGGER = "papers_fts_ai"
_WRITE_TRIGGERS = (_INSERT_TRIGGER, "papers_fts_au")  # those a write's new and changed papers fire


def create_triggers(conn: sqlite3.Connection) -> None:
    """Install the sync triggers (no-op where present)."""
    for sql in TRIGGERS.values():
        conn.execute(sql)


def drop_triggers(conn: sqlite3.Connection) -> None:
    """Remove the sync triggers for a bulk load; the caller must rebuild() before committing."""
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def drop_write_triggers(conn: sqlite3.Connection) -> None:
    """Remove the insert and update triggers for a write that indexes its papers itself (store/fts_window.py);
    create_triggers() before committing."""
    for name in _WRITE_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


@functools.lru_cache(maxsize=8)
def rows_statement(kind: str, rows: int) -> str:
    """A multi-row INSERT of (rowid, title, abstract) rows into the index, or of its 'delete' command (which
    needs the text indexed): one statement, so FTS5 writes one segment for all of them."""
    if kind == "delete":
        head = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, abstract) VALUES "
        row = "('delete', ?, ?, ?)"
    else:
        head = f"INSERT INTO {FTS_TABLE}(rowid, title, abstract) VALUES "
        row = "(?, ?, ?)"
    return head + ", ".join([row] * rows)


def begin_bulk_load(conn: sqlite3.Connection) -> None:
    """For a big load: new papers are indexed per chunk by index_papers_from(); updates of papers
    indexed earlier still go through their trigger. end_bulk_load() before committing."""
    conn.execute(f"DROP TRIGGER IF EXISTS {_INSERT_TRIGGER}")
    configure_bulk_load(conn)


def configure_bulk_load(conn: sqlite3.Connection) -> None:
    """The index's settings for a bulk load (kept in its config table until end_bulk_load)."""
    _set_hash_bytes(conn, BULK_HASH_BYTES)
    # No merging while loading: each merge rewrites the segments it merges, once per level (8% of the writer's
    # CPU at 100k papers); optimize() merges everything once at the end, and lifts the result out of the reach
    # of later small writes' merges. FTS5 allows 2000 segments; a 1M load makes ~50.
    _set(conn, "automerge", 0)
    _set(conn, "crisismerge", BULK_CRISIS_MERGE)


def index_papers_from(conn: sqlite3.Connection, first_id: int) -> None:
    """Index the papers with ids from first_id up: a chunk's new papers (ids are handed out in order)."""
    conn.execute(
        f"INSERT INTO {FTS_TABLE}(rowid, title, abstract) SELECT id, title, abstract FROM papers WHERE id >= ?",
        (first_id,),
    )


def end_bulk_load(conn: sqlite3.Connection) -> None:
    """Put the insert trigger back, and the default buffer size and merge settings (kept in the index's
    config table)."""
    create_triggers(conn)
    _set_hash_bytes(conn, DEFAULT_HASH_BYTES)
    _set(conn, "automerge", DEFAULT_AUTOMERGE)
    _set(conn, "crisismerge", DEFAULT_CRISIS_MERGE)


def _set_hash_bytes(conn: sqlite3.Connection, size: int) -> None:
    _set(conn, "hashsize", size)


def _set(conn: sqlite3.Connection, name: str, value: int) -> None:
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES (?, ?)", (name, value))


def optimize(conn: sqlite3.Connection) -> None:
    """Merge the index into one segment. After a bulk load: its few large segments sit on one level, and
    the next small write would pay to merge them (990 edited papers of a 100k corpus: 2.1 s of CPU in the
    update trigger instead of 0.2 s once merged); merging them here costs 1.2 s at 100k. The merged segment is
    then lifted to a high level (store/fts_levels.py), where small writes' merges leave it alone."""
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
    fts_levels.lift_merged_segment(conn, FTS_TABLE)


def rebuild(conn: sqlite3.Connection) -> None:
    """Re-read every paper into the index in one pass."""
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def integrity_check(conn: sqlite3.Connection) -> None:
    """Raise sqlite3.DatabaseError when the index disagrees with papers (the rank=1 form also
    compares against the content table, which the plain form does not)."""
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")


def triggers_present(conn: sqlite3.Connection) -> set[str]:
    """Names of the sync triggers that exist now."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'papers'")
    return {name for (name,) in rows} & set(TRIGGERS)
