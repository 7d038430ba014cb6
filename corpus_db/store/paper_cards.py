"""Paper cards: each paper's byline, tag ids, repos and count of listing sources in one row, so that a page of
search results reads one row a paper instead of four correlated sub-selects over five tables (at 1M papers
the rows of a 20-hit page cost 0.60-0.71 ms of CPU that way and 0.24-0.25 ms through the cards: BENCHMARKS.md
round 14).

A card is derived and never trusted blindly: triggers on every table it is made from delete the cards of the
papers a change touches, in the change's own transaction, and queue their ids in paper_cards_stale. Readers
take `coalesce(card column, sub-select)`, and SQLite evaluates coalesce lazily, so a paper without a card is
read the slow way and always right, whoever wrote the change (an import, a sync, a hand edit in SQL). The
write commands fill the queued cards again after they commit (refill(), from search_index.update(), under
the writer lock; in the background process when there are many).

Paper id 0 in the queue means "every card is missing": a bulk load writes it instead of a row per paper,
after deleting every card in its transaction, and so does the migration that made the tables."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from corpus_db.store.transaction import write_transaction

CARDS_TABLE = "paper_cards"
STALE_TABLE = "paper_cards_stale"
ALL_STALE = 0
REFILL_CHUNK = 20_000  # papers a transaction: readers and a kill see whole chunks

# What a card holds, as the sub-selects that compute it for the paper `p`: the same expressions fill the
# cards and stand in for a missing one in the readers' coalesce(), so the two can never disagree.
AUTHORS = """(SELECT json_group_array(name) FROM (SELECT a.name FROM paper_authors pa JOIN authors a
     ON a.id = pa.author_id WHERE pa.paper_id = p.id ORDER BY pa.position))"""
TAG_IDS = "(SELECT json_group_array(pt.tag_id) FROM paper_tags pt WHERE pt.paper_id = p.id)"
REPOS = """(SELECT json_group_array(url) FROM (SELECT DISTINCT r.url FROM paper_repos pr JOIN repos r
     ON r.id = pr.repo_id WHERE pr.paper_id = p.id ORDER BY r.kind = 'code' DESC, r.url))"""
SOURCES = "(SELECT count(DISTINCT ps.source_id) FROM paper_sources ps WHERE ps.paper_id = p.id AND ps.listed)"
CARD_COLUMNS = ("authors", "tag_ids", "repos", "sources")
_EXPRESSIONS = (AUTHORS, TAG_IDS, REPOS, SOURCES)
_EACH = list(zip(CARD_COLUMNS, _EXPRESSIONS, strict=True))

# The readers' columns: the card's where there is one, else computed. The statement must join
# `LEFT JOIN paper_cards c ON c.paper_id = p.id`.
CARD_OR_COMPUTED = ",\n  ".join(f"coalesce(c.{column}, {expression}) AS {column}" for column, expression in _EACH)
COMPUTED = ",\n  ".join(f"{expression} AS {column}" for column, expression in _EACH)

_FILL = (f"INSERT OR REPLACE INTO {CARDS_TABLE} (paper_id, {', '.join(CARD_COLUMNS)})\n"
         f"SELECT p.id, {COMPUTED}\nFROM papers p WHERE ")

# The same statements as migration 0022 (a test holds them equal). A paper's id goes stale when a row of
# its byline, tags, repos or listings changes, or the name or URL such a row points to.
_STALE = ("DELETE FROM paper_cards WHERE paper_id = {id};\n"
          "  INSERT OR IGNORE INTO paper_cards_stale (paper_id) VALUES ({id});")
_STALE_ALL_OF = ("DELETE FROM paper_cards WHERE paper_id IN ({ids});\n"
                 "  INSERT OR IGNORE INTO paper_cards_stale (paper_id) {ids};")
_PAPERS_OF_AUTHOR = "SELECT paper_id FROM paper_authors WHERE author_id = {id}"
_PAPERS_OF_REPO = "SELECT paper_id FROM paper_repos WHERE repo_id = {id}"
_SOURCE_MOVED = ("WHEN old.paper_id IS NOT new.paper_id OR old.source_id IS NOT new.source_id "
                 "OR old.listed IS NOT new.listed")


def _links(table: str, short: str) -> list[tuple[str, str, list[str]]]:
    return [
        (f"paper_cards_{short}_ai", f"AFTER INSERT ON {table}", [_STALE.format(id="new.paper_id")]),
        (f"paper_cards_{short}_au", f"AFTER UPDATE ON {table}",
         [_STALE.format(id="old.paper_id"), _STALE.format(id="new.paper_id")]),
        (f"paper_cards_{short}_ad", f"AFTER DELETE ON {table}", [_STALE.format(id="old.paper_id")]),
    ]


_EVENTS: list[tuple[str, str, list[str]]] = [
    ("paper_cards_papers_ad", "AFTER DELETE ON papers", [_STALE.format(id="old.id")]),
    *_links("paper_authors", "authors"),
    *_links("paper_tags", "tags"),
    *_links("paper_repos", "repos"),
    ("paper_cards_sources_ai", "AFTER INSERT ON paper_sources", [_STALE.format(id="new.paper_id")]),
    # Only what the count reads: an unchanged record's upsert rewrites its row and must not cost a card.
    ("paper_cards_sources_au", f"AFTER UPDATE OF paper_id, source_id, listed ON paper_sources {_SOURCE_MOVED}",
     [_STALE.format(id="old.paper_id"), _STALE.format(id="new.paper_id")]),
    ("paper_cards_sources_ad", "AFTER DELETE ON paper_sources", [_STALE.format(id="old.paper_id")]),
    ("paper_cards_author_names_au", "AFTER UPDATE OF name ON authors WHEN old.name IS NOT new.name",
     [_STALE_ALL_OF.format(ids=_PAPERS_OF_AUTHOR.format(id="new.id"))]),
    ("paper_cards_author_names_ad", "AFTER DELETE ON authors",
     [_STALE_ALL_OF.format(ids=_PAPERS_OF_AUTHOR.format(id="old.id"))]),
    ("paper_cards_repo_urls_au",
     "AFTER UPDATE OF url, kind ON repos WHEN old.url IS NOT new.url OR old.kind IS NOT new.kind",
     [_STALE_ALL_OF.format(ids=_PAPERS_OF_REPO.format(id="new.id"))]),
    ("paper_cards_repo_urls_ad", "AFTER DELETE ON repos",
     [_STALE_ALL_OF.format(ids=_PAPERS_OF_REPO.format(id="old.id"))]),
]
TRIGGERS = {
    name: f"CREATE TRIGGER IF NOT EXISTS {name} {event} BEGIN\n" + "".join(f"  {s}\n" for s in body) + "END"
    for name, event, body in _EVENTS
}


def has_cards(conn: sqlite3.Connection) -> bool:
    """True when the database is at a schema with the cards (0022 or later)."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (CARDS_TABLE,)).fetchone()
    return row is not None


def ensure_triggers(conn: sqlite3.Connection) -> bool:
    """Install any missing trigger (a batch migration recreating a table drops its triggers); then changes
    may have gone unseen, so every card is dropped and queued. True when anything was repaired. Call inside
    a write transaction."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'paper\\_cards\\_%' "
                        "ESCAPE '\\'")
    missing = set(TRIGGERS) - {name for (name,) in rows}
    for name in missing:
        conn.execute(TRIGGERS[name])
    if missing:
        _all_stale(conn)
    return bool(missing)


def suspend(conn: sqlite3.Connection) -> None:
    """For a bulk load: drop the triggers (two statements per written row would cost more than one refill)
    and every card, queueing them all. resume() must run before the transaction commits."""
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    _all_stale(conn)


def resume(conn: sqlite3.Connection) -> None:
    for sql in TRIGGERS.values():
        conn.execute(sql)


def _all_stale(conn: sqlite3.Connection) -> None:
    conn.execute(f"DELETE FROM {CARDS_TABLE}")
    conn.execute(f"DELETE FROM {STALE_TABLE}")
    conn.execute(f"INSERT INTO {STALE_TABLE} (paper_id) VALUES ({ALL_STALE})")


def stale_count(conn: sqlite3.Connection) -> int | None:
    """How many cards wait to be filled; None when all of them do (or the schema has no cards: 0)."""
    if not has_cards(conn):
        return 0
    if _all_queued(conn):
        return None
    return conn.execute(f"SELECT count(*) FROM {STALE_TABLE}").fetchone()[0]


def _all_queued(conn: sqlite3.Connection) -> bool:
    return conn.execute(f"SELECT 1 FROM {STALE_TABLE} WHERE paper_id = {ALL_STALE}").fetchone() is not None


def refill(conn: sqlite3.Connection, db_path: str | Path) -> int:
    """Fill the cards the queue names, REFILL_CHUNK papers a transaction; returns how many were made. The
    caller holds the writer lock. Idempotent: a kill leaves the rest queued for the next write command."""
    if not has_cards(conn):
        return 0
    made = 0
    if _all_queued(conn):
        with write_transaction(conn, db_path):
            # The ids queued so far are among every paper: filled once, by the pass below. Ids a hand edit
            # queues during the pass (between its transactions) stay queued for the loop after it.
            conn.execute(f"DELETE FROM {STALE_TABLE} WHERE paper_id <> {ALL_STALE}")
            last = conn.execute("SELECT coalesce(max(id), 0) FROM papers").fetchone()[0]
        for start in range(0, last, REFILL_CHUNK):
            with write_transaction(conn, db_path):
                made += conn.execute(_FILL + "p.id > ? AND p.id <= ?", (start, start + REFILL_CHUNK)).rowcount
        with write_transaction(conn, db_path):
            conn.execute(f"DELETE FROM {STALE_TABLE} WHERE paper_id = {ALL_STALE}")
    while True:
        # Read before taking the write lock: most commands find the queue empty. Only this process writes
        # (the caller holds the writer lock); ids a hand edit queues meanwhile wait for the next round.
        ids = [pid for (pid,) in conn.execute(f"SELECT paper_id FROM {STALE_TABLE} LIMIT {REFILL_CHUNK}")]
        if not ids:
            return made
        with write_transaction(conn, db_path):
            chosen = json.dumps(ids)
            made += conn.execute(_FILL + "p.id IN (SELECT value FROM json_each(?))", (chosen,)).rowcount
            conn.execute(f"DELETE FROM {STALE_TABLE} WHERE paper_id IN (SELECT value FROM json_each(?))", (chosen,))
