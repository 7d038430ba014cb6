"""Embedding papers for similar-paper search: only new and changed papers, in batches that each commit
whole rows, so a crash at any point costs only the unfinished batch (see store/vectors.py).

Which papers: those whose last_updated is at or after the watermark of the last complete pass (an
index range, not a scan of every paper), and of those only the ones whose title + abstract hash differs
from the hash stored with their vector. The watermark moves only when a pass has finished."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus_db.rules.embedding import DIMENSIONS, MODEL_ID, load_model, paper_text, text_hash
from corpus_db.rules.vector_math import assign_cells, cell_count, dequantize, quantize, train_cells
from corpus_db.store.db import utc_now
from corpus_db.store.vectors import (
    MODEL_KEY,
    TRAINED_ON_KEY,
    WATERMARK_KEY,
    all_vectors,
    candidate_ids,
    clear_vectors,
    load_centroids,
    read_state,
    replace_cells,
    save_vectors,
    texts_and_hashes,
    vector_count,
    write_state,
)

BATCH_ENV = "CORPUS_DB_EMBED_BATCH"
BATCH = 2_048  # papers per transaction (what a crash can cost); $CORPUS_DB_EMBED_BATCH overrides it
RETRAIN_GROWTH = 4  # re-cluster when the corpus has grown this many times since the cells were made
SAMPLE_PER_CELL = 48

Progress = Callable[[int], None]


@dataclass
class EmbedCounts:
    embedded: int = 0  # papers given a (new) vector
    unchanged: int = 0  # candidates whose text was the one already embedded
    vectors: int = 0  # vectors stored after the pass
    cells: int = 1


def embedding_enabled(conn: sqlite3.Connection) -> bool:
    """True once `corpus-db embed` has run on this database: imports then keep the vectors current."""
    return MODEL_KEY in read_state(conn)


def embed_pending(
    conn: sqlite3.Connection, path: str | Path, *, rebuild: bool = False, progress: Progress | None = None,
    batch: int | None = None,
) -> EmbedCounts:
    """Embed the papers that need it (all of them with `rebuild`); the caller holds the writer lock."""
    state = read_state(conn)
    if state.get(MODEL_KEY) not in (None, MODEL_ID):
        clear_vectors(conn, path)  # vectors of another model cannot be compared with ours
        state = {}
    started = utc_now()  # the next pass looks at papers changed from now on
    ids = candidate_ids(conn, None if rebuild else state.get(WATERMARK_KEY))
    counts = EmbedCounts()
    batch = batch or int(os.environ.get(BATCH_ENV, BATCH))
    model = load_model() if ids else None
    centroids = load_centroids(conn, DIMENSIONS)
    for start in range(0, len(ids), batch):
        rows = texts_and_hashes(conn, ids[start : start + batch])
        todo = []
        for paper_id, title, abstract, old_hash in rows:
            text = paper_text(title, abstract)
            new_hash = text_hash(text)
            if new_hash == old_hash and not rebuild:
                counts.unchanged += 1
            else:
                todo.append((paper_id, text, new_hash))
        if todo:
            assert model is not None
            vectors = model.embed([t for _, t, _ in todo])
            cells = assign_cells(vectors, centroids)
            blobs = quantize(vectors)
            save_vectors(conn, path, [(p, int(c), h, b) for (p, _, h), c, b in zip(todo, cells, blobs, strict=True)])
            counts.embedded += len(todo)
        if progress:
            progress(len(rows))
    counts.vectors = vector_count(conn)
    counts.cells = _maybe_recluster(conn, path, counts.vectors, state, force=rebuild)
    write_state(conn, path, {MODEL_KEY: MODEL_ID, WATERMARK_KEY: started})
    return counts


def _maybe_recluster(conn: sqlite3.Connection, path: str | Path, total: int, state: dict[str, str], *,
                     force: bool) -> int:
    """Make new cells when the corpus has outgrown its cells (or on --rebuild); the number of cells."""
    wanted = cell_count(total)
    trained_on = int(state.get(TRAINED_ON_KEY, "0"))
    current = len(load_centroids(conn, DIMENSIONS)) or 1
    if wanted <= 1 or not (force or current == 1 or total >= RETRAIN_GROWTH * max(trained_on, 1)):
        return current
    recluster(conn, path, wanted, total)
    return wanted


def recluster(conn: sqlite3.Connection, path: str | Path, wanted: int, total: int) -> None:
    """Train `wanted` k-means cells on a sample of the stored vectors and move every vector to its cell."""
    rng = np.random.default_rng(0)
    keep = min(1.0, SAMPLE_PER_CELL * wanted / total)
    sample = [b for _, _, blobs in all_vectors(conn) for b in blobs if rng.random() < keep]
    centroids = train_cells(dequantize(sample, DIMENSIONS), wanted)
    moves: list[tuple[int, int]] = []
    for ids, cells, blobs in all_vectors(conn):
        new = assign_cells(dequantize(blobs, DIMENSIONS), centroids)
        moves.extend((int(n), p) for p, c, n in zip(ids, cells, new, strict=True) if n != c)
    replace_cells(conn, path, centroids, moves, total)
