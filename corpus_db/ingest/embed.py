"""Embedding papers for similar-paper search: only new and changed papers, in batches that each commit
whole rows, so a crash at any point costs only the unfinished batch (see store/vectors.py).

Which papers: those whose last_updated is at or after the watermark of the last complete pass (an
index range, not a scan of every paper), and of those only the ones whose title + abstract hash differs
from the hash stored with their vector. The watermark moves only when a pass has finished."""

from __future__ import annotations

import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus_db.ingest.embed_workers import EmbedWorkers, worker_count
from corpus_db.rules.embedding import DIMENSIONS, MODEL_ID, load_model, paper_text, text_hash
from corpus_db.rules.vector_math import assign_cells, cell_count, dequantize, quantize, train_cells
from corpus_db.store.db import utc_now
from corpus_db.store.vectors import (
    MODEL_KEY,
    TRAINED_ON_KEY,
    WATERMARK_KEY,
    all_vectors,
    cache_pages,
    candidate_ids,
    clear_vectors,
    load_centroids,
    pack_cells,
    read_state,
    replace_cells,
    save_vectors,
    texts_and_hashes,
    unpacked_cells,
    vector_count,
    write_state,
)

BATCH_ENV = "CORPUS_DB_EMBED_BATCH"
BATCH = 2_048  # papers per batch and transaction (what a crash can cost); $CORPUS_DB_EMBED_BATCH overrides it
RETRAIN_GROWTH = 4  # re-cluster when the corpus has grown this many times since the cells were made
SAMPLE_PER_CELL = 48
ROWS_PER_CELL = 16  # rows a commit gathers per cell (at least BATCH): see embed_pending
CACHE_KB = 65_536  # SQLite page cache during a pass: a commit's pages (one or two per cell) stay in memory
WORKERS_FROM = 4  # batches: a pass of more papers than this embeds in model processes on every core

Progress = Callable[[int], None]


@dataclass
class EmbedCounts:
    embedded: int = 0  # papers given a (new) vector
    unchanged: int = 0  # candidates whose text was the one already embedded
    vectors: int = 0  # vectors stored after the pass
    cells: int = 1
    repacked: int = 0  # cells whose pack was rebuilt (those the pass, or a killed one, changed)


def embed_pending(
    conn: sqlite3.Connection, path: str | Path, *, rebuild: bool = False, progress: Progress | None = None,
    batch: int | None = None,
) -> EmbedCounts:
    """Embed the papers that need it (all of them with `rebuild`); the caller holds the writer lock."""
    state = read_state(conn)
    if rebuild or state.get(MODEL_KEY) not in (None, MODEL_ID):
        # Start afresh (another model's vectors cannot be compared with ours; --rebuild redoes all). A kill
        # after this leaves fewer vectors and no watermark: the next pass embeds every paper still missing.
        clear_vectors(conn, path)
        write_state(conn, path, {MODEL_KEY: MODEL_ID})  # imports keep embedding, even after a kill
        state = {}
    started = utc_now()  # the next pass looks at papers changed from now on
    ids = np.asarray(candidate_ids(conn, state.get(WATERMARK_KEY)), dtype=np.int64)  # 8 bytes a paper
    counts = EmbedCounts()
    batch = batch or int(os.environ.get(BATCH_ENV, BATCH))
    with _embedder(len(ids), batch) as embed_batches, cache_pages(conn, CACHE_KB):
        centroids = load_centroids(conn, DIMENSIONS)
        early: dict[int, bytes] = {}
        if len(ids) and cell_count(len(ids)) > 1 and vector_count(conn) == 0:
            centroids, early = _cells_first(conn, path, embed_batches, ids)
        plans: deque[list[tuple[int, str, str, bool]]] = deque()

        def texts() -> Iterator[list[str]]:
            for todo in _plans(conn, ids, batch, counts, progress):
                plans.append(todo)
                yield [text for paper_id, text, _, _ in todo if paper_id not in early]

        # Reading the next batches' texts and writing the last batch's vectors overlap the workers' embedding.
        # With many cells a commit gathers several batches: a batch's rows land in ~every cell, and each
        # commit rewrites every page it touched (16 KB to the WAL per cell for ~2 rows each at 2,048 rows).
        commit_rows = max(batch, ROWS_PER_CELL * len(centroids))
        rows: list[tuple[int, int, str, bytes]] = []
        replaced: list[int] = []
        for made in embed_batches(texts()):
            todo = plans.popleft()
            fresh = iter(made)
            vectors = np.stack([dequantize([early.pop(p)], DIMENSIONS)[0] if p in early else next(fresh)
                                for p, _, _, _ in todo])
            cells = assign_cells(vectors, centroids)
            rows += [(p, int(c), h, b) for (p, _, h, _), c, b in zip(todo, cells, quantize(vectors), strict=True)]
            replaced += [p for p, _, _, had in todo if had]
            if len(rows) >= commit_rows:
                counts.embedded += _save(conn, path, rows, replaced)
        counts.embedded += _save(conn, path, rows, replaced)
    counts.vectors = vector_count(conn)
    counts.cells = _maybe_recluster(conn, path, counts.vectors)
    stale = unpacked_cells(conn, counts.cells)
    pack_cells(conn, path, stale)
    counts.repacked = len(stale)
    write_state(conn, path, {MODEL_KEY: MODEL_ID, WATERMARK_KEY: started})
    return counts


def _save(conn: sqlite3.Connection, path: str | Path, rows: list[tuple[int, int, str, bytes]],
          replaced: list[int]) -> int:
    """Commit these vectors in cell order (neighbouring rows of the table) and empty the lists; how many."""
    done = len(rows)
    if rows:
        save_vectors(conn, path, sorted(rows, key=lambda r: (r[1], r[0])), replaced=replaced)
    rows.clear()
    replaced.clear()
    return done


def _plans(
    conn: sqlite3.Connection, ids: np.ndarray, batch: int, counts: EmbedCounts, progress: Progress | None
) -> Iterator[list[tuple[int, str, str, bool]]]:
    """(paper id, text, its hash, has a vector already) of each batch's papers whose text is not the one
    embedded (batches with none are skipped)."""
    for start in range(0, len(ids), batch):
        rows = texts_and_hashes(conn, ids[start : start + batch].tolist())
        todo = []
        for paper_id, title, abstract, old_hash in rows:
            text = paper_text(title, abstract)
            new_hash = text_hash(text)
            if new_hash == old_hash:
                counts.unchanged += 1
            else:
                todo.append((paper_id, text, new_hash, old_hash is not None))
        if progress:
            progress(len(rows))
        if todo:
            yield todo


EmbedBatches = Callable[[Iterable[list[str]]], Iterator[np.ndarray]]


@contextmanager
def _embedder(papers: int, batch: int) -> Iterator[EmbedBatches]:
    """Embeds batches of texts: on every core (model processes) for a pass of many batches, in this
    process for a few papers (an import's new ones), where starting the workers would cost more."""
    workers = worker_count()
    if workers > 1 and papers > WORKERS_FROM * batch:
        with EmbedWorkers(workers) as pool:
            yield pool.embed
        return

    def in_process(batches: Iterable[list[str]]) -> Iterator[np.ndarray]:
        model = load_model()
        for texts in batches:
            yield model.embed(texts)

    yield in_process


def _cells_first(
    conn: sqlite3.Connection, path: str | Path, embed_batches: EmbedBatches, ids: np.ndarray
) -> tuple[np.ndarray, dict[int, bytes]]:
    """Cells for a first pass over many papers, trained on a sample embedded before the pass: every vector
    is then written once, into its cell, instead of into one cell and moved (a million row updates at 1M).
    The sample's vectors are returned too (int8 bytes), so the pass does not embed those papers twice."""
    wanted = cell_count(len(ids))
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(ids, min(len(ids), SAMPLE_PER_CELL * wanted), replace=False))
    order: deque[list[int]] = deque()

    def texts() -> Iterator[list[str]]:
        for start in range(0, len(sample), BATCH):
            rows = texts_and_hashes(conn, sample[start : start + BATCH].tolist())
            order.append([r[0] for r in rows])
            yield [paper_text(title, abstract) for _, title, abstract, _ in rows]

    early: dict[int, bytes] = {}
    for vectors in embed_batches(texts()):
        early.update(zip(order.popleft(), quantize(vectors), strict=True))
    # Trained on the int8 vectors: what queries will compare.
    centroids = train_cells(dequantize(list(early.values()), DIMENSIONS), wanted)
    replace_cells(conn, path, centroids, [], len(ids))
    return centroids, early


def _maybe_recluster(conn: sqlite3.Connection, path: str | Path, total: int, *, force: bool = False) -> int:
    """Make new cells when the corpus has outgrown its cells (or when forced); the number of cells."""
    wanted = cell_count(total)
    trained_on = int(read_state(conn).get(TRAINED_ON_KEY, "0"))
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
