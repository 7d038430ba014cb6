"""A re-import whose worker started early is written while the dump's hash is still taken: the batches
stop, and everything written is rolled back, as soon as the hash says the bytes are the last import's."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest

from corpus_db.ingest import run
from corpus_db.ingest.digest import FileDigest
from corpus_db.model import Batch
from corpus_db.store.sources import KnownSource

KNOWN = KnownSource(content_hash="a" * 64, record_count=3, format="arxiv-jsonl", etag=None, last_modified=None)


def _batches(n: int) -> list[Batch]:
    return [Batch(items=[], unchanged=1) for _ in range(n)]


def _digest(sha256: str | None) -> Future[FileDigest]:
    future: Future[FileDigest] = Future()
    if sha256 is not None:
        future.set_result(FileDigest(sha256=sha256, identity=None))
    return future


def test_batches_pass_while_the_hash_is_being_taken() -> None:
    assert len(list(run._unless_same_bytes(iter(_batches(3)), _digest(None), KNOWN))) == 3


def test_batches_pass_when_the_hash_differs() -> None:
    assert len(list(run._unless_same_bytes(iter(_batches(3)), _digest("b" * 64), KNOWN))) == 3


def test_batches_stop_once_the_hash_is_the_last_imports() -> None:
    hashing = _digest(None)
    given = []
    with pytest.raises(run._SameBytes):
        for batch in run._unless_same_bytes(iter(_batches(5)), hashing, KNOWN):
            given.append(batch)
            if len(given) == 2:
                hashing.set_result(FileDigest(sha256=KNOWN.content_hash, identity=None))
    assert len(given) == 2


def test_a_hash_that_failed_lets_the_batches_pass_for_the_import_to_report_it() -> None:
    hashing: Future[FileDigest] = Future()
    hashing.set_exception(OSError("gone"))
    assert len(list(run._unless_same_bytes(iter(_batches(2)), hashing, KNOWN))) == 2


def test_a_first_import_is_written_while_its_hash_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A source never imported cannot be a no-op: its worker and writer start before the hash arrives,
    and the source ends with the hash of the bytes it was written from."""
    import sqlite3
    import threading

    from corpus_db.ingest.digest import hash_file
    from corpus_db.ingest.worker import WORKER_MIN_BYTES_ENV
    from tests.ingest.test_worker import snapshot_lines

    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, "0")
    dump = tmp_path / "snap.jsonl"
    dump.write_text("\n".join(snapshot_lines(900)) + "\n")
    db = tmp_path / "corpus.db"
    task = run.SourceTask.for_path(dump)
    slow: Future[FileDigest] = Future()
    threading.Timer(0.6, lambda: slow.set_result(hash_file(dump))).start()  # type: ignore[arg-type]
    task.digest = slow
    prepare_early = run._prepare_early
    early: list[tuple[bool, bool]] = []

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        pending = not slow.done()
        records = prepare_early(*args, **kwargs)
        early.append((pending, records is not None))
        return records

    monkeypatch.setattr(run, "_prepare_early", watched)
    _, [result] = run.run_import(db, [task])
    assert result.status == "imported" and result.counts.inserted == 900, result.error
    assert early == [(True, True)]  # started while the hash was still being taken
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT content_hash FROM sources").fetchone() == (hash_file(dump).sha256,)  # type: ignore[union-attr]
    conn.close()
    _, [again] = run.run_import(db, [run.SourceTask.for_path(dump)])
    assert again.status == "unchanged", again.error
