"""Similar papers and tag recommendations, read from the stored vectors (no model needed to query).

A query reads the vectors of the few cells nearest to it (see rules/vector_math.py), scores them by
cosine and keeps the best: a few percent of a million vectors instead of all of them. Each cell is read
as one packed row (store/vectors.py), so a fresh process (the CLI) pays a few BLOB reads, not a row each."""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import asdict, dataclass

import numpy as np

from corpus_db.rules.embedding import DIMENSIONS
from corpus_db.rules.vector_math import dequantize, matvec, nearest_cells, top_k, unit
from corpus_db.store.db import db_path_of
from corpus_db.store.vectors import load_centroids, packed_cells, vector_of, vectors_of, version

PROBE_FRACTION = 0.02  # of the cells a query reads (recall vs. exact search: BENCHMARKS.md)
MIN_PROBES = 8
RECOMMEND_PROBES = 3  # times as many for a tag's mean vector: less peaked than one paper's vector


class NotEmbedded(LookupError):
    """The paper (or every paper of the tag) has no vector yet."""


@dataclass
class SimilarPaper:
    id: int
    score: float
    title: str
    arxiv_id: str | None
    doi: str | None
    year: int | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


_ARXIV = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE)
_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def resolve_paper(conn: sqlite3.Connection, ref: str) -> int | None:
    """A paper id from what people type: `123`, an arXiv id (`2401.01234`, `arXiv:2401.01234v2`) or a DOI."""
    ref = ref.strip()
    if ref.isdigit():
        row = conn.execute("SELECT id FROM papers WHERE id = ?", (int(ref),)).fetchone()
        if row:
            return row[0]
    if m := _ARXIV.match(ref):
        row = conn.execute("SELECT id FROM papers WHERE arxiv_id = ?", (m.group(1),)).fetchone()
        if row:
            return row[0]
    if m := _DOI.match(ref):
        row = conn.execute("SELECT id FROM papers WHERE doi = ?", (m.group(1).lower(),)).fetchone()
        if row:
            return row[0]
    return None


def _probes(cells: int) -> int:
    return max(MIN_PROBES, round(cells * PROBE_FRACTION))


@dataclass
class Snapshot:
    """All vectors in memory, grouped by cell: for a long-lived process (the web server), which then
    reads nothing from SQLite per query but the query paper's vector."""

    version: str | None
    centroids: np.ndarray
    ids: np.ndarray  # paper ids, cell by cell
    vectors: np.ndarray  # int8, same order
    inverse_norms: np.ndarray
    starts: np.ndarray  # starts[c]:starts[c + 1] are cell c's rows

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Snapshot:
        stamp = version(conn)
        centroids = load_centroids(conn, DIMENSIONS)
        ids, vectors = _unpacked(packed_cells(conn, range(max(len(centroids), 1))))
        sizes = [len(i) for i in ids]
        norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float32))
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return cls(stamp, centroids, np.concatenate(ids), vectors, 1 / np.maximum(norms, 1e-12), starts)

    def scores(self, cells: list[int], query: np.ndarray) -> tuple[list[int], np.ndarray]:
        """Paper ids and cosines of the vectors in these cells (each cell a contiguous slice)."""
        spans = [(int(self.starts[c]), int(self.starts[c + 1])) for c in cells if c + 1 < len(self.starts)]
        if not spans:
            return [], np.zeros(0, np.float32)
        ids = np.concatenate([self.ids[a:b] for a, b in spans]).tolist()
        scores = np.concatenate([matvec(self.vectors[a:b], query) * self.inverse_norms[a:b] for a, b in spans])
        return ids, scores


def _unpacked(packs: list[tuple[bytes, bytes]]) -> tuple[list[np.ndarray], np.ndarray]:
    """Per-cell id arrays and all the cells' int8 vectors, one row each, in the same order."""
    ids = [np.frombuffer(i, dtype="<i8").astype(np.int64) for i, _ in packs] or [np.zeros(0, np.int64)]
    vectors = np.frombuffer(b"".join(v for _, v in packs), dtype=np.int8).reshape(-1, DIMENSIONS)
    return ids, vectors


_snapshots: dict[str, Snapshot] = {}
_snapshot_lock = threading.Lock()


def _snapshot(conn: sqlite3.Connection) -> Snapshot:
    """The current snapshot of this database, reloaded when its vectors changed."""
    key, stamp = db_path_of(conn), version(conn)
    with _snapshot_lock:
        current = _snapshots.get(key)
        if current is None or current.version != stamp:
            current = _snapshots[key] = Snapshot.load(conn)
        return current


def nearest(
    conn: sqlite3.Connection, query: np.ndarray, *, limit: int, exclude: set[int], probes: int | None = None,
    in_memory: bool = False,
) -> list[tuple[int, float]]:
    """(paper id, cosine) of the `limit` stored vectors nearest to a unit query vector. `in_memory`
    keeps every vector in this process (see Snapshot); otherwise the probed cells' packs are read."""
    if in_memory:
        snap = _snapshot(conn)
        cells = nearest_cells(query, snap.centroids, probes or _probes(len(snap.centroids)))
        ids, scores = snap.scores(cells, query)
    else:
        centroids = load_centroids(conn, DIMENSIONS)
        cells = nearest_cells(query, centroids, probes or _probes(len(centroids)))
        id_arrays, vectors = _unpacked(packed_cells(conn, cells))
        ids = np.concatenate(id_arrays).tolist()
        norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float32))
        scores = matvec(vectors, query) * (1 / np.maximum(norms, 1e-12))  # as Snapshot.scores
    if not ids:
        return []
    best = top_k(scores, limit + len(exclude))
    return [(ids[i], float(scores[i])) for i in best if ids[i] not in exclude][:limit]


def _described(conn: sqlite3.Connection, scored: list[tuple[int, float]]) -> list[SimilarPaper]:
    if not scored:
        return []
    marks = ",".join("?" * len(scored))
    rows = {
        r[0]: r
        for r in conn.execute(f"SELECT id, title, arxiv_id, doi, year FROM papers WHERE id IN ({marks})",
                              [i for i, _ in scored])
    }
    return [SimilarPaper(i, round(s, 4), *rows[i][1:]) for i, s in scored if i in rows]


def similar_papers(
    conn: sqlite3.Connection, paper_id: int, *, limit: int = 20, in_memory: bool = False
) -> list[SimilarPaper]:
    """The papers most like this one, best first. Raises NotEmbedded when it has no vector yet."""
    blob = vector_of(conn, paper_id)
    if blob is None:
        raise NotEmbedded(paper_id)
    query = dequantize([blob], DIMENSIONS)[0]
    return _described(conn, nearest(conn, query, limit=limit, exclude={paper_id}, in_memory=in_memory))


def tag_paper_ids(conn: sqlite3.Connection, tag: str) -> list[int] | None:
    """The papers of a tag (by name, or by id as digits), None when there is no such tag."""
    row = conn.execute("SELECT id FROM tags WHERE name = ?", (tag,)).fetchone()
    if row is None and tag.isdigit():
        row = conn.execute("SELECT id FROM tags WHERE id = ?", (int(tag),)).fetchone()
    if row is None:
        return None
    return [r[0] for r in conn.execute("SELECT DISTINCT paper_id FROM paper_tags WHERE tag_id = ?", (row[0],))]


def recommend(
    conn: sqlite3.Connection, paper_ids: list[int], *, limit: int = 20, in_memory: bool = False
) -> list[SimilarPaper]:
    """Papers outside `paper_ids` that most resemble them: nearest to the mean of their vectors (the
    direction they share), reading more cells than a single-paper query (RECOMMEND_PROBES)."""
    blobs = vectors_of(conn, paper_ids) if paper_ids else []
    if not blobs:
        raise NotEmbedded(paper_ids)
    query = unit(dequantize(blobs, DIMENSIONS).mean(axis=0))
    centroids_count = len(load_centroids(conn, DIMENSIONS))
    probes = RECOMMEND_PROBES * _probes(centroids_count)
    scored = nearest(conn, query, limit=limit, exclude=set(paper_ids), probes=probes, in_memory=in_memory)
    return _described(conn, scored)
