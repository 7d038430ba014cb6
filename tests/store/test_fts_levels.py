"""Lifting FTS5's merged segment: the record FTS5 reads back after the lift is the same index on a higher level,
small writes on the same connection and on others keep it there and keep the index sound, and any record
other than one merged segment is left alone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_db.store import fts_levels

WORDS = ("graph", "neural", "network", "attention", "transformer", "diffusion", "model", "protein", "language",
         "retrieval")


def _table(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("CREATE VIRTUAL TABLE ft USING fts5(body, content='docs', content_rowid='id')")
    conn.execute("INSERT INTO ft(ft, rank) VALUES ('hashsize', 4096)")  # a flush every few rows: many segments
    return conn


def _add(conn: sqlite3.Connection, first: int, count: int) -> None:
    rows = [(i, " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 9)) + f" doc{i}") for i in
            range(first, first + count)]
    conn.executemany("INSERT INTO docs VALUES (?, ?)", rows)
    conn.executemany("INSERT INTO ft(rowid, body) VALUES (?, ?)", rows)


def _edit(conn: sqlite3.Connection, doc: int) -> None:
    (old,) = conn.execute("SELECT body FROM docs WHERE id = ?", (doc,)).fetchone()
    conn.execute("INSERT INTO ft(ft, rowid, body) VALUES ('delete', ?, ?)", (doc, old))
    conn.execute("UPDATE docs SET body = ? WHERE id = ?", (old + " edited", doc))
    conn.execute("INSERT INTO ft(rowid, body) VALUES (?, ?)", (doc, old + " edited"))


def _answers(conn: sqlite3.Connection) -> list[list[int]]:
    return [[r for (r,) in conn.execute("SELECT rowid FROM ft WHERE ft MATCH ? ORDER BY rank", (q,))]
            for q in ("graph", "neural network", "doc7*", "edited", '"attention transformer"')]


def _levels(conn: sqlite3.Connection) -> list[int]:
    return fts_levels.read_structure(conn, "ft").segments_per_level


def test_the_merged_segment_is_lifted_and_stays_there_through_small_writes(tmp_path: Path) -> None:
    conn = _table(tmp_path / "ft.db")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO ft(ft, rank) VALUES ('automerge', 0)")
    _add(conn, 1, 600)
    answers = _answers(conn)
    # Nothing may read the index between the optimize and the lift: FTS5 caches the record per connection,
    # and optimize is what drops that copy (fts.optimize does both at once).
    conn.execute("INSERT INTO ft(ft) VALUES ('optimize')")
    before = _levels(conn)
    assert sum(before) == 1 and len(before) < fts_levels.LIFTED_LEVEL

    assert fts_levels.lift_merged_segment(conn, "ft")
    assert _levels(conn) == [0] * fts_levels.LIFTED_LEVEL + [1]
    assert _answers(conn) == answers
    conn.execute("INSERT INTO ft(ft, rank) VALUES ('automerge', 4)")
    _edit(conn, 3)  # in the lift's own transaction, on the connection that optimized
    conn.execute("COMMIT")

    other = sqlite3.connect(tmp_path / "ft.db", isolation_level=None)
    for round_ in range(40):  # small commits, each a flush: merged among themselves, never into the big one
        writer = conn if round_ % 2 else other
        writer.execute("BEGIN")
        for doc in range(10 + round_ * 7, 15 + round_ * 7):
            _edit(writer, doc)
        writer.execute("COMMIT")
    levels = _levels(conn)
    assert levels[fts_levels.LIFTED_LEVEL] == 1 and sum(levels) > 1, levels
    for c in (conn, other):
        c.execute("INSERT INTO ft(ft, rank) VALUES ('integrity-check', 1)")
    assert len(_answers(other)[3]) == 1 + 40 * 5
    conn.execute("INSERT INTO ft(ft) VALUES ('optimize')")  # a later optimize still merges everything
    assert sum(_levels(conn)) == 1
    conn.execute("INSERT INTO ft(ft, rank) VALUES ('integrity-check', 1)")


def test_an_index_of_several_segments_or_already_high_is_left_alone(tmp_path: Path) -> None:
    conn = _table(tmp_path / "ft.db")
    conn.execute("INSERT INTO ft(ft, rank) VALUES ('automerge', 0)")
    for first in (1, 101, 201):
        _add(conn, first, 100)  # three commits, three segments or more
    record = conn.execute("SELECT block FROM ft_data WHERE id = 10").fetchone()[0]
    assert sum(_levels(conn)) > 1
    assert not fts_levels.lift_merged_segment(conn, "ft")
    assert conn.execute("SELECT block FROM ft_data WHERE id = 10").fetchone()[0] == record

    conn.execute("INSERT INTO ft(ft) VALUES ('optimize')")
    assert fts_levels.lift_merged_segment(conn, "ft", level=5)
    record = conn.execute("SELECT block FROM ft_data WHERE id = 10").fetchone()[0]
    assert not fts_levels.lift_merged_segment(conn, "ft", level=3)
    assert conn.execute("SELECT block FROM ft_data WHERE id = 10").fetchone()[0] == record
    conn.execute("INSERT INTO ft(ft, rank) VALUES ('integrity-check', 1)")


def test_records_it_cannot_read_are_refused() -> None:
    cookie = b"\x00\x00\x00\x07"
    one_segment_v1 = cookie + bytes([2, 1, 9, 0, 0, 0, 1, 5, 1, 40])
    assert fts_levels.parse_structure(one_segment_v1).segments_per_level == [0, 1]
    # The second version: a marker, and 5 more varints a segment (origins, tombstone pages and entries, entries).
    one_segment_v2 = cookie + b"\xff\x00\x00\x01" + bytes([1, 1, 9, 0, 1, 5, 1, 40, 1, 3, 0, 0, 120])
    assert fts_levels.parse_structure(one_segment_v2).segments_per_level == [1]
    with pytest.raises(ValueError, match="left over"):
        fts_levels.parse_structure(one_segment_v1 + b"\x00")
    with pytest.raises(IndexError):
        fts_levels.parse_structure(one_segment_v1[:-2])


def test_a_lifted_second_version_record_keeps_its_segment_fields(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "fake.db", isolation_level=None)
    conn.execute("CREATE TABLE ft_data (id INTEGER PRIMARY KEY, block BLOB)")
    segment = bytes([5, 1, 40, 1, 3, 0, 0, 120])
    header = b"\x00\x00\x00\x07\xff\x00\x00\x01" + bytes([2, 1, 9, 0, 0, 0, 1])
    conn.execute("INSERT INTO ft_data VALUES (10, ?)", (header + segment,))
    assert fts_levels.lift_merged_segment(conn, "ft", level=4)
    lifted = conn.execute("SELECT block FROM ft_data WHERE id = 10").fetchone()[0]
    assert fts_levels.parse_structure(lifted).segments_per_level == [0, 0, 0, 0, 1]
    assert lifted.endswith(segment) and lifted.startswith(b"\x00\x00\x00\x07\xff\x00\x00\x01\x05\x01\x09")
