"""Prefixes of every length people type, not only the four letters of the main query mix: 3 letters
(one of the prefix fields' terms, or kept rankings for the common ones), 5 and 7 letters (the indexed
words they start, expanded from the term dictionary). Per length: p50/p95 on the CLI path and the FTS5
bm25 mass of the top 20, as for the main mix (FTS5 on fewer queries: its prefixes take seconds at 1M)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import generate
from search import cli_times, percentile, quality

LENGTHS = (3, 5, 7)
QUERIES = 40  # per length, timed
SCORED = 20  # per length, compared with FTS5


def prefix_queries(length: int, seed: int, count: int = QUERIES) -> list[str]:
    """Prefixes of words drawn as the generator draws its text (words long enough to cut)."""
    rng = random.Random(seed * 31 + length)
    words = [w for w in generate.WORDS[20:4000] if len(w) > length]
    return [rng.choice(words)[:length] + "*" for _ in range(count)]


def bench_prefix_lengths(db: Path, report: Any, seed: int) -> None:
    for length in LENGTHS:
        queries = prefix_queries(length, seed)
        times = cli_times(db, queries, None)
        p95 = percentile(times, 0.95)
        _, mass = quality(db, queries[:SCORED])
        mean_mass = sum(mass) / len(mass)
        report.add(f"  {length}-letter prefix p95", p95, "ms", goal="<= 10 ms", met=p95 <= 10,
                   note=f"p50 {percentile(times, 0.5):.2f} ms, {len(queries)} queries")
        report.add(f"  {length}-letter prefix: FTS5 bm25 mass of the top 20", mean_mass, "share", goal=">= 0.97",
                   met=mean_mass >= 0.97, note=f"lowest {min(mass):.2f}, {len(mass)} queries")
