"""Revision 0020: paper_tags and paper_authors are WITHOUT ROWID tables, and go back to rowid tables on the
way down, every row, index, trigger and view kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from corpus_db.store import migrate as migrations

TABLES = ("paper_tags", "paper_authors")


def _without_rowid(db: Path) -> dict[str, bool]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (t,)).fetchone()[0].rstrip()
                .endswith("WITHOUT ROWID") for t in TABLES}
    finally:
        conn.close()


def _state(db: Path) -> tuple:
    conn = sqlite3.connect(db)
    try:
        rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in TABLES}
        schema = conn.execute(
            "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') "
            "AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name"
        ).fetchall()
        overview = conn.execute("SELECT * FROM paper_overview ORDER BY 1").fetchall()
        return rows, schema, overview
    finally:
        conn.close()


def test_a_new_database_has_the_link_tables_without_rowid(seeded_db: Path) -> None:
    assert _without_rowid(seeded_db) == {"paper_tags": True, "paper_authors": True}
    conn = sqlite3.connect(seeded_db)
    try:
        query = "EXPLAIN QUERY PLAN SELECT paper_id FROM paper_tags WHERE tag_id = 1"
        plan = " ".join(r[-1] for r in conn.execute(query))
        assert "ix_paper_tags_tag_id_paper_id" in plan, plan
    finally:
        conn.close()


def test_0020_goes_down_and_up_on_a_populated_database(seeded_db: Path) -> None:
    conn = sqlite3.connect(seeded_db)  # the seeds are listing pages, without bylines: give three papers one
    conn.executemany("INSERT INTO authors (id, name, name_key) VALUES (?, ?, ?)",
                     [(1, "Ada Lovelace", "ada lovelace"), (2, "Alan Turing", "alan turing")])
    conn.executemany("INSERT INTO paper_authors (paper_id, position, author_id, raw_name) VALUES (?, ?, ?, ?)",
                     [(1, 1, 1, "Ada Lovelace"), (1, 2, 2, "A. Turing"), (2, 1, 2, "Alan Turing"), (3, 1, 1, "Ada")])
    conn.commit()
    conn.close()
    migrations.downgrade(seeded_db, "0020")  # from a later head: the schema as 0020 left it is the reference
    before = _state(seeded_db)
    assert before[0]["paper_tags"] and before[0]["paper_authors"] and before[2]
    migrations.downgrade(seeded_db, "0019")
    assert _without_rowid(seeded_db) == {"paper_tags": False, "paper_authors": False}
    assert _state(seeded_db) == before
    migrations.migrate(seeded_db, "0020")
    assert migrations.current_revision(seeded_db) == "0020"
    assert _without_rowid(seeded_db) == {"paper_tags": True, "paper_authors": True}
    assert _state(seeded_db) == before
    conn = sqlite3.connect(seeded_db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # The search outbox still hears of a byline change (its triggers were put back).
        conn.execute("DELETE FROM search_outbox")
        conn.execute("UPDATE paper_authors SET raw_name = raw_name || ' Jr' "
                     "WHERE (paper_id, position) = (SELECT paper_id, position FROM paper_authors LIMIT 1)")
        assert conn.execute("SELECT COUNT(*) FROM search_outbox").fetchone()[0] == 1
    finally:
        conn.close()
