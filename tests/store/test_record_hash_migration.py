"""Revisions 0018 and 0023 recompute every record fingerprint from its raw record (0018: BLAKE2b-128 down,
SHA-256's first 128 bits up; 0023: those down, XXH3-128 up), so a re-import after an upgrade still finds
every unchanged record unchanged."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import xxhash

from corpus_db.ingest.prepare import bytes_hashes, text_hash
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import migrate as migrations
from tests.ingest.test_file_identity import write_dump


def _rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT id, paper_id, source_id, record_key, listed, raw_record, record_hash FROM paper_sources ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def test_fingerprints_are_xxh3_128_of_the_raw_text_as_bytes_or_text() -> None:
    lines = ['{"id": "2101.00001", "title": "Caf\u00e9 lattices"}', "plain \u2603 line", ""]
    expected = [xxhash.xxh3_128(line.encode()).hexdigest() for line in lines]
    assert [text_hash(line) for line in lines] == expected == bytes_hashes([line.encode() for line in lines])
    assert all(len(digest) == 32 and int(digest, 16) >= 0 for digest in expected)  # the shape fingerprints.py reads


def _imported(seeded_db: Path, tmp_path: Path) -> tuple[Path, list[tuple]]:
    dump = write_dump(tmp_path / "snap.jsonl", count=300)
    _, [first] = run_import(seeded_db, [SourceTask.for_path(dump)])
    assert first.error is None and first.counts.inserted + first.counts.merged == 300
    rows = _rows(seeded_db)
    assert len(rows) > 300 and all(row[6] == text_hash(row[5]) for row in rows)
    return dump, rows


def _upgraded_and_edited(seeded_db: Path, dump: Path, before: list[tuple]) -> None:
    """Up to the head: the rows as they were; then one record edited, and the other 299 recognised."""
    migrations.migrate(seeded_db)
    assert _rows(seeded_db) == before
    assert migrations.schema_differences(seeded_db) == []
    conn = sqlite3.connect(seeded_db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    write_dump(dump, count=300, edit=True)
    _, [again] = run_import(seeded_db, [SourceTask.for_path(dump)])
    assert again.error is None and again.status == "imported"
    assert (again.counts.unchanged, again.counts.updated, again.counts.inserted) == (299, 1, 0)


def _blake2b(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# Down to the revision before each fingerprint change: the fingerprints it wrote.
DOWN_TO = {"0022": _sha256, "0017": _blake2b}


@pytest.mark.parametrize("below", DOWN_TO)
def test_each_fingerprint_revision_goes_down_and_up_on_a_populated_database_and_records_stay_unchanged(
    seeded_db: Path, tmp_path: Path, below: str
) -> None:
    dump, before = _imported(seeded_db, tmp_path)
    migrations.downgrade(seeded_db, below)
    down = _rows(seeded_db)
    assert [row[:6] for row in down] == [row[:6] for row in before]
    assert all(row[6] == DOWN_TO[below](row[5]) for row in down)
    assert migrations.current_revision(seeded_db) == below
    _upgraded_and_edited(seeded_db, dump, before)
