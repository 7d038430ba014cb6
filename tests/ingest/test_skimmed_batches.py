"""A re-import's batches come from skim's tokens in bulk (worker._skimmed), their edited records parsed
by worker.finish in the same process: they must be the batches the split path makes (every line
decoded, looked up by its text's fingerprint), cut at the same records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_db.importers import FORMATS
from corpus_db.ingest import worker
from corpus_db.ingest.files import open_dump
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.ingest.worker import Job, _batches, _completed, _cut, _parsed, _parsed_raws, _recogniser, _skims
from corpus_db.model import Batch, Unchanged
from corpus_db.rules.taxonomy import Taxonomy
from corpus_db.store.listings import LastImport


def _line(n: int, abstract: str = "") -> str:
    return json.dumps({
        "id": f"2401.{n:05d}", "title": f"Paper {n} on graph learning", "abstract": abstract or f"Abstract {n}.",
        "authors": "A B and C D", "authors_parsed": [["B", "A", ""], ["D", "C", ""]], "categories": "cs.LG",
        "update_date": "2024-01-02", "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}],
    })


def _batches_both_ways(dump: Path, db: Path) -> tuple[list[Batch], list[Batch]]:
    job = Job("arxiv-jsonl", str(dump), Taxonomy.load(), str(db), str(dump.resolve()), False)
    assert _skims(FORMATS[job.format_name], job)
    last = LastImport(db, job.locator)
    try:
        skimmed = list(_batches(job, last, None))  # finished: the edited records parsed
        split = [_completed(job, last, items) for items in _parsed(job, last, None)]  # never skims
    finally:
        last.close()
    return skimmed, split


@pytest.mark.parametrize("last_break", [True, False], ids=["last-line-ends", "last-line-unfinished"])
def test_skimmed_batches_are_the_split_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, last_break: bool) -> None:
    monkeypatch.setattr(worker, "BATCH", 7)  # many batches from a small dump
    lines = [_line(n) for n in range(1, 41)]
    lines[5] = lines[4]  # one text listed twice: its token carries both record keys
    dump = tmp_path / "snap.jsonl"
    dump.write_bytes(("\n".join(lines) + "\n").encode())
    db = tmp_path / "corpus.db"
    run_import(db, [SourceTask.for_path(dump)])

    edited = list(lines)
    edited[0] = "\ufeff" + edited[0]  # a BOM: line 1 is still known
    edited[9] = _line(10, "A corrected abstract.")
    edited[10] = "   "  # a blank line: no record, no position
    edited[17] = _line(18, "Another correction.")
    edited[25] = "{not json"  # a reject, in the middle of a batch
    edited.insert(30, _line(99))  # a new paper
    body = "\n".join(edited[:20]) + "\r\n" + "\n".join(edited[20:])  # one CR LF ending
    data = body.encode() + b"\n\xff not utf-8\n" + lines[39].encode() + (b"\n" if last_break else b"")
    dump.write_bytes(data)

    skimmed, split = _batches_both_ways(dump, db)
    assert [(b.unchanged, b.unchanged_keys, b.items) for b in skimmed] == [
        (b.unchanged, b.unchanged_keys, b.items) for b in split
    ]
    # 42 records in 6 batches: two edited, a new one, two rejects; the last line repeats line 40's text.
    assert [(b.unchanged, len(b.items)) for b in skimmed] == [(7, 0)] + [(6, 1)] * 5
    assert skimmed[0].unchanged_keys[4:8] == ["arxiv:2401.00005", "arxiv:2401.00005#2"] * 2  # the text listed twice
    assert skimmed[-1].unchanged_keys[-2:] == ["arxiv:2401.00040"] * 2


def test_a_batch_passing_its_byte_budget_is_cut_where_unchanged_records_weighed_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """skim's known lines weigh nothing (split's lines all weigh their text): the batches are those of
    cutting skim's records, the known ones as Unchanged, with _cut."""
    monkeypatch.setattr(worker, "BATCH_BYTES", 3_000)  # five edited lines fill a batch
    lines = [_line(n) for n in range(1, 31)]
    dump = tmp_path / "snap.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    db = tmp_path / "corpus.db"
    run_import(db, [SourceTask.for_path(dump)])
    for n in (2, 3, 4, 5, 20):
        lines[n] = _line(n + 1, "Edited " * 40)
    dump.write_text("\n".join(lines) + "\n")

    job = Job("arxiv-jsonl", str(dump), Taxonomy.load(), str(db), str(dump.resolve()), False)
    importer = FORMATS[job.format_name]
    assert importer.skim is not None
    last = LastImport(db, job.locator)
    try:
        skimmed = list(_batches(job, last, None))  # finished: the edited records parsed
        with open_dump(dump) as stream:
            records = (Unchanged(t) if type(t) is tuple else t
                       for t in importer.skim(stream, str(dump), _recogniser(last)))
            cut = [_completed(job, last, _parsed_raws(importer, job, last, b)) for b in _cut(records)]
    finally:
        last.close()
    assert [(b.unchanged, b.unchanged_keys, b.items) for b in skimmed] == [
        (b.unchanged, b.unchanged_keys, b.items) for b in cut
    ]
    assert [(b.unchanged, len(b.items)) for b in skimmed] == [(16, 5), (9, 0)]  # cut at the fifth edited line
