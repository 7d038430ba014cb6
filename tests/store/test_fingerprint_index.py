"""Revision 0015: the fingerprint index covers the re-import's two look-ups (listed? which key?), so
they never read a record's row; it replaces the old (source_id, record_hash) index, up and down."""

import sqlite3
from pathlib import Path

from corpus_db.store import migrate as migrations
from tests.store.test_migrations import FOUNDATION_TABLES, counts

OLD = "ix_paper_sources_source_id_record_hash"
NEW = "ix_paper_sources_source_id_record_hash_listed_record_key"
LISTED = """SELECT record_hash FROM paper_sources
            WHERE source_id = 1 AND listed AND record_hash IN (SELECT value FROM json_each('["a"]'))"""
KEYS = """SELECT record_key FROM paper_sources
          WHERE source_id = 1 AND record_hash IN (SELECT value FROM json_each('["a"]'))"""


def indexes(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'paper_sources'")}
    finally:
        conn.close()


def plan(path: Path, sql: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return " ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
    finally:
        conn.close()


def test_0015_swaps_the_index_both_ways_on_a_populated_database(seeded_db: Path) -> None:
    before = counts(seeded_db, FOUNDATION_TABLES)
    assert NEW in indexes(seeded_db) and OLD not in indexes(seeded_db)
    migrations.downgrade(seeded_db, "0012")
    assert OLD in indexes(seeded_db) and NEW not in indexes(seeded_db)
    assert counts(seeded_db, FOUNDATION_TABLES) == before
    migrations.migrate(seeded_db)
    assert NEW in indexes(seeded_db) and OLD not in indexes(seeded_db)
    assert counts(seeded_db, FOUNDATION_TABLES) == before
    assert migrations.schema_differences(seeded_db) == []


def test_the_reimport_look_ups_read_the_index_alone(seeded_db: Path) -> None:
    for sql in (LISTED, KEYS):
        assert f"COVERING INDEX {NEW}" in plan(seeded_db, sql)
    migrations.downgrade(seeded_db, "0012")
    assert "COVERING INDEX" not in plan(seeded_db, LISTED)
