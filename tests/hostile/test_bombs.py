"""Bombs and endless lines: a gzip file that expands without end, one line of many megabytes, millions
of empty lines. Each fails its source with a clear error long before memory grows; the batch goes on.
(Peak memory is measured by `make fuzz` / bench, not asserted here.)"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from corpus_db.ingest.files import open_dump
from corpus_db.ingest.limits import MAX_EXPANSION_ENV
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.model import ParseError
from tests.hostile import cases


def _good(folder: Path) -> Path:
    path = folder / "good.txt"
    path.write_bytes(cases.listing([("A Good Paper Nobody Listed Before", "Its abstract, short and complete.")]))
    return path


FAILING = {c.name: c for c in cases.bomb_cases(expanded=256 << 20) if c.outcome == "failed"}


@pytest.mark.parametrize("name", sorted(FAILING))
def test_a_bomb_fails_its_source_clearly_and_the_batch_goes_on(name: str, db_path: Path, tmp_path: Path) -> None:
    case = FAILING[name]
    bad = cases.write_case(case, tmp_path)
    _totals, results = run_import(db_path, [SourceTask.for_path(bad), SourceTask.for_path(_good(tmp_path))])
    assert [r.status for r in results] == ["failed", "imported"]
    error = results[0].error or ""
    assert str(bad) in error and "Traceback" not in error
    assert __import__("re").search(case.message, error), error


def test_gzip_with_trailing_garbage_imports_like_gunzip(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "listing.txt.gz"
    path.write_bytes(gzip.compress(cases.listing([(cases.GOOD_TITLE, cases.GOOD_ABSTRACT)])) + b"\x00\x00junk")
    _totals, [result] = run_import(db_path, [SourceTask.for_path(path)])
    assert result.status == "imported" and result.counts.inserted == 1, result.error


def test_truncated_gzip_fails_its_source(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(cases.jsonl([cases.jsonl_line(i, f"{cases.GOOD_TITLE} {i}") for i in cases.good_ids(500)]))
    path.write_bytes(data[: len(data) // 2])
    _totals, [result] = run_import(db_path, [SourceTask.for_path(path)])
    assert result.status == "failed" and "truncated" in (result.error or "")


def test_a_gzip_bomb_is_refused_past_the_expansion_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(cases.gzip_bomb(256 << 20, line=b"x" * 63 + b"\n"))  # about 250 KB on disk
    refused = r"decompresses to more than 64.0 MiB.*decompression bomb"
    with pytest.raises(ParseError, match=refused), open_dump(path) as fh:
        while fh.read(1 << 20):
            pass
    monkeypatch.setenv(MAX_EXPANSION_ENV, "2000")  # a real dump that compresses this well can still be read
    with open_dump(path) as fh:
        assert sum(len(block) for block in iter(lambda: fh.read(1 << 20), b"")) == 256 << 20


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_a_long_line_error_names_its_line_past_the_first_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compressed: bool
) -> None:
    from corpus_db.ingest.limits import MAX_LINE_ENV

    monkeypatch.setenv(MAX_LINE_ENV, str(2 << 20))
    short = b"".join(b'{"n": %d, "pad": "%s"}\n' % (n, b"p" * 2000) for n in range(1, 1201))  # 2.4 MB: 3 blocks
    data = short + b'{"long": "' + b"x" * (3 << 20) + b'"}\n' + b'{"n": 0}\n'
    path = tmp_path / ("long.jsonl.gz" if compressed else "long.jsonl")
    path.write_bytes(gzip.compress(data) if compressed else data)
    with pytest.raises(ParseError, match=r"line longer than 2\.0 MiB") as caught, open_dump(path) as fh:
        for _line in fh:
            pass
    assert caught.value.line == 1201
    assert f"{path}:1201:" in str(caught.value)
