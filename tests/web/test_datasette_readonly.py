"""The web never writes: every kind of write SQL sent through Datasette is refused and the file is
unchanged; the connection guard refuses what Datasette's own SELECT check would let through; and
`corpus-db serve` listens on 127.0.0.1 with time and row limits."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from corpus_db.cli.web import datasette_command, serve
from corpus_db.web.readonly import make_read_only
from tests.web_support import copy_as_corpus, counts, make_datasette

WRITES = [
    "INSERT INTO tags(name) VALUES ('x')",
    "UPDATE papers SET title = 'x'",
    "DELETE FROM papers",
    "REPLACE INTO tags(id, name) VALUES (1, 'x')",
    "WITH x AS (SELECT 1) DELETE FROM papers",  # passes Datasette's "must be a SELECT" check
    "WITH x AS (SELECT 1) INSERT INTO tags(name) SELECT 'x' FROM x",
    "ATTACH DATABASE '/tmp/corpus-db-attack.db' AS other",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA user_version = 7",
    "PRAGMA writable_schema = 1",
    "CREATE TABLE t(x)",
    "DROP TABLE papers",
    "DROP VIEW paper_overview",
    "ALTER TABLE papers ADD COLUMN x",
    "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
    "VACUUM",
]


@pytest.fixture
def corpus(seeded_db: Path, tmp_path: Path) -> Path:
    return copy_as_corpus(seeded_db, tmp_path / "site")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_write_sql_through_the_web_is_refused(corpus: Path) -> None:
    before_counts, before_hash = counts(corpus), digest(corpus)
    ds = make_datasette(corpus)
    try:
        for statement in WRITES:
            response = await ds.client.get("/corpus.json", params={"sql": statement})
            assert response.status_code == 400, (statement, response.status_code)
            assert response.json()["ok"] is False, statement
            html = await ds.client.get("/corpus", params={"sql": statement})
            assert html.status_code == 400, statement
    finally:
        for db in ds.databases.values():
            db.close()
    assert not Path("/tmp/corpus-db-attack.db").exists()
    assert counts(corpus) == before_counts
    assert digest(corpus) == before_hash


@pytest.mark.parametrize("statement", WRITES)
def test_guarded_connection_refuses_each_write(corpus: Path, statement: str) -> None:
    conn = sqlite3.connect(corpus, isolation_level=None)  # writable on purpose: the guard alone must hold
    make_read_only(conn, "corpus")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute(statement)
    assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 389
    conn.close()


def test_guarded_connection_still_reads_and_searches(corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    make_read_only(conn, "corpus")
    assert conn.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'granularity'").fetchone()[0] > 0
    assert conn.execute("SELECT count(*) FROM pragma_table_info('papers')").fetchone()[0] > 0
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] in ("wal", "delete")  # reading a pragma is fine
    conn.close()


def test_serve_listens_locally_with_time_and_row_limits(tmp_path: Path) -> None:
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
    command = datasette_command(tmp_path / "corpus.db", "127.0.0.1", 8001, None)
    settings = {command[i + 1]: command[i + 2] for i, arg in enumerate(command) if arg == "--setting"}
    assert settings["sql_time_limit_ms"] == "3000" and settings["max_returned_rows"] == "1000"
    assert command[command.index("--host") + 1] == "127.0.0.1"


async def test_the_read_only_guard_leaves_datasettes_own_pages_working(seeded_db: Path) -> None:
    from datasette.app import Datasette

    datasette = Datasette([str(seeded_db)])
    response = await datasette.client.get("/-/versions.json")
    assert response.status_code == 200
    assert "FTS5" in response.json()["sqlite"]["fts_versions"]
