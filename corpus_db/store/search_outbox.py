"""The search outbox: ids of papers whose indexed text (title, abstract, authors) changed, written by
triggers in the same transaction as the change, so that every path that writes papers (imports, syncs,
hand edits in SQL, migrations) tells the search index. The index drains it after each write command.

Paper id 0 is a marker meaning "rebuild everything": a bulk load writes it instead of one row per paper."""

from __future__ import annotations

import sqlite3

OUTBOX_TABLE = "search_outbox"
STATE_TABLE = "search_index"
REBUILD_ALL = 0

# The same statements as migration 0009 (a test holds them equal). INSERT OR IGNORE: a paper changed
# twice, or through its title and its authors, is queued once.
_QUEUE = "INSERT OR IGNORE INTO search_outbox (paper_id) VALUES"
_EVENTS = (
    ("search_outbox_papers_ai", "AFTER INSERT ON papers", ("new.id",)),
    ("search_outbox_papers_au", "AFTER UPDATE OF title, abstract ON papers", ("new.id",)),
    ("search_outbox_papers_ad", "AFTER DELETE ON papers", ("old.id",)),
    ("search_outbox_authors_ai", "AFTER INSERT ON paper_authors", ("new.paper_id",)),
    ("search_outbox_authors_au", "AFTER UPDATE ON paper_authors", ("old.paper_id", "new.paper_id")),
    ("search_outbox_authors_ad", "AFTER DELETE ON paper_authors", ("old.paper_id",)),
)
TRIGGERS = {
    name: f"CREATE TRIGGER IF NOT EXISTS {name} {event} BEGIN\n" + "".join(f"  {_QUEUE} ({i});\n" for i in ids) + "END"
    for name, event, ids in _EVENTS
}


def has_outbox(conn: sqlite3.Connection) -> bool:
    """True when the database is at a schema with the outbox (0009 or later)."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (OUTBOX_TABLE,)).fetchone()
    return row is not None


def triggers_missing(conn: sqlite3.Connection) -> set[str]:
    """Outbox triggers that are not there (a batch migration recreating papers drops them)."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_outbox_%'")
    return set(TRIGGERS) - {name for (name,) in rows}


def ensure_triggers(conn: sqlite3.Connection) -> bool:
    """Install any missing trigger; when one was missing, changes may have gone unrecorded, so queue a
    full rebuild. True when anything was repaired. Call inside a write transaction."""
    missing = triggers_missing(conn)
    for name in missing:
        conn.execute(TRIGGERS[name])
    if missing:
        request_rebuild(conn)
    return bool(missing)


def suspend(conn: sqlite3.Connection) -> None:
    """For a bulk load: drop the paper triggers (one row per paper would cost more than it saves) and
    queue a full rebuild instead. resume() must run before the transaction commits."""
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    request_rebuild(conn)


def resume(conn: sqlite3.Connection) -> None:
    for sql in TRIGGERS.values():
        conn.execute(sql)


def request_rebuild(conn: sqlite3.Connection) -> None:
    conn.execute(f"INSERT OR IGNORE INTO {OUTBOX_TABLE} (paper_id) VALUES ({REBUILD_ALL})")


def pending(conn: sqlite3.Connection) -> bool:
    """Whether changes are waiting for the index (cheap: no count)."""
    return conn.execute(f"SELECT EXISTS (SELECT 1 FROM {OUTBOX_TABLE})").fetchone()[0] == 1
