"""A source that lists one key twice: its records are numbered key, key#2, ... in file order. On a
re-import, unchanged records are recognised as they come, so a new twin put before the old ones must not
take over the listing of a record that turns up unchanged later (it did: the old text was lost until the
next import, and counted unchanged)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.ingest.worker import WORKER_MIN_BYTES_ENV
from corpus_db.store import writer


def _line(arxiv_id: str, title: str) -> str:
    return json.dumps({
        "id": arxiv_id, "title": title, "abstract": f"The text of {title}.", "authors": "A B",
        "authors_parsed": [["B", "A", ""]], "categories": "cs.LG", "update_date": "2024-01-02",
        "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}],
    })


FILLER = [_line(f"2402.{n:05d}", f"Filler paper {n}") for n in range(1, 1001)]  # two batches and more
X, Y, Z = (_line("2401.00001", f"Version {v}") for v in "xyz")


def _listed(db: Path) -> list[tuple[str, str]]:
    return sqlite3.connect(db).execute(
        "SELECT record_key, json_extract(raw_record, '$.title') FROM paper_sources"
        " WHERE record_key LIKE 'arxiv:2401.00001%' AND listed ORDER BY record_key"
    ).fetchall()


@pytest.mark.parametrize("threshold", ["0", str(10**12)], ids=["worker", "in-process"])
@pytest.mark.parametrize("in_memory", [100_000, 0], ids=["keys-in-a-set", "keys-in-a-table"])
def test_a_new_twin_before_the_old_ones_keeps_every_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: str, in_memory: int
) -> None:
    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, threshold)
    monkeypatch.setattr(writer, "REWRITTEN_IN_MEMORY", in_memory)  # the writer runs in this process
    dump, db = tmp_path / "snapshot.jsonl", tmp_path / "corpus.db"
    dump.write_text("\n".join([*FILLER, X, Y]) + "\n")
    run_import(db, [SourceTask.for_path(dump)])
    assert [t for _, t in _listed(db)] == ["Version x", "Version y"]

    dump.write_text("\n".join([Z, *FILLER, X, Y]) + "\n")
    _, [result] = run_import(db, [SourceTask.for_path(dump)])
    assert result.status == "imported", result.error
    assert sorted(t for _, t in _listed(db)) == ["Version x", "Version y", "Version z"]
    assert [k for k, _ in _listed(db)] == ["arxiv:2401.00001", "arxiv:2401.00001#2", "arxiv:2401.00001#3"]
    assert result.counts.unchanged == 1000 and result.counts.records == 1003

    dump.write_text("\n".join([Z, *FILLER, X, Y]) + "\n\n")  # new bytes, same records: nothing to redo
    _, [result] = run_import(db, [SourceTask.for_path(dump)])
    assert result.counts.unchanged == 1003, result.counts


@pytest.mark.parametrize("threshold", ["0", str(10**12)], ids=["worker", "in-process"])
def test_a_twin_after_the_old_ones_takes_the_next_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: str
) -> None:
    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, threshold)
    dump, db = tmp_path / "snapshot.jsonl", tmp_path / "corpus.db"
    dump.write_text("\n".join([X, Y, *FILLER]) + "\n")
    run_import(db, [SourceTask.for_path(dump)])
    dump.write_text("\n".join([X, Y, *FILLER, Z]) + "\n")
    _, [result] = run_import(db, [SourceTask.for_path(dump)])
    assert _listed(db) == [
        ("arxiv:2401.00001", "Version x"), ("arxiv:2401.00001#2", "Version y"), ("arxiv:2401.00001#3", "Version z"),
    ]
    assert result.counts.unchanged == 1002
