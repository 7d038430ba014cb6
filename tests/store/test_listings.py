"""LastImport: which fingerprints a source gave, listed, at its last import, and the record keys of every
row of the source with that text; the same answer whether a source's fingerprints are read all at once
or looked up batch by batch."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import listings
from corpus_db.store.listings import LastImport
from tests.ingest.test_worker import snapshot_lines


@pytest.mark.parametrize("held", ["dict", "compact", "overflow", None],
                         ids=["read-all", "compact", "compact-past-its-cap", "batched"])
def test_listed_gives_the_keys_of_every_row_with_a_listed_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: str | None
) -> None:
    dump = tmp_path / "snap.jsonl"
    dump.write_text("\n".join(snapshot_lines(8)) + "\n")
    db = tmp_path / "corpus.db"
    run_import(db, [SourceTask.for_path(dump)])
    conn = sqlite3.connect(db)
    rows = dict(conn.execute("SELECT record_key, record_hash FROM paper_sources"))
    key = {n: next(k for k in rows if k.endswith(f"2401.0000{n}")) for n in range(1, 9)}
    with conn:
        conn.execute("UPDATE paper_sources SET listed = 0 WHERE record_key = ?", (key[2],))  # text only unlisted
        conn.execute("UPDATE paper_sources SET record_hash = ? WHERE record_key = ?", (rows[key[4]], key[3]))
        conn.execute(
            "UPDATE paper_sources SET record_hash = ?, listed = 0 WHERE record_key = ?", (rows[key[6]], key[5])
        )
    conn.close()
    monkeypatch.setattr(listings, "READ_ALL_RECORDS", 1_000 if held == "dict" else -1)
    # "overflow": 8 records listed, but more rows than the cap (an unlisted one): the table gives way to SQL.
    monkeypatch.setattr(listings, "COMPACT_ROWS", {"dict": 1_000, "compact": 1_000, "overflow": 8, None: -1}[held])
    if held == "overflow":
        with sqlite3.connect(db) as extra:
            extra.execute("""INSERT INTO paper_sources (paper_id, source_id, record_key, position, line, raw_record,
                             record_hash, listed) SELECT paper_id, source_id, 'gone', 99, 99, '{}', ?, 0
                             FROM paper_sources LIMIT 1""", ("f" * 32,))
    last = LastImport(db, str(dump.resolve()))
    try:
        asked = [*rows.values(), "not a fingerprint"]
        found = last.listed(asked)
        expected = {"dict": "dict", "compact": "SourceFingerprints", "overflow": "NoneType", None: "NoneType"}[held]
        assert type(last._all).__name__ == expected
        assert last.keys_of(asked) == [found.get(digest) for digest in asked]
    finally:
        last.close()
    assert {digest: set(keys) for digest, keys in found.items()} == {
        rows[key[1]]: {key[1]}, rows[key[4]]: {key[3], key[4]}, rows[key[6]]: {key[5], key[6]},
        rows[key[7]]: {key[7]}, rows[key[8]]: {key[8]},
    }
