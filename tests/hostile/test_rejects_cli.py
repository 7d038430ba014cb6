"""Rejects as a user meets them: the summary line and `runs` count them, `corpus-db rejects` lists them,
Datasette shows the table, --max-rejects fails a source with too many, and a fixed file clears them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.hostile import cases
from tests.sync_support import run_cli
from tests.web_support import copy_as_corpus, make_datasette


def _snapshot(path: Path, *, mangled: bool) -> Path:
    lines = [cases.jsonl_line(i, f"{cases.GOOD_TITLE} {i}") for i in cases.good_ids(200)]
    if mangled:
        lines[100] = lines[100][:40] + "\x1b[31m"
    path.write_bytes(cases.jsonl(lines))
    return path


def test_rejects_are_counted_listed_and_cleared_by_a_fixed_file(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    dump = _snapshot(tmp_path / "snap.jsonl", mangled=True)
    result = run_cli("import", db, dump)
    assert result.returncode == 0, result.stderr
    assert "199 new" in result.stdout and "1 rejected" in result.stdout
    assert "1 rejected" in run_cli("runs", db).stdout
    listed = run_cli("rejects", db)
    assert f"{dump}:101: invalid JSON" in listed.stdout
    assert "\x1b" not in listed.stdout and "\\x1b" in listed.stdout  # shown escaped, never raw
    _snapshot(dump, mangled=False)
    assert run_cli("import", db, dump).returncode == 0
    assert run_cli("rejects", db).stdout.strip() == "No rejected records."


def test_max_rejects_fails_the_source_whole(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    dump = _snapshot(tmp_path / "snap.jsonl", mangled=True)
    result = run_cli("import", db, dump, "--max-rejects", "0")
    assert result.returncode == 1
    assert "1 of 200 records rejected, over the limit of 0 (--max-rejects 0)" in result.stderr
    assert "line 101: invalid JSON" in result.stderr
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0
    bad = run_cli("import", db, dump, "--max-rejects", "lots")
    assert bad.returncode == 2 and "--max-rejects" in bad.stderr


@pytest.mark.asyncio
async def test_datasette_shows_the_rejected_records_table(tmp_path: Path) -> None:
    db = tmp_path / "built.db"
    assert run_cli("import", db, _snapshot(tmp_path / "snap.jsonl", mangled=True)).returncode == 0
    served = copy_as_corpus(db, tmp_path / "served")
    response = await make_datasette(served).client.get("/corpus/rejected_records.json?_shape=array")
    assert response.status_code == 200
    [row] = response.json()
    assert row["line"] == 101 and "invalid JSON" in row["reason"]
