"""URL sources: credentials are redacted in everything stored, printed or served; a server that trickles
is cut off by the per-source deadline; an oversized or bomb body fails its source clearly."""

from __future__ import annotations

import sqlite3
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from corpus_db.sync.fetch import FetchError, FetchOptions, fetch
from corpus_db.sync.rounds import SyncOptions, sync_once
from tests.hostile import cases
from tests.http_fixture import Document, TestServer
from tests.http_fixture import http_server as http_server  # the fixture
from tests.sync_support import write_sources

SECRET = "hunter2"


def test_credentials_in_a_url_source_are_never_stored_or_shown(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/feed.txt"] = Document(cases.listing([(cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]))
    http_server.routes["/missing.txt"] = lambda h, _n: (h.send_response(404), h.end_headers())
    base = f"http://alice:{SECRET}@127.0.0.1:{http_server.port}"
    sources = write_sources(tmp_path / "sources.yml", [
        {"name": "feed", "url": f"{base}/feed.txt?token={SECRET}&page=1"},
        {"name": "gone", "url": f"http://127.0.0.1:{http_server.port}/missing.txt?api_key={SECRET}"},
    ])
    db = tmp_path / "corpus.db"
    printed: list[str] = []
    _totals, results = sync_once(db, sources, on_result=lambda r: printed.append(f"{r.locator} {r.error}"))
    assert [r.status for r in results] == ["imported", "failed"]
    assert SECRET not in " ".join(printed)
    conn = sqlite3.connect(db)
    stored = str(conn.execute("SELECT * FROM sources").fetchall())
    stored += str(conn.execute("SELECT * FROM import_runs").fetchall())
    assert SECRET not in stored and "REDACTED" in stored
    # The second round finds the same (redacted) source and sends its validators: a 304, nothing new.
    _totals, again = sync_once(db, sources)
    assert again[0].status == "unchanged"


def test_a_trickling_server_is_cut_off_by_the_deadline(http_server: TestServer, tmp_path: Path) -> None:
    def trickle(handler: BaseHTTPRequestHandler, _hit: int) -> None:
        handler.send_response(200)
        handler.end_headers()
        try:
            for _ in range(600):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    http_server.routes["/slow"] = trickle
    options = FetchOptions(deadline=1.0, retries=0)
    started = time.monotonic()
    try:
        fetch(http_server.url("/slow"), tmp_path / "slow", options=options)
    except FetchError as exc:
        assert "deadline" in str(exc)
    else:
        raise AssertionError("expected the deadline to stop the download")
    assert time.monotonic() - started < 15  # a generous bound: the trickle alone would last 30 s
    assert not (tmp_path / "slow").exists()


def test_a_gzip_bomb_served_by_a_url_fails_its_source(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/bomb.jsonl.gz"] = Document(cases.gzip_bomb(256 << 20))
    http_server.routes["/good.txt"] = Document(cases.listing([(cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]))
    sources = write_sources(tmp_path / "sources.yml", [
        {"name": "bomb", "url": http_server.url("/bomb.jsonl.gz"), "format": "arxiv-jsonl"},
        {"name": "good", "url": http_server.url("/good.txt")},
    ])
    _totals, results = sync_once(tmp_path / "corpus.db", sources, options=SyncOptions())
    assert [r.status for r in results] == ["failed", "imported"]
    assert "bomb" in (results[0].error or "") or "blank space" in (results[0].error or "")

