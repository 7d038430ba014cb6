"""What people type beyond the main mix (4-letter prefixes, 2-word phrases, words past the 20 most
frequent): the most frequent words alone and in twos, three and four frequent content words ANDed
("graph neural network": every word in 5-40% of the papers), one or two of them within an author's
papers, prefixes of 3, 5 and 7
letters (one term of the prefix fields, or kept rankings for the common ones; the indexed words they start,
expanded from the term dictionary) and phrases of 3 and 4 words (positions, filtered by the pair fields
when every word is common). Per kind: p50/p95 on the CLI path and the FTS5 bm25 mass of the top 20, as for
the main mix (FTS5 on fewer queries: its prefixes take seconds at 1M)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import generate
from search import cli_times, percentile, quality

PREFIX_LENGTHS = (3, 5, 7)
PHRASE_LENGTHS = (3, 4)
QUERIES = 40  # per kind, timed
SCORED = 20  # per kind, compared with FTS5


def prefix_queries(length: int, seed: int, count: int = QUERIES) -> list[str]:
    """Prefixes of words drawn as the generator draws its text (words long enough to cut)."""
    rng = random.Random(seed * 31 + length)
    words = [w for w in generate.WORDS[20:4000] if len(w) > length]
    return [rng.choice(words)[:length] + "*" for _ in range(count)]


def phrase_queries(length: int, seed: int, count: int = QUERIES) -> list[str]:
    """Runs of `length` words of the generator's text stream, as the main mix draws its 2-word phrases."""
    rng = random.Random(seed * 37 + length)
    stream = generate._STREAM
    starts = (rng.randrange(len(stream) - length) for _ in range(count))
    return ['"' + " ".join(stream[at:at + length]) + '"' for at in starts]


def _figures(db: Path, report: Any, label: str, queries: list[str]) -> None:
    times = cli_times(db, queries, None)
    p95 = percentile(times, 0.95)
    _, mass = quality(db, queries[:SCORED])
    mean_mass = sum(mass) / len(mass)
    report.add(f"  {label} p95", p95, "ms", goal="<= 10 ms", met=p95 <= 10,
               note=f"p50 {percentile(times, 0.5):.2f} ms, {len(queries)} queries")
    report.add(f"  {label}: FTS5 bm25 mass of the top 20", mean_mass, "share", goal=">= 0.97",
               met=mean_mass >= 0.97, note=f"lowest {min(mass):.2f}, {len(mass)} queries")


def common_word_queries(seed: int, count: int = QUERIES) -> tuple[list[str], list[str]]:
    """The generator's 40 most frequent words ("the", "model", "learning"), which the main mix leaves out,
    alone and two at a time."""
    top = generate.WORDS[:40]
    rng = random.Random(seed * 41)
    return top[:count], [f"{rng.choice(top)} {rng.choice(top)}" for _ in range(count)]


def content_word_queries(words: int, seed: int, count: int = QUERIES) -> list[str]:
    """`words` different words of the generator's 20th to 200th most frequent ("network", "training",
    "spectral"), ANDed: each is in 5-40% of the papers, so the AND holds thousands of them at 1M."""
    rng = random.Random(seed * 43 + words)
    band = generate.WORDS[20:200]
    return [" ".join(rng.sample(band, words)) for _ in range(count)]


def author_queries(seed: int, count: int = QUERIES) -> tuple[list[str], list[str]]:
    """A word of the generator's 20th-200th most frequent, or two, within the papers of one of its surnames
    ("network" by Wang): the search page's author field."""
    rng = random.Random(seed * 47)
    band = generate.WORDS[20:200]
    words = [" ".join(rng.sample(band, rng.choice((1, 2)))) for _ in range(count)]
    return words, [rng.choice(generate._LAST_NAMES) for _ in range(count)]


def bench_query_lengths(db: Path, report: Any, seed: int) -> None:
    alone, two = common_word_queries(seed)
    _figures(db, report, "one common word", alone)
    _figures(db, report, "two common words", two)
    _figures(db, report, "three content words", content_word_queries(3, seed))
    _figures(db, report, "four content words", content_word_queries(4, seed))
    queries, authors = author_queries(seed)
    times = cli_times(db, queries, None, authors=authors)
    report.add("  words within an author's papers p95", percentile(times, 0.95), "ms", goal="<= 10 ms",
               met=percentile(times, 0.95) <= 10, note=f"p50 {percentile(times, 0.5):.2f} ms, {len(queries)} queries")
    # Against FTS5's top 20 within the same author's papers: its fallback filters by the words of author names
    # as the index does (round 21; it matched substrings before, so this was timed only).
    _, mass = quality(db, queries[:SCORED], authors[:SCORED])
    mean_mass = sum(mass) / len(mass)
    report.add("  words within an author's papers: FTS5 bm25 mass of the top 20", mean_mass, "share",
               goal=">= 0.97", met=mean_mass >= 0.97, note=f"lowest {min(mass):.2f}, {len(mass)} queries")
    for length in PREFIX_LENGTHS:
        _figures(db, report, f"{length}-letter prefix", prefix_queries(length, seed))
    for length in PHRASE_LENGTHS:
        _figures(db, report, f"{length}-word phrase", phrase_queries(length, seed))
