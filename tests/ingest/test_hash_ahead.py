"""Dumps hashed on a thread ahead of their import: the same digests as hashing in place, and a file
that is not regular (a FIFO nobody writes to) refused at once instead of blocking the files after it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from corpus_db.ingest.files import hash_ahead


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_hashes_ahead_are_the_content_hashes(tmp_path: Path) -> None:
    files = [tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz", tmp_path / "empty.jsonl"]
    files[0].write_bytes(b'{"id": 1}\n' * 300_000)  # several of the thread's 8 MiB blocks
    files[1].write_bytes(bytes(range(256)) * 1000)
    files[2].write_bytes(b"")
    futures = hash_ahead(files)
    assert [futures[f].result(timeout=60).sha256 for f in files] == [content_hash(f) for f in files]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_and_the_next_file_still_hashed(tmp_path: Path) -> None:
    fifo, dump = tmp_path / "pipe", tmp_path / "dump.jsonl"
    os.mkfifo(fifo)
    dump.write_bytes(b'{"id": 1}\n')
    futures = hash_ahead([fifo, dump])
    with pytest.raises(OSError, match="not a regular file"):
        futures[fifo].result(timeout=10)
    assert futures[dump].result(timeout=10).sha256 == content_hash(dump)
