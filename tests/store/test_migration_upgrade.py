"""Databases written by older corpus-db: sync upgrades them first and keeps every row; revision 0003
goes down and up again on a populated database; the models and the migrations agree."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from corpus_db.ingest.prepare import text_hash
from corpus_db.store import db as database
from corpus_db.store import fts
from corpus_db.store import migrate as migrations
from corpus_db.store.search import search
from tests.paths import ROOT
from tests.sync_support import count, run_cli

OLD_AT = "2025-01-02T03:04:05+00:00"
# Rows as corpus-db at revision 0001 wrote them: its tables, its columns, nothing newer.
ROWS_0001 = {
    "papers": [
        (1, "arxiv:2101.00001", "2101.00001", None, "Quaternion Lattices for Ancient Tablets",
         "quaternion lattices for ancient tablets", "We decode tablets with quaternion lattices.", 0, OLD_AT, OLD_AT),
        (2, "doi:10.1000/xyz", None, "10.1000/xyz", "Glacier Acoustics at Scale", "glacier acoustics at scale",
         "Listening to glaciers. Code: https://github.com/example/glacier", 0, OLD_AT, OLD_AT),
        (3, "title:moss phenology from drones", None, None, "Moss Phenology from Drones",
         "moss phenology from drones", None, 0, OLD_AT, OLD_AT),
    ],
    "sources": [(1, "/old/dumps/2025-01-02.txt", "listing", "ab" * 32, "Jan 2, 2025", 3, OLD_AT)],
    "paper_sources": [
        (1, 1, 1, "arxiv:2101.00001", 1, 3, "Quaternion Lattices for Ancient Tablets\nWe decode...", "h1"),
        (2, 2, 1, "doi:10.1000/xyz", 2, 5, "Glacier Acoustics at Scale\nListening...", "h2"),
        (3, 3, 1, "title:moss phenology from drones", 3, 7, "Moss Phenology from Drones\n", "h3"),
    ],
    "tags": [(1, "archaeology"), (2, "audio")],
    "paper_tags": [(1, 1, "taxonomy", 1), (2, 2, "taxonomy", 1), (2, 2, "import", 1)],
    "repos": [(1, "https://github.com/example/glacier", "github.com", "example", "glacier", "code")],
    "paper_repos": [(2, 1, "abstract", "https://github.com/example/glacier", 1)],
    "import_runs": [
        (1, "import /old/dumps", OLD_AT, OLD_AT, "ok", 1, 0, 0, 3, 0, 0, 0, 0, None),
        (2, "import /old/dumps", OLD_AT, None, "running", 0, 0, 0, 0, 0, 0, 0, 0, None),  # killed long ago
    ],
}


def _snapshot(path: Path) -> dict[str, set[tuple]]:
    """Every table's rows, in the columns 0001 had."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table, rows in ROWS_0001.items():
            columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")][: len(rows[0])]
            out[table] = set(conn.execute(f"SELECT {', '.join(columns)} FROM {table}"))
        return out
    finally:
        conn.close()


def _build_0001(path: Path) -> None:
    migrations.migrate(path, "0001")
    conn = sqlite3.connect(path)
    with conn:
        for table, rows in ROWS_0001.items():
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    conn.close()


def test_sync_upgrades_a_0001_database_and_keeps_every_row(tmp_path: Path) -> None:
    db_path = tmp_path / "old.db"
    _build_0001(db_path)
    old = _snapshot(db_path)

    result = run_cli("sync", db_path, "--sources", ROOT / "sources.yml")

    assert result.returncode == 0, result.stderr
    assert f"Upgraded the database schema from 0001 to {migrations.head_revision()} before syncing." in result.stdout
    assert migrations.current_revision(db_path) == migrations.head_revision()
    assert migrations.schema_differences(db_path) == []
    new = _snapshot(db_path)
    killed = next(r for r in old["import_runs"] if r[4] == "running")
    # Revision 0018 recomputed the fingerprints (0001 rows held made-up ones) from the raw records.
    old["paper_sources"] = {row[:-1] for row in old["paper_sources"]}
    assert all(row[-1] == text_hash(row[-2]) for row in new["paper_sources"])
    new["paper_sources"] = {row[:-1] for row in new["paper_sources"]}
    for table, rows in old.items():
        expected = rows - {killed} if table == "import_runs" else rows
        assert expected <= new[table], (table, expected - new[table])
    # The run that was 'running' when the old version died is now closed, and nothing else of it changed.
    assert count(db_path, "SELECT status FROM import_runs WHERE id = 2") == "interrupted"
    # The new data arrived next to the old.
    assert count(db_path, "SELECT COUNT(*) FROM papers") == 3 + 389
    assert count(db_path, "SELECT COUNT(*) FROM paper_sources WHERE listed = 1") == 3 + 410
    conn = database.connect(db_path)
    fts.integrity_check(conn)
    assert [hit.id for hit in search(conn, "quaternion tablets")] == [1]


def test_0003_downgrades_and_upgrades_a_populated_database(seeded_db: Path) -> None:
    assert migrations.current_revision(seeded_db) == migrations.head_revision()
    runs_before = count(seeded_db, "SELECT COUNT(*) FROM import_runs")
    papers_before = count(seeded_db, "SELECT COUNT(*) FROM papers")
    migrations.downgrade(seeded_db, "0002")
    conn = sqlite3.connect(seeded_db)
    assert "pid" not in [c[1] for c in conn.execute("PRAGMA table_info(import_runs)")]
    conn.close()
    assert count(seeded_db, "SELECT COUNT(*) FROM import_runs") == runs_before
    migrations.migrate(seeded_db)
    assert count(seeded_db, "SELECT COUNT(*) FROM import_runs") == runs_before
    assert count(seeded_db, "SELECT COUNT(*) FROM papers") == papers_before
    assert migrations.schema_differences(seeded_db) == []
