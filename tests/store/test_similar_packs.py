"""Packed cells (similar_packs): each equals the rows it was built from, a change to a cell's rows drops
its pack in the same transaction and the next pass re-packs that cell only, queries read packs or rows
alike, revision 0012 packs a populated database on upgrade and drops the packs on downgrade, and a first
pass trains its cells before writing, so every vector lands in its nearest cell."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import db as database
from corpus_db.store import migrate as migrations
from tests.similar_support import embedded_corpus, kaggle_records, packs_match_rows, requires_extra, write_jsonl

pytestmark = requires_extra
CELLS = 8


@pytest.fixture
def clustered(tmp_path: Path) -> tuple[Path, sqlite3.Connection]:
    """200 real papers embedded in 8 cells, packed (corpus-db makes cells from 20,000 papers on)."""
    from corpus_db.ingest.embed import embed_pending, recluster

    db, conn = embedded_corpus(tmp_path)
    recluster(conn, db, CELLS, 200)
    assert embed_pending(conn, db).repacked == CELLS  # moving vectors between cells dropped their packs
    return db, conn


def test_packs_equal_the_rows_they_were_built_from(clustered: tuple[Path, sqlite3.Connection]) -> None:
    _, conn = clustered
    assert packs_match_rows(conn) == CELLS
    packed = sum(len(ids) // 8 for (ids,) in conn.execute("SELECT ids FROM similar_packs"))
    assert packed == conn.execute("SELECT count(*) FROM paper_vectors").fetchone()[0] == 200


def test_an_edit_re_packs_only_its_cell(clustered: tuple[Path, sqlite3.Connection], tmp_path: Path) -> None:
    db, conn = clustered
    before = dict(conn.execute("SELECT cell, version FROM similar_packs"))
    records = kaggle_records()
    records[11] = dict(records[11], abstract="We withdraw this paper: " + records[11]["abstract"])
    time.sleep(1.1)  # timestamps are to the second: the edit must land after the last pass began
    totals, _ = run_import(db, [SourceTask.for_path(write_jsonl(tmp_path / "k.jsonl", records))])
    assert totals.embedded == 1  # the import's own embedding step
    cell = conn.execute(
        "SELECT v.cell FROM paper_vectors v JOIN papers p ON p.id = v.paper_id WHERE p.arxiv_id = ?",
        (records[11]["id"],),
    ).fetchone()[0]
    after = dict(conn.execute("SELECT cell, version FROM similar_packs"))
    assert [c for c in before if after[c] != before[c]] == [cell]
    assert packs_match_rows(conn) == CELLS


def test_a_missing_pack_is_read_from_the_rows(clustered: tuple[Path, sqlite3.Connection]) -> None:
    from corpus_db.store.similar import similar_papers

    _, conn = clustered
    papers = [r[0] for r in conn.execute("SELECT id FROM papers ORDER BY id LIMIT 5")]
    packed = {p: similar_papers(conn, p, limit=10) for p in papers}
    conn.execute("DELETE FROM similar_packs")  # what a pass killed before re-packing leaves
    assert {p: similar_papers(conn, p, limit=10) for p in papers} == packed


def test_0012_packs_a_populated_database_on_upgrade_and_downgrades(
    clustered: tuple[Path, sqlite3.Connection],
) -> None:
    from corpus_db.store.similar import similar_papers

    db, conn = clustered
    papers = [r[0] for r in conn.execute("SELECT id FROM papers ORDER BY id LIMIT 5")]
    answers = {p: similar_papers(conn, p, limit=10) for p in papers}
    conn.close()
    migrations.downgrade(db, "0011")
    conn = database.connect(db)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'similar_packs%'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM paper_vectors").fetchone()[0] == 200
    conn.close()
    migrations.migrate(db)
    conn = database.connect(db)
    assert packs_match_rows(conn) == CELLS
    assert {p: similar_papers(conn, p, limit=10) for p in papers} == answers
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert migrations.schema_differences(db) == []


def test_a_first_pass_trains_its_cells_first_and_writes_each_vector_into_its_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from corpus_db.ingest import embed
    from corpus_db.rules.vector_math import assign_cells, dequantize
    from corpus_db.store.vectors import load_centroids

    db = tmp_path / "corpus.db"
    totals, _ = run_import(db, [SourceTask.for_path(write_jsonl(tmp_path / "k.jsonl", kaggle_records()))])
    assert totals.sources_failed == 0
    # corpus-db makes cells from 20,000 papers on; 4 cells of 200 papers take the same path.
    monkeypatch.setattr(embed, "cell_count", lambda n: 4 if n >= 100 else 1)
    conn = database.connect(db)
    counts = embed.embed_pending(conn, db)
    assert (counts.embedded, counts.cells, counts.repacked) == (200, 4, 4)
    centroids = load_centroids(conn, 256)
    cells, blobs = zip(*conn.execute("SELECT cell, vector FROM paper_vectors"), strict=True)
    assert list(assign_cells(dequantize(list(blobs), 256), centroids)) == list(cells)  # nothing left to move
    assert len(set(cells)) == 4 and np.bincount(cells).min() > 0
    assert conn.execute("SELECT value FROM similar_state WHERE key = 'cells_trained_on'").fetchone()[0] == "200"
    assert packs_match_rows(conn) == 4
