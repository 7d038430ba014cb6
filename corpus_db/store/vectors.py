"""The SQL of similar papers' storage: paper_vectors (one int8 vector per paper, clustered by cell),
similar_cells (the k-means centroids) and similar_state (which model, how far embedding has got).

Every write is its own short transaction holding whole rows (vector and the hash of the text it came
from together), so a process killed at any point leaves each paper either embedded from its current
text, embedded from an older text (its hash says so), or not embedded: the next pass finishes the job."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
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


def has_vectors(conn: sqlite3.Connection) -> bool:
    """True when the database holds at least one vector (False too before revision 0011)."""
    try:
        return conn.execute("SELECT 1 FROM paper_vectors LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # no such table: a database from before similar papers
        return False


def read_state(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM similar_state").fetchall())


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


def save_vectors(conn: sqlite3.Connection, path: str | Path, rows: Iterable[tuple[int, int, str, bytes]]) -> None:
    """Store (paper id, cell, text hash, vector) rows in one transaction, replacing older vectors.
    REPLACE is safe here: the table has no triggers (see DESIGN.md on FTS and INSERT OR REPLACE)."""
    with write_transaction(conn, path):
        conn.executemany(
            "INSERT OR REPLACE INTO paper_vectors (paper_id, cell, text_hash, vector) VALUES (?, ?, ?, ?)",
            list(rows),
        )
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


def vectors_in_cells(conn: sqlite3.Connection, cells: Sequence[int]) -> tuple[list[int], list[bytes]]:
    """Paper ids and vectors of the given cells (rows of one cell are contiguous: a range read each)."""
    marks = ",".join("?" * len(cells))
    rows = conn.execute(f"SELECT paper_id, vector FROM paper_vectors WHERE cell IN ({marks})", list(cells)).fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]


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
        conn.execute("DELETE FROM similar_cells")
        conn.execute("DELETE FROM similar_state WHERE key != 'version'")
        conn.execute(_BUMP_VERSION)


def version(conn: sqlite3.Connection) -> str | None:
    """Changes whenever stored vectors or cells change (see VERSION_KEY)."""
    row = conn.execute("SELECT value FROM similar_state WHERE key = ?", (VERSION_KEY,)).fetchone()
    return row[0] if row else None


def vectors_by_cell(conn: sqlite3.Connection) -> Iterator[tuple[int, int, bytes]]:
    """Every (cell, paper id, vector) in table order: cell by cell."""
    yield from conn.execute("SELECT cell, paper_id, vector FROM paper_vectors ORDER BY cell, paper_id")
