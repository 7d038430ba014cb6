"""Batches and skim blocks are bounded by bytes as well as by count: a dump of many lines near the line
limit must not gather hundreds of them (gigabytes) in one batch, in a queue, or in one skim block."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from corpus_db.importers.arxiv_jsonl import SKIM_BLOCK, SKIM_BLOCK_BYTES, _blocks
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.ingest.worker import (
    BATCH,
    BATCH_BYTES,
    WORKER_MIN_BYTES_ENV,
    WORKERS_ENV,
    _cut,
    queue_places,
    text_bytes,
)
from corpus_db.ingest.worker_process import QUEUE_BATCHES
from corpus_db.model import Batch, RawRecord, Unchanged


def _raw(n: int, chars: int) -> RawRecord:
    return RawRecord(n, n, "x" * chars)


def test_a_batch_ends_at_its_count_or_its_bytes_whichever_first() -> None:
    small = [_raw(n, 100) for n in range(1, 1201)]
    assert [len(b) for b in _cut(iter(small))] == [BATCH, BATCH, 200]
    big = [_raw(n, 1_500_000) for n in range(1, 11)]  # 3 of them pass BATCH_BYTES
    batches = list(_cut(iter(big)))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert [r for b in batches for r in b] == big  # file order kept, nothing lost
    assert all(sum(map(text_bytes, b[:-1])) < BATCH_BYTES for b in batches)


def test_unchanged_records_weigh_nothing_and_cut_by_count_only() -> None:
    items = [Unchanged(("k",))] * 1001
    assert [len(b) for b in _cut(iter(items))] == [BATCH, BATCH, 1]


def test_a_big_batch_holds_one_queue_place_per_budget() -> None:
    assert queue_places(Batch()) == 1
    assert queue_places(Batch(items=[_raw(1, 1_000)] * 400)) == 1  # a real batch: 400 KB
    assert queue_places(Batch(items=[_raw(1, 9 << 20)])) == 3  # one line of 9 MiB: two markers go first
    assert QUEUE_BATCHES * BATCH_BYTES <= 64 << 20  # what may wait for the writer at most, near enough


def test_skim_blocks_end_at_their_count_or_bytes() -> None:
    small = [(n, b"y" * 99 + b"\n") for n in range(1, 1001)]
    assert [len(b) for b in _blocks(iter(small))] == [SKIM_BLOCK, SKIM_BLOCK]
    big = [(n, b"y" * 1_500_000 + b"\n") for n in range(1, 8)]
    blocks = list(_blocks(iter(big)))
    assert [len(b) for b in blocks] == [3, 3, 1]
    assert sum(len(d) for _, d in blocks[0][:-1]) < SKIM_BLOCK_BYTES


def _long_line(n: int, pad: int) -> str:
    return json.dumps({
        "id": f"2401.{n:05d}", "title": f"Paper {n} on long lines", "abstract": f"Abstract {n}.",
        "authors": "A B", "authors_parsed": [["B", "A", ""]], "categories": "cs.LG", "update_date": "2024-01-02",
        "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}], "comments": "c" * pad,
    })


@pytest.mark.parametrize("workers", ["1", "2"])
def test_long_lines_import_whole_through_workers_and_reimport(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, "0")
    monkeypatch.setenv(WORKERS_ENV, workers)
    lines = [_long_line(n, 1_400_000) for n in range(1, 12)]  # four batches of 3, 3, 3, 2
    dump = tmp_path / "long.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    db = tmp_path / "corpus.db"
    _, [result] = run_import(db, [SourceTask.for_path(dump)])
    assert result.status == "imported" and result.counts.inserted == 11, result.error
    stored = sqlite3.connect(db).execute(
        "SELECT line, length(raw_record) FROM paper_sources ORDER BY line").fetchall()
    assert stored == [(n, len(lines[n - 1])) for n in range(1, 12)]
    lines[4] = lines[4].replace("Abstract 5.", "Abstract 5, corrected.")  # a re-import skims blocks by bytes
    lines.append(_long_line(12, 10))
    dump.write_text("\n".join(lines) + "\n")
    _, [result] = run_import(db, [SourceTask.for_path(dump)])
    counts = result.counts
    assert (counts.unchanged, counts.updated, counts.inserted) == (10, 1, 1), result.error
    assert multiprocessing.active_children() == []
