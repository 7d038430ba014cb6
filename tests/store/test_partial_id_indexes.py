"""Revision 0019: the six scholarly-id unique indexes hold only the papers that have the id, still refuse a
second paper with the same id, still serve the writer's look-ups, and go back to full indexes on the way down."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_db.store import migrate as migrations

COLUMNS = ("openalex_id", "s2_corpus_id", "pmid", "pmcid", "dblp_key", "mag_id")


def _index_sql(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return {c: conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (f"ix_papers_{c}",)).fetchone()[0]
                for c in COLUMNS}
    finally:
        conn.close()


def test_the_indexes_are_partial_unique_and_used_by_the_look_ups(seeded_db: Path) -> None:
    assert all(sql.endswith(f"WHERE {c} IS NOT NULL") for c, sql in _index_sql(seeded_db).items())
    conn = sqlite3.connect(seeded_db)
    try:
        for column in COLUMNS:
            plan = " ".join(row[-1] for row in conn.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM papers WHERE {column} IN (SELECT value FROM json_each(?))",
                ('["x"]',),
            ))
            assert f"INDEX ix_papers_{column} ({column}=?)" in plan, plan
        held = conn.execute("SELECT COUNT(*) FROM papers INDEXED BY ix_papers_pmid WHERE pmid IS NOT NULL")
        assert held.fetchone()[0] == conn.execute("SELECT COUNT(pmid) FROM papers").fetchone()[0]
        conn.execute("UPDATE papers SET pmid = '123' WHERE id = (SELECT MIN(id) FROM papers)")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE papers SET pmid = '123' WHERE id = (SELECT MAX(id) FROM papers)")
    finally:
        conn.close()


def test_0019_goes_down_and_up_on_a_populated_database(seeded_db: Path) -> None:
    conn = sqlite3.connect(seeded_db)
    conn.execute("UPDATE papers SET pmid = '42', dblp_key = 'journals/x/Y24' WHERE id = (SELECT MIN(id) FROM papers)")
    conn.commit()
    conn.close()
    migrations.downgrade(seeded_db, "0019")  # from a later head: the papers as 0019 left them are the reference
    conn = sqlite3.connect(seeded_db)
    before = conn.execute("SELECT * FROM papers ORDER BY id").fetchall()
    conn.close()
    migrations.downgrade(seeded_db, "0018")
    assert all("WHERE" not in sql for sql in _index_sql(seeded_db).values())
    migrations.migrate(seeded_db, "0019")
    assert migrations.current_revision(seeded_db) == "0019"
    assert all(sql.endswith(f"WHERE {c} IS NOT NULL") for c, sql in _index_sql(seeded_db).items())
    conn = sqlite3.connect(seeded_db)
    try:
        assert conn.execute("SELECT * FROM papers ORDER BY id").fetchall() == before
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
