"""corpus-db sync end to end on real files and a real HTTP server: what is skipped, what is rewritten,
what is kept, and what is recorded."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from corpus_db.store import db as database
from corpus_db.store import fts
from corpus_db.store import migrate as migrations
from corpus_db.store.search import search
from corpus_db.sync.fetch import FetchOptions
from corpus_db.sync.rounds import SyncOptions, sync_once
from tests.http_fixture import Document, TestServer
from tests.http_fixture import http_server as http_server  # the fixture
from tests.paths import ROOT
from tests.sync_support import cli_env, generated_records, listing_record, run_cli, write_listing, write_sources

FAST = SyncOptions(fetch=FetchOptions(connect_timeout=5, read_timeout=5, retries=1, backoff=0.01))


def _rows(conn: sqlite3.Connection, sql: str) -> dict[int, tuple]:
    return {row[0]: tuple(row) for row in conn.execute(sql)}


def test_a_checkout_subprocess_runs_this_checkout(tmp_path: Path) -> None:
    result = run_cli("--help")
    assert result.returncode == 0 and "sync" in result.stdout
    probe = "import corpus_db, corpus_db.store.migrate as d; print(corpus_db.__file__); print(d.migrations_dir())"
    out = subprocess.run([sys.executable, "-c", probe], env=cli_env(), capture_output=True, text=True, check=True)
    package, migrations = out.stdout.split()
    assert Path(package).is_relative_to(ROOT) and Path(migrations) == ROOT / "corpus_db" / "store" / "migrations"


def test_seeds_then_nothing_to_do(tmp_path: Path) -> None:
    db_path = tmp_path / "corpus.db"
    totals, results = sync_once(db_path, ROOT / "sources.yml")
    assert totals.status == "ok" and totals.schema_upgrade == (None, migrations.head_revision())
    assert [r.status for r in results] == ["imported"] * 4
    conn = database.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 389
    assert conn.execute("SELECT COUNT(*) FROM paper_sources").fetchone()[0] == 410
    tagged = conn.execute(
        "SELECT COUNT(DISTINCT paper_id) FROM paper_tags JOIN tags ON tags.id = tag_id WHERE name = 'seeds'"
    ).fetchone()[0]
    assert tagged == 389
    totals, results = sync_once(db_path, ROOT / "sources.yml")
    assert [r.status for r in results] == ["unchanged"] * 4 and totals.counts.unchanged == 410
    assert totals.schema_upgrade is None
    runs = conn.execute("SELECT command, status, sources_skipped, pid, host FROM import_runs ORDER BY id").fetchall()
    assert [(r[1], r[2]) for r in runs] == [("ok", 0), ("ok", 4)]
    assert all(r[0].startswith("sync --sources ") and r[3] and r[4] for r in runs)


def test_sync_after_a_plain_import_of_the_same_files_skips_them(seeded_db: Path) -> None:
    totals, _ = sync_once(seeded_db, ROOT / "sources.yml")
    assert totals.sources_skipped == 4 and totals.counts.inserted == totals.counts.updated == 0


def test_one_edited_record_rewrites_only_its_paper_and_its_index_entry(tmp_path: Path) -> None:
    db_path = tmp_path / "corpus.db"
    records = generated_records(100)
    # Record 50's abstract is as long as the site's cut-off, so a longer version of it is an improvement
    # the merge rules take (an equally long, reworded abstract is not: see the report).
    records[50] = listing_record(50, words=320)
    dump = write_listing(tmp_path / "feed.txt", records)
    sources = write_sources(tmp_path / "sources.yml", [{"name": "feed", "path": "feed.txt"}])
    sync_once(db_path, sources)
    conn = database.connect(db_path)
    conn.executescript(
        """CREATE TABLE audit (op TEXT, paper_id INTEGER);
        CREATE TRIGGER audit_insert AFTER INSERT ON papers BEGIN INSERT INTO audit VALUES ('insert', new.id); END;
        CREATE TRIGGER audit_update AFTER UPDATE ON papers BEGIN INSERT INTO audit VALUES ('update', new.id); END;
        -- fires exactly when the FTS update trigger does
        CREATE TRIGGER audit_fts AFTER UPDATE OF title, abstract ON papers
          BEGIN INSERT INTO audit VALUES ('fts', new.id); END;
        CREATE TRIGGER audit_link AFTER UPDATE ON paper_sources
          BEGIN INSERT INTO audit VALUES ('link', new.paper_id); END;"""
    )
    edited_id = conn.execute("SELECT id FROM papers WHERE title = ?", (records[50][0],)).fetchone()[0]
    papers_before = _rows(conn, "SELECT * FROM papers")
    links_before = _rows(conn, "SELECT * FROM paper_sources")
    records[50] = (records[50][0], records[50][1] + " Now extended with zebracorn results.")
    write_listing(dump, records)

    _, (result,) = sync_once(db_path, sources)

    assert result.status == "imported"
    assert (result.counts.updated, result.counts.unchanged, result.counts.inserted) == (1, 99, 0)
    assert conn.execute("SELECT op, paper_id FROM audit ORDER BY op").fetchall() == [
        ("fts", edited_id), ("link", edited_id), ("update", edited_id)
    ]
    papers_after = _rows(conn, "SELECT * FROM papers")
    links_after = _rows(conn, "SELECT * FROM paper_sources")
    assert {k: v for k, v in papers_after.items() if k != edited_id} == {
        k: v for k, v in papers_before.items() if k != edited_id
    }
    assert papers_after[edited_id] != papers_before[edited_id]
    assert sum(links_after[k] != links_before[k] for k in links_before) == 1
    assert [hit.id for hit in search(conn, "zebracorn")] == [edited_id]
    fts.integrity_check(conn)


def test_a_paper_a_source_drops_stays_searchable_and_is_listed_again_when_back(tmp_path: Path) -> None:
    db_path = tmp_path / "corpus.db"
    records = generated_records(10)
    dump = write_listing(tmp_path / "feed.txt", records)
    sources = write_sources(tmp_path / "sources.yml", [{"name": "feed", "path": str(dump)}])
    sync_once(db_path, sources)
    conn = database.connect(db_path)
    paper_id = conn.execute("SELECT id FROM papers WHERE title = ?", (records[3][0],)).fetchone()[0]

    write_listing(dump, records[:3] + records[4:])
    _, (result,) = sync_once(db_path, sources)
    assert result.counts.unlisted == 1 and result.counts.unchanged == 9
    assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 10
    listed, unlisted_at = conn.execute(
        "SELECT listed, unlisted_at FROM paper_sources WHERE paper_id = ?", (paper_id,)
    ).fetchone()
    assert listed == 0 and unlisted_at
    assert paper_id in [hit.id for hit in search(conn, "marker3")]

    write_listing(dump, records)
    _, (result,) = sync_once(db_path, sources)
    assert result.counts.updated == 1
    assert conn.execute(
        "SELECT listed, unlisted_at FROM paper_sources WHERE paper_id = ?", (paper_id,)
    ).fetchone() == (1, None)
    fts.integrity_check(conn)


def test_url_sources_download_conditionally_and_failures_are_recorded(
    http_server: TestServer, tmp_path: Path
) -> None:
    db_path = tmp_path / "corpus.db"
    feed = Document(write_listing(tmp_path / "v1.txt", generated_records(20)).read_bytes())
    http_server.routes["/feed.txt"] = feed
    sources = write_sources(tmp_path / "sources.yml", [
        {"name": "feed", "url": http_server.url("/feed.txt"), "tags": ["feed"]},
        {"name": "gone", "url": http_server.url("/gone.txt")},
    ])

    totals, results = sync_once(db_path, sources, options=FAST)
    assert [r.status for r in results] == ["imported", "failed"] and totals.status == "partial"
    assert results[0].locator == http_server.url("/feed.txt") and results[0].counts.inserted == 20
    assert results[1].error == f"{http_server.url('/gone.txt')}: HTTP 404 Not Found"
    conn = database.connect(db_path)
    status, failed, message = conn.execute(
        "SELECT status, sources_failed, message FROM import_runs ORDER BY id DESC"
    ).fetchone()
    assert (status, failed, message) == ("partial", 1, results[1].error)
    assert conn.execute("SELECT etag FROM sources WHERE locator = ?", (http_server.url("/feed.txt"),)).fetchone() == (
        '"v1"',
    )

    _, results = sync_once(db_path, sources, options=FAST)
    assert results[0].status == "unchanged" and results[0].counts.unchanged == 20
    assert http_server.requests[-2][1].get("If-None-Match") == '"v1"'  # the feed's request, before /gone.txt

    feed.body = write_listing(tmp_path / "v2.txt", generated_records(21)).read_bytes()
    feed.etag = '"v2"'
    _, results = sync_once(db_path, sources, options=FAST)
    assert results[0].status == "imported"
    assert (results[0].counts.inserted, results[0].counts.unchanged) == (1, 20)
    assert conn.execute("SELECT etag FROM sources WHERE locator = ?", (http_server.url("/feed.txt"),)).fetchone() == (
        '"v2"',
    )
    assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 21


def test_an_invalid_sources_file_is_a_recorded_failure(tmp_path: Path) -> None:
    db_path = tmp_path / "corpus.db"
    sources = tmp_path / "sources.yml"
    sources.write_text("sources:\n- name: x\n  glob: '*.txt'\n  colour: red\n")
    totals, (result,) = sync_once(db_path, sources)
    assert totals.status == "failed" and "entry 1 (x): unknown key 'colour'" in (result.error or "")
    assert database.connect(db_path).execute("SELECT status, message FROM import_runs").fetchone() == (
        "failed", result.error
    )


def test_the_command_exits_1_on_a_failed_source_and_runs_shows_it(tmp_path: Path) -> None:
    db_path = tmp_path / "corpus.db"
    write_listing(tmp_path / "a.txt", generated_records(3))
    sources = write_sources(tmp_path / "sources.yml", [
        {"name": "a", "path": "a.txt"},
        {"name": "missing", "glob": "nothing-*.txt"},
    ])
    result = run_cli("sync", db_path, "--sources", sources)
    assert result.returncode == 1
    assert "Created the database" in result.stdout and "3 new" in result.stdout
    assert "FAILED" in result.stderr and "glob matched no files" in result.stderr
    history = run_cli("runs", db_path)
    assert history.returncode == 0
    assert f"partial  sync --sources {sources}" in history.stdout
    assert "glob matched no files (sources entry 2, missing)" in history.stdout
