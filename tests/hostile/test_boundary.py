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
from tests.hostile import cases


def _buggy(fh: BinaryIO, path: str) -> Iterator[PaperRecord]:
    yield PaperRecord(title="Fine", position=1, raw="Fine")
    raise KeyError("a bug in the importer")


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
