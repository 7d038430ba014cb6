"""The source boundary: whatever a parser or preparer raises (a bug, a RecursionError, memory running
out) becomes that source's clear error; the traceback goes into the run's record, never to the terminal;
the other sources, and later sync rounds, go on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from corpus_db import importers
from corpus_db.importers.base import Importer
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.model import PaperRecord
from corpus_db.store.db import connect
from tests.hostile import cases


@pytest.mark.parametrize("error", [KeyError("x"), RecursionError("deep"), MemoryError(), ZeroDivisionError()])
def test_any_exception_of_an_importer_is_its_sources_error(
    error: BaseException, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord]:
        yield PaperRecord(title="Fine", position=1, raw="Fine")
        raise error

    buggy = Importer(name="buggy", description="raises", sniff=lambda head, path: False, parse=parse)
    monkeypatch.setitem(importers.FORMATS, "buggy", buggy)
    bad = tmp_path / "bad.txt"
    bad.write_text("anything\n")
    good = tmp_path / "good.txt"
    good.write_bytes(cases.listing([(cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]))
    _totals, results = run_import(db_path, [SourceTask.for_path(bad, format="buggy"), SourceTask.for_path(good)])
    assert [r.status for r in results] == ["failed", "imported"]
    error_text = results[0].error or ""
    assert str(bad) in error_text and type(error).__name__ in error_text
    assert "Traceback" not in error_text
    conn = sqlite3.connect(db_path)
    status, message, details = conn.execute(
        "SELECT status, message, details FROM import_runs ORDER BY id DESC"
    ).fetchone()
    assert status == "partial" and str(bad) in message
    assert "Traceback" in details and "parse" in details
    assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 1


def test_a_full_disk_fails_the_source_clearly_and_closes_the_run(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus_db.ingest import run as ingest_run

    def small_disk(path: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(path, **kwargs)  # type: ignore[arg-type]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 4}")  # SQLite then answers SQLITE_FULL, as a full disk
        return conn

    # A corpus that holds a paper already: the import runs in place, not in a new file built beside it.
    first = tmp_path / "first.txt"
    first.write_bytes(cases.listing([("A Paper Already There", cases.GOOD_ABSTRACT)]))
    run_import(db_path, [SourceTask.for_path(first)])
    monkeypatch.setattr(ingest_run, "connect", small_disk)
    big = tmp_path / "big.txt"
    big.write_bytes(cases.listing([(f"{cases.GOOD_TITLE} {n}", cases.GOOD_ABSTRACT * 20) for n in range(2000)]))
    _totals, [result] = run_import(db_path, [SourceTask.for_path(big)])
    assert result.status == "failed" and "database or disk is full" in (result.error or "")
    sql = "SELECT status, message FROM import_runs ORDER BY id DESC LIMIT 1"
    status, message = sqlite3.connect(db_path).execute(sql).fetchone()
    assert status == "failed" and "disk is full" in message
