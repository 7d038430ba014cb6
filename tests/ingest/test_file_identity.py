"""A dump file untouched since its last import (same device, inode, size, mtime and ctime as when its hash
was taken) is unchanged without being read; any change of those, a racy timestamp, or --rehash reads it
again. "Not read" is observed from the kernel's count of bytes this process read (/proc/self/io)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest import digest
from corpus_db.ingest.digest import current_identity, hash_file
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import migrate as migrations
from tests.ingest.test_worker import snapshot_lines
from tests.sync_support import run_cli

PROC_IO = Path("/proc/self/io")
needs_proc_io = pytest.mark.skipif(not PROC_IO.exists(), reason="needs /proc/self/io to count bytes read")


def bytes_read() -> int:
    """Bytes this process has read through read(2) and friends so far (every thread)."""
    return int(next(line for line in PROC_IO.read_text().splitlines() if line.startswith("rchar:")).split()[1])


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written a moment ago count as settled: the test cannot wait out the 2 s racy margin, nor set a
    file's ctime back."""
    monkeypatch.setattr(digest, "RACY_NS", 0)


def write_dump(path: Path, count: int = 1500, edit: bool = False) -> Path:
    lines = snapshot_lines(count)
    if edit:
        lines[3] = lines[3].replace("Abstract of paper 4.", "An edited abstract of paper 4.")
    path.write_text("\n".join(lines) + "\n")
    return path


def recorded_identity(db: Path, dump: Path) -> str | None:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT file_identity FROM sources WHERE locator = ?", (str(dump),)).fetchone()[0]
    finally:
        conn.close()


def reimport(db: Path, dump: Path, *, early: bool = True, rehash: bool = False) -> tuple[str, int]:
    """Re-import the dump as `corpus-db import` does (hashed ahead on a thread) or as `sync` does (hashed
    in turn); its status, and how many bytes the process read meanwhile."""
    before = bytes_read()
    _, [result] = run_import(db, [SourceTask.for_path(dump)], hash_early=early, rehash=rehash)
    assert result.error is None, result.error
    return result.status, bytes_read() - before


@needs_proc_io
def test_an_untouched_dump_is_unchanged_without_being_read_and_rehash_reads_it(tmp_path: Path, settled: None) -> None:
    dump, db = write_dump(tmp_path / "snap.jsonl"), tmp_path / "corpus.db"
    run_import(db, [SourceTask.for_path(dump)])
    assert recorded_identity(db, dump) == current_identity(dump).text()
    size = dump.stat().st_size

    trusted_status, trusted_read = reimport(db, dump)
    sync_status, sync_read = reimport(db, dump, early=False)
    rehash_status, rehash_read = reimport(db, dump, rehash=True)
    assert trusted_status == sync_status == rehash_status == "unchanged"
    # The runs read the same database pages (give or take a few), and only --rehash read the dump.
    assert rehash_read - max(trusted_read, sync_read) >= 0.9 * size


@needs_proc_io
@pytest.mark.parametrize("change", ["mtime", "size", "inode"])
def test_a_changed_identity_reads_the_file_again(tmp_path: Path, settled: None, change: str) -> None:
    dump, db = write_dump(tmp_path / "snap.jsonl"), tmp_path / "corpus.db"
    run_import(db, [SourceTask.for_path(dump)])
    old = recorded_identity(db, dump)
    if change == "mtime":  # the same bytes, touched: read, found unchanged, its new identity kept
        os.utime(dump, ns=(dump.stat().st_atime_ns, dump.stat().st_mtime_ns - 10**9))
        expected = "unchanged"
    elif change == "size":
        with dump.open("a") as fh:
            fh.write(snapshot_lines(1501)[-1] + "\n")
        expected = "imported"
    else:  # the same bytes in a new file renamed over the old one, as a download lands
        fresh = write_dump(tmp_path / "snap.jsonl.next")
        os.replace(fresh, dump)
        expected = "unchanged"
    status, read = reimport(db, dump)
    assert status == expected
    assert recorded_identity(db, dump) == current_identity(dump).text() != old
    _, trusted_read = reimport(db, dump)  # trusted again from now on
    assert read - trusted_read >= 0.9 * dump.stat().st_size


def test_a_dump_changed_too_recently_keeps_no_identity(tmp_path: Path) -> None:
    """Written a moment ago, within the racy margin: another write in the same timestamp tick would not
    move its mtime, so its identity is not recorded and the next import reads it (real margin here)."""
    dump, db = write_dump(tmp_path / "snap.jsonl"), tmp_path / "corpus.db"
    assert hash_file(dump).identity is None  # type: ignore[union-attr]
    run_import(db, [SourceTask.for_path(dump)])
    assert recorded_identity(db, dump) is None


def test_an_identity_too_close_to_its_hash_is_racy() -> None:
    moment = 10**18
    margin = digest.RACY_NS
    racy = digest.FileIdentity(1, 2, 3, mtime_ns=moment - margin // 2, ctime_ns=moment - 10 * margin)
    settled_file = digest.FileIdentity(1, 2, 3, mtime_ns=moment - 5 * margin, ctime_ns=moment - 3 * margin)
    changed_ctime = digest.FileIdentity(1, 2, 3, mtime_ns=moment - 5 * margin, ctime_ns=moment)
    assert not racy.settled_before(moment)
    assert settled_file.settled_before(moment)
    assert not changed_ctime.settled_before(moment)  # mtime set back by `touch -d`: ctime still says now


def test_a_file_replaced_after_its_hash_is_recorded_with_the_hashed_bytes_identity(
    tmp_path: Path, settled: None
) -> None:
    """The identity comes from the descriptor that was hashed: a file renamed over the dump between the
    hash and the import leaves the old file's identity with the old hash, so the next import, seeing
    another inode, reads the new file and stores its hash."""
    dump, db = write_dump(tmp_path / "snap.jsonl"), tmp_path / "corpus.db"
    hashed = hash_file(dump)
    assert hashed is not None and hashed.identity is not None
    os.replace(write_dump(tmp_path / "next.jsonl", edit=True), dump)
    task = SourceTask.for_path(dump)
    task.digest = digest_future(hashed)
    run_import(db, [task])
    assert recorded_identity(db, dump) == hashed.identity.text() != current_identity(dump).text()

    status, _ = reimport(db, dump)
    assert status == "imported"  # the hash recorded was the old file's: the new bytes are read and stored
    assert recorded_identity(db, dump) == current_identity(dump).text()
    stored = sqlite3.connect(db).execute("SELECT content_hash FROM sources").fetchone()[0]
    assert stored == hash_file(dump).sha256  # type: ignore[union-attr]


def digest_future(value: digest.FileDigest):  # type: ignore[no-untyped-def]
    from concurrent.futures import Future

    future: Future[digest.FileDigest] = Future()
    future.set_result(value)
    return future


def test_the_0016_column_goes_down_and_up_on_a_populated_database(seeded_db: Path) -> None:
    conn = sqlite3.connect(seeded_db)
    before = conn.execute("SELECT id, locator, content_hash FROM sources ORDER BY id").fetchall()
    conn.close()
    assert before
    migrations.downgrade(seeded_db, "0015")
    conn = sqlite3.connect(seeded_db)
    assert "file_identity" not in {c[1] for c in conn.execute("PRAGMA table_info(sources)")}
    assert conn.execute("SELECT id, locator, content_hash FROM sources ORDER BY id").fetchall() == before
    conn.close()
    migrations.migrate(seeded_db)
    conn = sqlite3.connect(seeded_db)
    assert conn.execute("SELECT id, locator, content_hash FROM sources ORDER BY id").fetchall() == before
    assert conn.execute("SELECT count(*) FROM sources WHERE file_identity IS NOT NULL").fetchone() == (0,)
    conn.close()
    assert migrations.schema_differences(seeded_db) == []


def test_import_rehash_is_offered_and_documented(tmp_path: Path) -> None:
    dump, db = write_dump(tmp_path / "snap.jsonl", count=20), tmp_path / "corpus.db"
    assert "--rehash" in run_cli("import", "--help").stdout
    assert "--rehash" in run_cli("sync", "--help").stdout
    assert run_cli("import", db, dump).returncode == 0
    again = run_cli("import", db, dump, "--rehash")
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout + again.stderr
