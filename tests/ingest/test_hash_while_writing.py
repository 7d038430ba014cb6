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
TASK = run.SourceTask.for_path(Path("/nowhere/snap.jsonl"))


def _batches(n: int) -> list[Batch]:
    return [Batch(items=[], unchanged=1) for _ in range(n)]


def _digest(sha256: str | None) -> Future[FileDigest]:
    future: Future[FileDigest] = Future()
    if sha256 is not None:
        future.set_result(FileDigest(sha256=sha256, identity=None))
    return future


def test_batches_pass_while_the_hash_is_being_taken() -> None:
    assert len(list(run._unless_same_bytes(iter(_batches(3)), _digest(None), KNOWN, TASK))) == 3


def test_batches_pass_when_the_hash_differs() -> None:
    assert len(list(run._unless_same_bytes(iter(_batches(3)), _digest("b" * 64), KNOWN, TASK))) == 3


def test_batches_stop_once_the_hash_is_the_last_imports() -> None:
    hashing = _digest(None)
    given = []
    with pytest.raises(run._SameBytes):
        for batch in run._unless_same_bytes(iter(_batches(5)), hashing, KNOWN, TASK):
            given.append(batch)
            if len(given) == 2:
                hashing.set_result(FileDigest(sha256=KNOWN.content_hash, identity=None))
    assert len(given) == 2


def test_a_hash_that_failed_lets_the_batches_pass_for_the_import_to_report_it() -> None:
    hashing: Future[FileDigest] = Future()
    hashing.set_exception(OSError("gone"))
    assert len(list(run._unless_same_bytes(iter(_batches(2)), hashing, KNOWN, TASK))) == 2
