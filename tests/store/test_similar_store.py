"""Similar-paper queries over stored vectors: what people type resolves to a paper, the in-memory
copy the web server keeps answers like the SQLite reads and follows every change, cells are used."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.similar_support import embedded_corpus, requires_extra

pytestmark = requires_extra


@pytest.fixture
def embedded(tmp_path: Path) -> tuple[Path, sqlite3.Connection]:
    return embedded_corpus(tmp_path)


def test_paper_references_resolve(embedded: tuple[Path, sqlite3.Connection]) -> None:
    from corpus_db.store.similar import resolve_paper

    _, conn = embedded
    paper = conn.execute("SELECT id FROM papers WHERE arxiv_id = '0704.0001'").fetchone()[0]
    for ref in (str(paper), "0704.0001", "arXiv:0704.0001v3", "10.1103/PhysRevD.76.013009",
                "doi:10.1103/physrevd.76.013009", "https://doi.org/10.1103/PhysRevD.76.013009"):
        assert resolve_paper(conn, ref) == paper, ref
    assert resolve_paper(conn, "0704.99999") is None
    assert resolve_paper(conn, "not a reference") is None


def test_in_memory_answers_like_sqlite_and_follows_changes(embedded: tuple[Path, sqlite3.Connection]) -> None:
    from corpus_db.rules.embedding import load_model
    from corpus_db.rules.vector_math import quantize
    from corpus_db.store.similar import similar_papers
    from corpus_db.store.vectors import save_vectors

    db, conn = embedded
    ids = [r[0] for r in conn.execute("SELECT id FROM papers ORDER BY id LIMIT 3")]
    for paper in ids:
        assert similar_papers(conn, paper, in_memory=True) == similar_papers(conn, paper)
    # Give the third paper the first one's text: the in-memory copy must see it at once.
    title, abstract = conn.execute("SELECT title, abstract FROM papers WHERE id = ?", (ids[0],)).fetchone()
    [blob] = quantize(load_model().embed([f"{title}. {abstract}"]))
    save_vectors(conn, db, [(ids[2], 0, "edited", blob)])
    assert similar_papers(conn, ids[0], limit=1, in_memory=True)[0].id == ids[2]
    assert similar_papers(conn, ids[0], limit=1, in_memory=True)[0].score > 0.99


def test_cells_are_made_when_the_corpus_is_large_enough(embedded: tuple[Path, sqlite3.Connection]) -> None:
    import numpy as np

    from corpus_db.ingest.embed import recluster
    from corpus_db.store.similar import similar_papers

    db, conn = embedded
    before = {p: [s.id for s in similar_papers(conn, p, limit=5)] for p in range(1, 6)}
    recluster(conn, db, 8, 200)  # corpus-db does this from 20,000 papers on; 8 cells of 200 show the same
    cells = [r[0] for r in conn.execute("SELECT DISTINCT cell FROM paper_vectors")]
    assert len(cells) > 1 and conn.execute("SELECT count(*) FROM similar_cells").fetchone()[0] == 8
    after = {p: [s.id for s in similar_papers(conn, p, limit=5, in_memory=True)] for p in range(1, 6)}
    overlap = np.mean([len(set(before[p]) & set(after[p])) / 5 for p in before])
    assert overlap >= 0.6  # probing half the cells of 200 papers finds most of the exact neighbours
