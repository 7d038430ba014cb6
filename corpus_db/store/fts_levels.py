"""Where FTS5 keeps its segments: the levels of its structure record, and lifting a freshly merged index to a
high level so that the merges of later small writes leave it alone.

FTS5 merges a level once it holds `automerge` (4) segments, into the level above. `optimize` puts the one
merged segment a level above the highest in use, so an index merged after a load that never merged (the
cheap way to load: 8% of the writer's CPU at 100k papers) sat on level 1 or 2, where a few dozen small
commits reach it: a 1%-edited re-import of 100k papers then rewrote the whole index again and again (1.23 s
in the update trigger instead of 0.23 s). SQLite has no setting for the level, so the record is rewritten
with empty levels below the segment: a change of level headers only, checked against the layout FTS5
documents in fts5_index.c, and skipped (leaving the index as it is, correct but slower to update) whenever
the record is not the single merged segment this expects.

The record (row 10 of %_data): a 4-byte cookie, the 4-byte marker 0xff000001 in the second version, then
varints: levels, segments, write counter; per level: segments being merged, segments, and per segment 3
varints (5 more in the second version)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

STRUCTURE_ROWID = 10
_V2_MARKER = b"\xff\x00\x00\x01"
_MAX_LEVEL = 64  # FTS5_MAX_LEVEL
# 4**12 flushes before the merges of small writes reach a segment lifted this high.
LIFTED_LEVEL = 12


@dataclass(frozen=True)
class Structure:
    """The parts of a structure record this module reads: where the level count starts and ends, and per
    level (merging, segments) with where the level's header starts and its segments end."""

    data: bytes
    levels_at: int
    levels_end: int
    levels: tuple[tuple[int, int, int, int], ...]  # (merging, segments, header start, segments end)

    @property
    def segments_per_level(self) -> list[int]:
        return [segments for _, segments, _, _ in self.levels]


def read_structure(conn: sqlite3.Connection, table: str) -> Structure:
    """Parse `table`'s structure record; ValueError when it is not the layout described above."""
    row = conn.execute(f"SELECT block FROM {table}_data WHERE id = ?", (STRUCTURE_ROWID,)).fetchone()
    if row is None or not isinstance(row[0], bytes):
        raise ValueError(f"{table}: no structure record")
    return parse_structure(row[0])


def parse_structure(data: bytes) -> Structure:
    """Parse a structure record; ValueError when it does not read to its end exactly."""
    second_version = data[4:8] == _V2_MARKER
    at = 8 if second_version else 4
    levels_at = at
    count, at = _varint(data, at)
    levels_end = at
    _, at = _varint(data, at)  # segments in all
    _, at = _varint(data, at)  # write counter
    per_segment = 8 if second_version else 3
    levels = []
    for _ in range(count):
        start = at
        merging, at = _varint(data, at)
        segments, at = _varint(data, at)
        for _ in range(per_segment * segments):
            _, at = _varint(data, at)
        levels.append((merging, segments, start, at))
    if at != len(data):
        raise ValueError(f"structure record: {len(data) - at} bytes left over")
    return Structure(data, levels_at, levels_end, tuple(levels))


def lift_merged_segment(conn: sqlite3.Connection, table: str, level: int = LIFTED_LEVEL) -> bool:
    """Move the index's only segment up to `level` (no higher than FTS5 allows) when it sits lower, in the
    caller's transaction. True when the record was rewritten. Call right after 'optimize' on the same
    connection: optimize drops FTS5's cached copy of the record, so its next write starts from this one."""
    try:
        structure = read_structure(conn, table)
    except (ValueError, IndexError):
        return False
    per_level = structure.segments_per_level
    target = min(level, _MAX_LEVEL - 1)
    if sum(per_level) != 1 or per_level[-1] != 1 or structure.levels[-1][0] != 0 or len(per_level) - 1 >= target:
        return False
    data = structure.data
    last_level_start = structure.levels[-1][2]
    lifted = (
        data[: structure.levels_at]
        + _put_varint(target + 1)
        + data[structure.levels_end : last_level_start]
        + b"\x00\x00" * (target + 1 - len(per_level))  # empty levels: nothing merging, no segment
        + data[last_level_start:]
    )
    parse_structure(lifted)  # the same layout, or raise before writing anything
    conn.execute(f"UPDATE {table}_data SET block = ? WHERE id = ?", (lifted, STRUCTURE_ROWID))
    return True


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's varint: 7 bits a byte, high bit set on all but the last; the ninth byte gives all 8 bits."""
    value = 0
    for _ in range(8):
        byte = data[at]
        at += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at
    return (value << 8) | data[at], at + 1


def _put_varint(value: int) -> bytes:
    if not 0 <= value < 0x80:
        raise ValueError(f"level count {value} does not fit one byte")
    return bytes((value,))
