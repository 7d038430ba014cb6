"""`corpus-db publish`: a compact, immutable copy of the corpus for `datasette -i`, so a deployment can
serve a fixed snapshot (with precomputed counts) while the live database keeps syncing."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from corpus_db.store import fts
from corpus_db.store.db import connect_read_only
from corpus_db.store.lock import writer_lock
from corpus_db.store.search_index import copy_current, index_root, refresh


@dataclass
class Snapshot:
    """What publish wrote."""

    path: Path
    inspect_path: Path
    size: int
    papers: int
    seconds: float


def inspect_path_for(out: Path) -> Path:
    """corpus.db -> corpus-inspect.json beside it."""
    return out.with_name(f"{out.stem}-inspect.json")


def _copy(db_path: Path, tmp: Path) -> None:
    # mode=ro: publishing never writes to the live database; VACUUM INTO reads one consistent snapshot.
    src = connect_read_only(db_path)
    try:
        src.execute("VACUUM INTO ?", (str(tmp),))
    finally:
        src.close()


def _compact(tmp: Path) -> int:
    """Merge the FTS index into one segment and leave a rollback-journal file (an immutable file must
    not depend on a -wal beside it); returns the paper count."""
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute(f"INSERT INTO {fts.FTS_TABLE}({fts.FTS_TABLE}) VALUES ('optimize')")
        conn.execute("VACUUM")
        fts.integrity_check(conn)
        problem = conn.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise RuntimeError(f"{tmp}: snapshot failed quick_check: {problem}")
        return conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    finally:
        conn.close()


def _swap_index(new: Path, target: Path) -> None:
    """Put the copied index at `target` (the old one, if any, goes first: readers that find none use FTS5)."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    if new.exists():
        os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def write_inspect_file(out: Path, inspect_path: Path) -> None:
    """Table counts and hash as `datasette inspect` writes them, for `datasette -i --inspect-file`."""
    from datasette.cli import inspect_  # the function behind `datasette inspect`

    # Its own thread and event loop: publish() may be called from code that is already inside one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        data = pool.submit(asyncio.run, inspect_([str(out)], None)).result()
    inspect_path.write_text(json.dumps(data, indent=2))


def publish(db_path: Path, out: Path, *, force: bool = False) -> Snapshot:
    """Copy db_path to out (compacted, FTS optimized and checked) with its search index beside it
(`out.search/`), and write its inspect file."""
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no such database")
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists (use --force to replace it)")
    if out.exists() and out.resolve() == db_path.resolve():
        raise ValueError("the snapshot must be a different file from the live database")
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.unlink(missing_ok=True)
    shutil.rmtree(index_root(tmp), ignore_errors=True)
    try:
        # Under the writer lock the search index and the database cannot move apart while both are copied.
        with writer_lock(db_path):
            # A failure leaves the queue in the copy: the snapshot then searches with FTS5.
            refresh(db_path, background=False)
            _copy(db_path, tmp)
            src = connect_read_only(db_path)
            try:
                copy_current(db_path, src, tmp)
            finally:
                src.close()
        papers = _compact(tmp)
        os.replace(tmp, out)  # readers of an older snapshot at `out` never see a half-written file
        _swap_index(index_root(tmp), index_root(out))
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(index_root(tmp), ignore_errors=True)
    inspect_path = inspect_path_for(out)
    write_inspect_file(out, inspect_path)
    return Snapshot(out, inspect_path, out.stat().st_size, papers, time.perf_counter() - started)
