"""Revision 0021: papers are looked up by title through title_hash, an integer index; the title key itself
tells papers with one hash apart, and 0021 goes down and up on a populated database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.rules import merge
from corpus_db.rules.normalize import title_hash
from corpus_db.store import migrate as migrations
from tests.paths import SEEDS


def _papers(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id, identity_key, title, title_key, abstract FROM papers ORDER BY id").fetchall()
    finally:
        conn.close()


def test_every_paper_has_its_title_keys_hash_and_look_ups_use_its_index(seeded_db: Path) -> None:
    conn = sqlite3.connect(seeded_db)
    try:
        rows = conn.execute("SELECT title_key, title_hash FROM papers").fetchall()
        assert rows and all(hashed == title_hash(key) for key, hashed in rows)
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM papers WHERE title_hash IN (SELECT value FROM json_each(?))", ("[1]",)
        ))
        assert "INDEX ix_papers_title_hash (title_hash=?)" in plan, plan
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'papers'")}
        assert "ix_papers_title_key" not in names
    finally:
        conn.close()
    assert title_hash("") is None
    assert title_hash("attention is all you need") == title_hash("attention is all you need") != title_hash("x")


def test_papers_sharing_a_hash_stay_apart_and_same_titles_still_merge(
    tmp_path: Path, seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every title given one hash: the writer then finds every paper by title, and only the title key decides."""
    monkeypatch.setattr(merge, "title_hash", lambda key: 7 if key else None)
    db = tmp_path / "colliding.db"
    totals, results = run_import(db, [SourceTask.for_path(p) for p in expand_paths([SEEDS])])
    assert totals.sources_failed == 0, [r.error for r in results]
    assert (totals.counts.inserted, totals.counts.merged) == (389, 21)
    assert _papers(db) == _papers(seeded_db)


def test_0021_goes_down_and_up_on_a_populated_database(seeded_db: Path) -> None:
    before = _papers(seeded_db)
    migrations.downgrade(seeded_db, "0020")
    conn = sqlite3.connect(seeded_db)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(papers)")]
    indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'papers'")}
    conn.close()
    assert "title_hash" not in columns and "ix_papers_title_key" in indexes
    assert _papers(seeded_db) == before
    migrations.migrate(seeded_db)
    assert migrations.current_revision(seeded_db) == migrations.SCHEMA_HEAD
    assert _papers(seeded_db) == before
    conn = sqlite3.connect(seeded_db)
    try:
        rows = conn.execute("SELECT title_key, title_hash FROM papers").fetchall()
        assert all(hashed == title_hash(key) for key, hashed in rows)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
