"""kill -9 while the search index is being rebuilt or updated: readers always get an answer (the last
committed index, or FTS5 while changes are pending), and the next `corpus-db index` completes the work
without losing or duplicating a paper."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import tantivy

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store.search import search
from corpus_db.store.search_index import index_root, read_state
from tests.paths import ROOT

PAPERS = 4000
WORDS = ["sparse", "dense", "routing", "expert", "layer", "token", "attention", "gradient", "kernel", "signal"]


def dump(path: Path) -> Path:
    rng = random.Random(5)
    lines = []
    for i in range(PAPERS):
        abstract = " ".join(rng.choice(WORDS) for _ in range(150))
        lines.append(f"Paper {i} on marker{i} {rng.choice(WORDS)}\n{abstract} marker{i}.\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def start_index(db: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "corpus_db", "index", str(db), *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def indexed_docs(db: Path) -> int:
    state = read_state(sqlite3.connect(db))
    index = tantivy.Index.open(str(index_root(db) / state.generation))
    return index.searcher().num_docs


def check_readers(db: Path, renamed: set[int]) -> str:
    """Search answers, and whichever engine answers agrees with the database."""
    page = search(db, "renamed", limit=PAPERS)
    assert page.engine in ("tantivy", "fts5")
    assert {h.id for h in page} == renamed, page.fallback_reason
    return page.engine


def test_kill_9_during_rebuild_and_update_leaves_old_or_new_state(db_path: Path, tmp_path: Path) -> None:
    run_import(db_path, [SourceTask.for_path(dump(tmp_path / "dump.txt"), format="listing")])
    conn = sqlite3.connect(db_path)
    rng = random.Random(9)
    renamed: set[int] = set()
    engines = set()
    for round_ in range(8):
        # Some changes made behind the index's back (as an import would), then kill the command applying them.
        ids = rng.sample(range(1, PAPERS + 1), 300)
        with conn:
            conn.executemany("UPDATE papers SET title = title || ' renamed' WHERE id = ?", [(i,) for i in ids])
        renamed |= set(ids)
        proc = start_index(db_path, *(["--rebuild"] if round_ % 2 else []))
        time.sleep(rng.uniform(0.2, 2.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        engines.add(check_readers(db_path, renamed))
    finished = subprocess.run([sys.executable, "-m", "corpus_db", "index", str(db_path)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert check_readers(db_path, renamed) == "tantivy"
    assert indexed_docs(db_path) == PAPERS  # nothing lost, nothing twice
    assert len(list(index_root(db_path).iterdir())) == 1  # folders of killed builds are cleared
    print("engines seen between kills:", engines)


def marked_dump(path: Path, marked: set[int]) -> Path:
    """dump()'s papers, those in `marked` with "zeppelin" in their abstract (an edited listing)."""
    rng = random.Random(5)
    lines = []
    for i in range(PAPERS):
        abstract = " ".join(rng.choice(WORDS) for _ in range(150))
        title = f"Paper {i} on marker{i} {rng.choice(WORDS)}"
        lines.append(f"{title}\n{abstract} marker{i}{' zeppelin' if i in marked else ''}.\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_kill_9_during_a_re_import_that_hands_papers_to_the_index_early(db_path: Path, tmp_path: Path) -> None:
    """The import gives its changed papers to the index's writer batch by batch (search_early.py), and
    commits that only after SQLite: a kill anywhere leaves readers agreeing with the database."""
    run_import(db_path, [SourceTask.for_path(marked_dump(tmp_path / "dump.txt", set()), format="listing")])
    conn = sqlite3.connect(db_path)
    rng = random.Random(11)
    marked: set[int] = set()
    engines, outcomes = set(), []
    for _ in range(10):
        marked |= set(rng.sample(range(PAPERS), 300))
        marked_dump(tmp_path / "dump.txt", marked)
        proc = subprocess.Popen([sys.executable, "-m", "corpus_db", "import", str(db_path), str(tmp_path / "dump.txt"),
                                 "--format", "listing"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.15, 0.6))  # the command takes ~0.5 s: mostly while it writes
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        truth = {pid for (pid,) in conn.execute("SELECT id FROM papers WHERE abstract LIKE '%zeppelin%'")}
        page = search(db_path, "zeppelin", limit=PAPERS)
        assert {h.id for h in page} == truth, (page.engine, page.fallback_reason)
        engines.add(page.engine)
        outcomes.append(len(truth) == len(marked))  # the import committed before the kill
    finished = subprocess.run([sys.executable, "-m", "corpus_db", "import", str(db_path), str(tmp_path / "dump.txt"),
                               "--format", "listing"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    page = search(db_path, "zeppelin", limit=PAPERS)
    assert page.engine == "tantivy" and len({h.id for h in page}) == len(marked)
    assert indexed_docs(db_path) == PAPERS
    print("engines seen between kills:", engines, "imports committed before their kill:", outcomes)
