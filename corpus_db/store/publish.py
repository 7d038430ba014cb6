"""`corpus-db publish`: a compact, immutable copy of the corpus for `datasette -i`, so a deployment can
serve a fixed snapshot (with precomputed counts) while the live database keeps syncing."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from corpus_db.store import fts
from corpus_db.store.db import connect_read_only


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


def write_inspect_file(out: Path, inspect_path: Path) -> None:
    """Table counts and hash as `datasette inspect` writes them, for `datasette -i --inspect-file`."""
    from datasette.cli import inspect_  # the function behind `datasette inspect`

    # Its own thread and event loop: publish() may be called from code that is already inside one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        data = pool.submit(asyncio.run, inspect_([str(out)], None)).result()
    inspect_path.write_text(json.dumps(data, indent=2))


def publish(db_path: Path, out: Path, *, force: bool = False) -> Snapshot:
    """Copy db_path to out (compacted, FTS optimized and checked) and write its inspect file."""
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
    try:
        _copy(db_path, tmp)
        papers = _compact(tmp)
        os.replace(tmp, out)  # readers of an older snapshot at `out` never see a half-written file
    finally:
        tmp.unlink(missing_ok=True)
    inspect_path = inspect_path_for(out)
    write_inspect_file(out, inspect_path)
    return Snapshot(out, inspect_path, out.stat().st_size, papers, time.perf_counter() - started)
