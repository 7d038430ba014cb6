"""Nothing leaks: credentials in URL locators are redacted wherever they are stored, printed or served;
the content of a file that is not a dump is never echoed; control characters never reach a terminal."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_db.web.readonly import PRINTF_REFUSED
from tests.hostile import cases
from tests.sync_support import run_cli
from tests.web_support import copy_as_corpus, make_datasette


def test_an_unrecognised_file_is_not_quoted(tmp_path: Path) -> None:
    secret = "root:$6$saltsalt$SECRETHASHVALUE:19000:0:99999:7:::"
    shadow = tmp_path / "shadow"
    shadow.write_text(f"{secret}\ndaemon:*:19000:0:99999:7:::\n")
    db = tmp_path / "corpus.db"
    result = run_cli("import", db, shadow)
    assert result.returncode == 1
    assert "unrecognised format" in result.stderr
    assert "SECRETHASH" not in result.stdout + result.stderr
    conn = sqlite3.connect(db)
    assert "SECRETHASH" not in str(conn.execute("SELECT message, details FROM import_runs").fetchall())
    assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0


def test_control_characters_are_never_printed_raw(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    bad = tmp_path / "evil.jsonl"
    bad.write_bytes(cases.jsonl([cases.jsonl_line("2001.00001", f"Evil{cases.CONTROL} Title")]))
    assert run_cli("import", db, bad).returncode == 0
    out = run_cli("search", db, "Evil").stdout
    assert "Evil" in out
    assert not any(ch in out for ch in "\x00\x07\x1b\u202e\u2066")


@pytest.mark.asyncio
async def test_one_huge_function_call_is_refused_by_the_length_limit(seeded_db: Path, tmp_path: Path) -> None:
    # 2,000,000,000 characters would take about 20 s and 1 GB; the 3 s time limit cannot stop one call.
    ds = make_datasette(copy_as_corpus(seeded_db, tmp_path / "site"))
    try:
        huge = "select length(printf('%.*c', 2000000000, 'x'))"
        response = await ds.client.get("/corpus.json", params={"sql": huge})
        assert response.status_code == 200 and response.json()["rows"] == [[len(PRINTF_REFUSED)]]
        too_big = await ds.client.get("/corpus.json", params={"sql": "select length(zeroblob(2000000000))"})
        assert too_big.status_code == 400 and "too big" in too_big.text
        ok = await ds.client.get("/corpus.json", params={"sql": "select max(length(raw_record)) from paper_sources"})
        assert ok.status_code == 200
    finally:
        for db in ds.databases.values():
            db.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("typed", ['"', '""', "\x00", 'attention ""', '""attention""', "-", "'"])
async def test_no_table_search_is_ever_a_syntax_error(typed: str, seeded_db: Path, tmp_path: Path) -> None:
    ds = make_datasette(copy_as_corpus(seeded_db, tmp_path / "site"))
    try:
        response = await ds.client.get("/corpus/papers.json", params={"_search": typed})
        assert response.status_code == 200, response.text
    finally:
        for db in ds.databases.values():
            db.close()
