"""Embedding for similar papers on real arXiv records: near duplicates find each other, an edited
abstract re-embeds that paper only, and a kill -9 in the middle of a pass (embedding in two model
processes) leaves a consistent database, packs included, and no worker behind; the next pass completes it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import db as database
from tests.similar_support import cli, kaggle_records, near_duplicate, packs_match_rows, requires_extra, write_jsonl

pytestmark = requires_extra


def _import(db: Path, *dumps: Path) -> int | None:
    totals, results = run_import(db, [SourceTask.for_path(d) for d in dumps])
    assert totals.sources_failed == 0, [r.error for r in results]
    return totals.embedded


def _embed(db: Path, **options: object):
    from corpus_db.ingest.embed import embed_pending

    conn = database.connect(db)
    try:
        return embed_pending(conn, db, **options)  # type: ignore[arg-type]
    finally:
        conn.close()


def _children(pid: int) -> list[int]:
    """The processes `pid` started (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _ids(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT arxiv_id, id FROM papers"))


def test_near_duplicates_are_each_others_nearest_neighbour(tmp_path: Path) -> None:
    from corpus_db.store.similar import similar_papers

    records = kaggle_records()
    with_abstracts = [r for r in records if len(r["abstract"].split(". ")) > 2]
    pairs = [(r["id"], f"9912.{n:05d}") for n, r in enumerate(with_abstracts[:12])]
    dupes = [near_duplicate(r, new) for r, (_, new) in zip(with_abstracts, pairs, strict=False)]
    db = tmp_path / "corpus.db"
    _import(db, write_jsonl(tmp_path / "kaggle.jsonl", records), write_jsonl(tmp_path / "dupes.jsonl", dupes))
    assert _embed(db).embedded == len(records) + len(dupes)
    conn = database.connect(db)
    ids = _ids(conn)
    for original, copy in pairs:
        assert similar_papers(conn, ids[original], limit=1)[0].id == ids[copy], original
        assert similar_papers(conn, ids[copy], limit=1)[0].id == ids[original], copy


def test_an_edited_abstract_re_embeds_that_paper_only(tmp_path: Path) -> None:
    records = kaggle_records()[:60]
    db = tmp_path / "corpus.db"
    dump = write_jsonl(tmp_path / "listing.jsonl", records)
    _import(db, dump)
    assert _import(db, dump) is None  # not kept until `corpus-db embed` has run once
    first = _embed(db)
    assert (first.embedded, first.unchanged) == (60, 0)
    conn = database.connect(db)
    before = dict(conn.execute("SELECT paper_id, text_hash FROM paper_vectors"))
    edited = [dict(r) for r in records]
    edited[7]["abstract"] = "We retract the earlier claim: " + edited[7]["abstract"]
    time.sleep(1.1)  # timestamps are to the second: the edit must land after the last pass began
    assert _import(db, write_jsonl(dump, edited)) == 1  # the import's own embedding step
    after = dict(conn.execute("SELECT paper_id, text_hash FROM paper_vectors"))
    changed = [pid for pid in before if before[pid] != after[pid]]
    assert changed == [_ids(conn)[records[7]["id"]]]
    again = _embed(db)
    assert again.embedded == 0


def test_kill_9_mid_embedding_leaves_a_consistent_database(tmp_path: Path) -> None:
    from corpus_db.rules.embedding import paper_text, text_hash

    base = kaggle_records()
    # 8,000 distinct papers from the real texts (the abstract's sentences rotated).
    records = []
    for n in range(8_000):
        r = base[n % len(base)]
        sentences = r["abstract"].split(". ")
        k = n // len(base) % max(len(sentences), 1)
        records.append(dict(r, id=f"9901.{n:05d}", doi=None, abstract=". ".join(sentences[k:] + sentences[:k])))
    db = tmp_path / "corpus.db"
    _import(db, write_jsonl(tmp_path / "many.jsonl", records))
    # Batches of 250: 32 commits, so the kill lands mid-pass however fast the machine; two model processes.
    env = dict(os.environ, CORPUS_DB_EMBED_BATCH="250", CORPUS_DB_EMBED_WORKERS="2")
    process = subprocess.Popen(cli("embed", str(db)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    reader = sqlite3.connect(db)
    deadline = time.monotonic() + 120
    while reader.execute("SELECT count(*) FROM paper_vectors").fetchone()[0] == 0:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline, "no batch was committed within 120 s"
        time.sleep(0.01)
    workers = _children(process.pid)
    assert len(workers) >= 2  # the model processes (and multiprocessing's resource tracker)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in workers):  # a worker ends when its pipe closes
        assert time.monotonic() < deadline, "an embedding worker outlived its killed parent"
        time.sleep(0.05)

    conn = database.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    done = conn.execute("SELECT count(*) FROM paper_vectors").fetchone()[0]
    if done == len(records):
        pytest.skip("the embedding pass finished before it could be killed (a very fast machine)")
    assert done % 250 == 0  # whole batches only
    for paper_id, title, abstract, stored, size in conn.execute(
        """SELECT p.id, p.title, p.abstract, v.text_hash, length(v.vector) FROM paper_vectors v
           JOIN papers p ON p.id = v.paper_id"""
    ):
        assert (stored, size) == (text_hash(paper_text(title, abstract)), 256), paper_id
    assert "embedded_through" not in dict(conn.execute("SELECT key, value FROM similar_state"))
    packs_match_rows(conn)  # a pack left behind is one whose cell no committed batch touched

    rest = _embed(db)
    assert (rest.embedded, rest.unchanged, rest.vectors) == (len(records) - done, done, len(records))
    assert packs_match_rows(conn) == rest.cells  # every cell packed again


def test_rebuild_re_embeds_every_paper_and_imports_keep_embedding(tmp_path: Path) -> None:
    records = kaggle_records()[:60]
    db = tmp_path / "corpus.db"
    dump = write_jsonl(tmp_path / "listing.jsonl", records)
    _import(db, dump)
    _embed(db)
    conn = database.connect(db)
    before = dict(conn.execute("SELECT paper_id, vector FROM paper_vectors"))
    again = _embed(db, rebuild=True)
    assert (again.embedded, again.unchanged, again.vectors) == (60, 0, 60)
    assert dict(conn.execute("SELECT paper_id, vector FROM paper_vectors")) == before  # same model, same vectors
    assert packs_match_rows(conn) == 1
    edited = [dict(r) for r in records]
    edited[3]["abstract"] = "An erratum: " + edited[3]["abstract"]
    time.sleep(1.1)
    assert _import(db, write_jsonl(dump, edited)) == 1  # still kept current after a rebuild
