"""The benchmark's generator: seeded output is byte-for-byte stable, and both formats import through the
real importers with the expected counts, so `make bench` cannot silently measure something else."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from corpus_db.ingest.run import SourceTask, run_import
from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import generate

N = 200


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    generate.write_arxiv(tmp_path / "a.jsonl", N, seed=3)
    generate.write_arxiv(tmp_path / "b.jsonl", N, seed=3)
    generate.write_arxiv(tmp_path / "c.jsonl", N, seed=4)
    assert _digest(tmp_path / "a.jsonl") == _digest(tmp_path / "b.jsonl")
    assert _digest(tmp_path / "a.jsonl") != _digest(tmp_path / "c.jsonl")
    generate.write_hf(tmp_path / "a.json", 60, seed=3)
    generate.write_hf(tmp_path / "b.json", 60, seed=3)
    assert _digest(tmp_path / "a.json") == _digest(tmp_path / "b.json")


def test_derived_copies_equal_direct_generation(tmp_path: Path) -> None:
    base = tmp_path / "base.jsonl"
    generate.write_arxiv(base, N, seed=3)
    for fraction, extra in ((0.05, 0), (0.0, 30)):
        generate.write_arxiv(tmp_path / "direct.jsonl", N, seed=3, edit_fraction=fraction, append=extra)
        generate.derive_arxiv(base, tmp_path / "derived.jsonl", N, seed=3, edit_fraction=fraction, append=extra)
        assert _digest(tmp_path / "direct.jsonl") == _digest(tmp_path / "derived.jsonl")
    lines = base.read_text(encoding="utf-8").splitlines()
    edited = (tmp_path / "derived.jsonl").read_text(encoding="utf-8").splitlines()
    assert edited[:N] == lines and len(edited) == N + 30


def test_dumps_import_with_the_expected_counts(tmp_path: Path) -> None:
    dump = tmp_path / "arxiv.jsonl"
    generate.write_arxiv(dump, N, seed=3)
    db = tmp_path / "corpus.db"
    totals, results = run_import(db, [SourceTask.for_path(dump)])
    assert [r.format for r in results] == ["arxiv-jsonl"]
    assert (totals.sources_failed, totals.counts.inserted) == (0, N)

    # An edited copy at the same path updates only the edited records; HF entries for known papers merge.
    changed = sum(generate.edited(3, i, 0.05) for i in range(N))
    assert 0 < changed < N // 5
    generate.write_arxiv(dump, N, seed=3, edit_fraction=0.05, append=10)
    totals, _ = run_import(db, [SourceTask.for_path(dump)])
    assert (totals.counts.inserted, totals.counts.updated, totals.counts.unchanged) == (10, changed, N - changed)

    days = generate.write_hf_days(tmp_path / "hf", 2, seed=3, per_day=20, first=N - 20)
    totals, results = run_import(db, [SourceTask.for_path(p) for p in days])
    assert [r.format for r in results] == ["hf-daily", "hf-daily"]
    assert (totals.sources_failed, totals.counts.merged, totals.counts.inserted) == (0, 30, 10)
