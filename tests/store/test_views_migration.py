"""Revision 0004 creates the browsing views and takes them away again; views are not in the SQLAlchemy
MetaData, so autogenerate must still find nothing to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from corpus_db.store import migrate as migrations


def views(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    finally:
        conn.close()


def test_views_upgrade_downgrade_and_no_autogenerate_diff(db_path: Path) -> None:
    assert "paper_overview" in views(db_path)
    assert migrations.schema_differences(db_path) == []
    migrations.downgrade(db_path, "0003")
    assert views(db_path) == set()
    migrations.migrate(db_path)
    assert "paper_overview" in views(db_path)
    assert migrations.schema_differences(db_path) == []


def test_paper_overview_lists_tags_sources_and_repos(conn: sqlite3.Connection) -> None:
    row = conn.execute("""SELECT o.tags, o.sources, o.repos, o.source_count FROM paper_overview o
                          WHERE o.repos != '[]' ORDER BY o.id LIMIT 1""").fetchone()
    assert row[0].startswith("[") and row[1].endswith('.txt"]') and row[2].startswith('["https://')
    assert conn.execute("SELECT count(*) FROM paper_overview").fetchone()[0] == 389
    assert conn.execute("SELECT count(*) FROM paper_overview WHERE source_count > 1").fetchone()[0] == 21
