"""The SQL of similar papers' storage: paper_vectors (one int8 vector per paper, clustered by cell),
similar_cells (the k-means centroids), similar_packs (each cell's vectors in one row, derived from
paper_vectors) and similar_state (which model, how far embedding has got).

A pack is valid only while its cell's rows are unchanged: triggers on paper_vectors delete the pack of
every cell a write touches, in the write's own transaction, and pack_cells() rebuilds the missing packs
at the end of a pass. A reader uses a cell's pack when there is one and the cell's rows when there is
not, so a pass killed before it re-packed gives slower answers, never stale ones.

Every write is its own short transaction holding whole rows (vector and the hash of the text it came
from together), so a process killed at any point leaves each paper either embedded from its current
text, embedded from an older text (its hash says so), or not embedded: the next pass finishes the job."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_db.store.transaction import write_transaction

if TYPE_CHECKING:
    import numpy as np
# numpy is imported inside the two functions that need it: the CLI and the web plugin import this
# module to ask has_vectors() whether or not the optional extra is installed.

_SET_STATE = (
    "INSERT INTO similar_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
# Bumped by every write of vectors or cells, in the same transaction: a process that keeps the vectors
# in memory (the web server) knows from this one row whether its copy is current.
VERSION_KEY = "version"
_BUMP_VERSION = (
    "INSERT INTO similar_state (key, value) VALUES ('version', '1') "
    "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
)
MODEL_KEY = "model"
WATERMARK_KEY = "embedded_through"  # papers with last_updated >= this may need embedding
TRAINED_ON_KEY = "cells_trained_on"  # how many vectors the current cells were trained on


@contextmanager
def cache_pages(conn: sqlite3.Connection, kilobytes: int) -> Iterator[None]:
    """A bigger page cache for this connection for a while (then the one it had): a transaction that
    dirties more pages than the cache holds spills them to the WAL early, and may write them twice."""
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-int(kilobytes)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


def has_vectors(conn: sqlite3.Connection) -> bool:
    """True when the database holds at least one vector (False too before revision 0011)."""
    try:
        return conn.execute("SELECT 1 FROM paper_vectors LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # no such table: a database from before similar papers
        return False


def read_state(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM similar_state").fetchall())


def embedding_enabled(conn: sqlite3.Connection) -> bool:
    """True once `corpus-db embed` has run on this database: imports then keep the vectors current."""
    return MODEL_KEY in read_state(conn)


def write_state(conn: sqlite3.Connection, path: str | Path, values: dict[str, str]) -> None:
    with write_transaction(conn, path):
        conn.executemany(_SET_STATE, list(values.items()))


def candidate_ids(conn: sqlite3.Connection, since: str | None) -> list[int]:
    """Papers that may need a vector: all of them, or those changed at or after `since` (by index)."""
    if since is None:
        return [r[0] for r in conn.execute("SELECT id FROM papers ORDER BY id")]
    return [r[0] for r in conn.execute("SELECT id FROM papers WHERE last_updated >= ? ORDER BY id", (since,))]


def texts_and_hashes(
    conn: sqlite3.Connection, ids: Sequence[int]
) -> list[tuple[int, str | None, str | None, str | None]]:
    """(paper id, title, abstract, hash of the text its vector was made from or None) for these papers."""
    marks = ",".join("?" * len(ids))
    return conn.execute(
        f"""SELECT p.id, p.title, p.abstract, v.text_hash FROM papers p
            LEFT JOIN paper_vectors v ON v.paper_id = p.id WHERE p.id IN ({marks}) ORDER BY p.id""",
        list(ids),
    ).fetchall()


def save_vectors(
    conn: sqlite3.Connection, path: str | Path, rows: Iterable[tuple[int, int, str, bytes]], *,
    replaced: Sequence[int] | None = None,
) -> None:
    """Store (paper id, cell, text hash, vector) rows in one transaction, replacing older vectors: those
    of `replaced` (the papers known to have one), or of every row's paper when not given."""
    rows = list(rows)
    old = [r[0] for r in rows] if replaced is None else replaced
    with write_transaction(conn, path):
        # DELETE then INSERT, not INSERT OR REPLACE: REPLACE's implicit delete fires no trigger, and a
        # re-embedded paper that changed cell must invalidate its old cell's pack too.
        conn.executemany("DELETE FROM paper_vectors WHERE paper_id = ?", [(p,) for p in old])
        conn.executemany("INSERT INTO paper_vectors (paper_id, cell, text_hash, vector) VALUES (?, ?, ?, ?)", rows)
        conn.execute(_BUMP_VERSION)


def vector_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM paper_vectors").fetchone()[0]


def vector_of(conn: sqlite3.Connection, paper_id: int) -> bytes | None:
    row = conn.execute("SELECT vector FROM paper_vectors WHERE paper_id = ?", (paper_id,)).fetchone()
    return row[0] if row else None


def vectors_of(conn: sqlite3.Connection, paper_ids: Sequence[int]) -> list[bytes]:
    marks = ",".join("?" * len(paper_ids))
    sql = f"SELECT vector FROM paper_vectors WHERE paper_id IN ({marks})"
    return [r[0] for r in conn.execute(sql, list(paper_ids))]


def pack(rows: Sequence[tuple[int, bytes]]) -> tuple[bytes, bytes]:
    """A cell's (paper id, vector) rows as one pack: little-endian int64 ids, and the vectors end to end."""
    return struct.pack(f"<{len(rows)}q", *(r[0] for r in rows)), b"".join(r[1] for r in rows)


def _cell_rows(conn: sqlite3.Connection, cell: int) -> list[tuple[int, bytes]]:
    return conn.execute(
        "SELECT paper_id, vector FROM paper_vectors WHERE cell = ? ORDER BY paper_id", (cell,)
    ).fetchall()


def packed_cells(conn: sqlite3.Connection, cells: Sequence[int]) -> list[tuple[bytes, bytes]]:
    """(ids, vectors) packs of the given cells: the stored pack, or one made from the cell's rows
    when its pack is missing (a pass changed the cell and has not re-packed it yet)."""
    found: dict[int, tuple[bytes, bytes]] = {}
    for start in range(0, len(cells), 500):  # under SQLite's host-parameter limit
        chunk = list(cells[start : start + 500])
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT cell, ids, vectors FROM similar_packs WHERE cell IN ({marks})"
        found.update((cell, (ids, vectors)) for cell, ids, vectors in conn.execute(sql, chunk))
    return [found[c] if c in found else pack(_cell_rows(conn, c)) for c in cells]


def unpacked_cells(conn: sqlite3.Connection, cells: int) -> list[int]:
    """Which of cells 0..cells-1 have no pack (an empty cell gets an empty pack)."""
    packed = {r[0] for r in conn.execute("SELECT cell FROM similar_packs")}
    return [c for c in range(cells) if c not in packed]


def pack_cells(conn: sqlite3.Connection, path: str | Path, cells: Sequence[int], *, per_transaction: int = 32) -> None:
    """Rebuild these cells' packs from their rows, a few cells per transaction (the rows are read inside
    it, so a pack always equals the rows of its moment)."""
    for start in range(0, len(cells), per_transaction):
        with write_transaction(conn, path):
            stamp = int(version(conn) or 0)
            conn.executemany(
                "INSERT OR REPLACE INTO similar_packs (cell, version, ids, vectors) VALUES (?, ?, ?, ?)",
                [(c, stamp, *pack(_cell_rows(conn, c))) for c in cells[start : start + per_transaction]],
            )


def all_vectors(conn: sqlite3.Connection, chunk: int = 65_536) -> Iterator[tuple[list[int], list[int], list[bytes]]]:
    """Every (paper ids, cells, vectors), a chunk at a time, in paper id order."""
    last = -1
    while True:
        rows = conn.execute(
            "SELECT paper_id, cell, vector FROM paper_vectors WHERE paper_id > ? ORDER BY paper_id LIMIT ?",
            (last, chunk),
        ).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def load_centroids(conn: sqlite3.Connection, dimensions: int) -> np.ndarray:
    """The cells' centroids in cell order (0 rows: one cell, a full scan)."""
    import numpy as np

    blobs = [r[0] for r in conn.execute("SELECT centroid FROM similar_cells ORDER BY cell")]
    if not blobs:
        return np.zeros((0, dimensions), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dimensions)


def replace_cells(
    conn: sqlite3.Connection, path: str | Path, centroids: np.ndarray, moves: Sequence[tuple[int, int]], trained_on: int
) -> None:
    """New centroids and the (cell, paper id) of every vector that changed cell, in one transaction."""
    import numpy as np

    with write_transaction(conn, path):
        conn.execute("DELETE FROM similar_cells")
        conn.executemany(
            "INSERT INTO similar_cells (cell, centroid) VALUES (?, ?)",
            [(i, c.astype(np.float32).tobytes()) for i, c in enumerate(centroids)],
        )
        conn.executemany("UPDATE paper_vectors SET cell = ? WHERE paper_id = ?", moves)
        conn.execute(_SET_STATE, (TRAINED_ON_KEY, str(trained_on)))
        conn.execute(_BUMP_VERSION)


def clear_vectors(conn: sqlite3.Connection, path: str | Path) -> None:
    """Forget every vector, cell and watermark (a different model: old vectors cannot be compared)."""
    with write_transaction(conn, path):
        conn.execute("DELETE FROM paper_vectors")
        conn.execute("DELETE FROM similar_packs")
        conn.execute("DELETE FROM similar_cells")
        conn.execute("DELETE FROM similar_state WHERE key != 'version'")
        conn.execute(_BUMP_VERSION)


def version(conn: sqlite3.Connection) -> str | None:
    """Changes whenever stored vectors or cells change (see VERSION_KEY)."""
    row = conn.execute("SELECT value FROM similar_state WHERE key = ?", (VERSION_KEY,)).fetchone()
    return row[0] if row else None
