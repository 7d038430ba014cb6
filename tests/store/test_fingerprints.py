"""SourceFingerprints: the compact table a re-import's worker reads a source's fingerprints into gives
what the rows say, whatever the keys, the repeats of a text and the chunk boundaries."""

from __future__ import annotations

import sqlite3
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_db.store import fingerprints
from corpus_db.store.fingerprints import SourceFingerprints, Unreadable

Row = tuple[str, bool, str]  # record_hash, listed, record_key


def _database(rows: list[Row], other_source: list[Row] = ()) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("""CREATE TABLE paper_sources (id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL,
                    record_key TEXT NOT NULL, record_hash TEXT NOT NULL, listed BOOLEAN NOT NULL DEFAULT 1,
                    UNIQUE (source_id, record_key))""")
    conn.execute("CREATE INDEX ix ON paper_sources (source_id, record_hash, listed, record_key)")
    conn.executemany("INSERT INTO paper_sources (source_id, record_hash, listed, record_key) VALUES (1, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO paper_sources (source_id, record_hash, listed, record_key) VALUES (2, ?, ?, ?)",
                     other_source)
    return conn


def _expected(rows: list[Row], asked: list[str]) -> list[tuple[str, ...] | None]:
    keys: dict[str, set[str]] = defaultdict(set)
    listed: set[str] = set()
    for digest, is_listed, key in rows:
        keys[digest].add(key)
        if is_listed:
            listed.add(digest)
    return [frozenset(keys[d]) if d in listed else None for d in asked]  # type: ignore[misc]


def _as_sets(answer: list[tuple[str, ...] | None]) -> list[frozenset[str] | None]:
    return [None if keys is None else frozenset(keys) for keys in answer]


HASHES = [f"{n:032x}" for n in (0, 1, 2, 255, 2**64, 2**127, 2**128 - 1)] + ["0f" * 16, "f0" * 16]
rows_strategy = st.lists(
    st.tuples(st.sampled_from(HASHES), st.booleans(), st.text(max_size=6)),
    max_size=40, unique_by=lambda row: row[2],
)


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy, chunk=st.integers(1, 7))
def test_the_table_answers_as_the_rows_do(rows: list[Row], chunk: int) -> None:
    fingerprints_chunk = fingerprints.CHUNK_ROWS
    fingerprints.CHUNK_ROWS = chunk  # boundaries inside runs of one text
    try:
        conn = _database(rows, other_source=[(HASHES[0], True, "elsewhere")])
        table = SourceFingerprints.read(conn, 1, max_rows=1000)  # NUL in a key included: it is counted
        asked = [*HASHES, "not a fingerprint", "AB" * 16]
        assert _as_sets(table.keys_of(asked)) == _expected(rows, asked)
        assert _as_sets(table.keys_of(asked[:3])) == _expected(rows, asked[:3])
    finally:
        fingerprints.CHUNK_ROWS = fingerprints_chunk


def test_more_rows_than_allowed_is_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprints, "CHUNK_ROWS", 2)
    conn = _database([(HASHES[i % 3], True, f"k{i}") for i in range(5)])
    with pytest.raises(Unreadable):
        SourceFingerprints.read(conn, 1, max_rows=4)
    assert len(SourceFingerprints.read(conn, 1, max_rows=5).keys_of(HASHES[:3])) == 3


def test_a_source_without_rows_knows_nothing() -> None:
    table = SourceFingerprints.read(_database([]), 1, max_rows=10)
    assert table.keys_of(HASHES[:2]) == [None, None]
    assert table.keys_of([]) == []


def test_non_ascii_keys_come_back_whole() -> None:
    rows = [(HASHES[1], True, "doi:10.1/é—中"), (HASHES[1], False, "arxiv:𝔸1"), (HASHES[2], True, "x")]
    table = SourceFingerprints.read(_database(rows), 1, max_rows=10)
    both = frozenset({"doi:10.1/é—中", "arxiv:𝔸1"})
    assert _as_sets(table.keys_of([HASHES[1], HASHES[2]])) == [both, frozenset({"x"})]
