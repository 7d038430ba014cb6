"""Shared by the similar-papers tests: arXiv JSON-lines dumps made from the real Kaggle sample (near
duplicates, edited abstracts, many papers), a Python that cannot import the extra, and embedding."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT, realdata

KAGGLE = "arxiv/kaggle-snapshot-first200.jsonl"
BLOCKED = ("numpy", "tokenizers", "wordllama")

# A sitecustomize that makes the similar extra's modules unimportable: the extra's absence, for real.
_BLOCKER = f"""
import sys
class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Blocker())
"""

requires_extra = pytest.mark.skipif(
    not all(__import__("importlib").util.find_spec(m) for m in BLOCKED),
    reason="the similar extra (pip install 'corpus-db[similar]') is not installed",
)


def kaggle_records() -> list[dict]:
    """The 200 real arXiv records (skips the test when ../shared/realdata is absent)."""
    with realdata(KAGGLE).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def near_duplicate(record: dict, new_id: str) -> dict:
    """Another arXiv entry for the same work: a new id, the title re-cased, the abstract's last sentence
    dropped (what a cross-listed or re-submitted version of a paper looks like)."""
    sentences = record["abstract"].strip().split(". ")
    abstract = ". ".join(sentences[:-1]) if len(sentences) > 2 else record["abstract"]
    return dict(record, id=new_id, title=record["title"].upper(), abstract=abstract, doi=None)


def blocked_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a process in which the extra's modules cannot be imported."""
    site = tmp_path / "no-extra"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(_BLOCKER)
    paths = [str(site), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, paths)))


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "corpus_db", *args]


def packs_match_rows(conn: sqlite3.Connection) -> int:
    """Assert every stored pack equals the rows of its cell (what a pack is made from); how many packs."""
    from corpus_db.store.vectors import pack

    packs = conn.execute("SELECT cell, ids, vectors FROM similar_packs").fetchall()
    for cell, ids, vectors in packs:
        rows = conn.execute("SELECT paper_id, vector FROM paper_vectors WHERE cell = ? ORDER BY paper_id", (cell,))
        assert pack(rows.fetchall()) == (ids, vectors), cell
    return len(packs)


def embedded_corpus(tmp_path: Path) -> tuple[Path, sqlite3.Connection]:
    """The 200 real Kaggle papers imported into a new database and embedded (needs the extra)."""
    from corpus_db.ingest.embed import embed_pending
    from corpus_db.ingest.run import SourceTask, run_import
    from corpus_db.store import db as database

    db = tmp_path / "corpus.db"
    totals, _ = run_import(db, [SourceTask.for_path(write_jsonl(tmp_path / "k.jsonl", kaggle_records()))])
    assert totals.sources_failed == 0
    conn = database.connect(db)
    embed_pending(conn, db)
    return db, conn
