"""Prove an optimisation changed nothing: import a fixed mix of real and synthetic dumps (trigger mode, bulk
mode, re-import of an edited copy, merges across formats) into a fresh database and print a digest of
every table's rows, timestamps left out. Run it before and after a change; the digests must be equal.

    PYTHONPATH=. python bench/fingerprint.py [WORKDIR]
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.prepare import text_hash
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.rules.normalize import title_hash
from corpus_db.store.fts import integrity_check

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"
# Columns that hold the clock or the machine's paths: not part of what an import decides. record_hash is
# derived from raw_record (which is hashed): checked to be its fingerprint instead, so that a change of
# fingerprint function (revision 0018) leaves the digests comparable; title_hash (revision 0021) likewise is
# checked to be its title key's. The search index's generation is named
# after the clock, and its times are the clock's.
_SKIP_COLUMNS = {"first_seen", "last_updated", "imported_at", "unlisted_at", "locator", "file_identity",
                 "record_hash", "title_hash", "generation", "built_at", "updated_at"}
_SKIP_TABLES = {"import_runs", "alembic_version"}


def table_digests(conn: sqlite3.Connection) -> dict[str, str]:
    """table -> row count and a hash of its rows in primary-key order, clock columns left out."""
    tables = [
        name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'papers_fts%' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if name not in _SKIP_TABLES
    ]
    digests = {}
    for table in tables:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})") if row[1] not in _SKIP_COLUMNS]
        keys = [row[1] for row in sorted(conn.execute(f"PRAGMA table_info({table})"), key=lambda r: r[5])
                if row[5]] or ["rowid"]
        digest = hashlib.sha256()
        count = 0
        for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(keys)}"):
            digest.update(repr(row).encode())
            count += 1
        digests[table] = f"{count} rows {digest.hexdigest()[:16]}"
    return digests


def build(work: Path) -> dict[str, str]:
    """Import the fixed mix into work/corpus.db; the table digests."""
    data = work / "data"
    live = data / "live.jsonl"
    generate.write_arxiv(data / "small.jsonl", 3000, seed=5)
    generate.write_arxiv(live, 15_000, seed=6)  # ~33 MB: big enough for bulk mode
    generate.write_hf(data / "hf.json", 400, seed=6, first=14_800)  # 200 known papers, 200 new ones
    db = work / "corpus.db"
    steps: list[list[Path]] = [
        [REALDATA / "arxiv" / "kaggle-snapshot-first200.jsonl"],
        expand_paths([REALDATA / "hf_daily_papers"]),
        expand_paths([ROOT / "seeds"]),
        [data / "small.jsonl"],
        [live],
        [data / "hf.json"],
    ]
    for paths in steps:
        totals, results = run_import(db, [SourceTask.for_path(p) for p in paths if p.exists()])
        assert not totals.sources_failed, [r.error for r in results if r.error]
    # The same source, edited (2% of records) and grown by a day: the re-import path.
    generate.write_arxiv(live, 15_000, seed=6, edit_fraction=0.02, append=300)
    totals, results = run_import(db, [SourceTask.for_path(live)])
    assert not totals.sources_failed, [r.error for r in results if r.error]
    conn = sqlite3.connect(db)
    try:
        integrity_check(conn)
        wrong = [key for key, raw, fingerprint in conn.execute("SELECT record_key, raw_record, record_hash FROM "
                                                               "paper_sources") if fingerprint != text_hash(raw)]
        assert not wrong, f"{len(wrong)} records whose record_hash is not their raw record's, e.g. {wrong[:3]}"
        wrong = [pid for pid, key, hashed in conn.execute("SELECT id, title_key, title_hash FROM papers")
                 if hashed != title_hash(key)]
        assert not wrong, f"{len(wrong)} papers whose title_hash is not their title key's, e.g. {wrong[:3]}"
        return table_digests(conn)
    finally:
        conn.close()


def main() -> int:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="corpus-fingerprint-"))
    try:
        for table, digest in build(work).items():
            print(f"{table:<16} {digest}")
    finally:
        if len(sys.argv) <= 1:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
