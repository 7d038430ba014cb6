"""The kept rankings' file (search_top): the served pairs read back exactly as ranked, and a damaged file
read as no file (its prefixes and words are then searched live), never as an error."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from corpus_db.store import search_top

KEPT = {
    "=model": [(7, 12.345678901234567), (3, 11.0), (9, 1e-300)],
    "lear": [(pid, 100.0 - pid / 7) for pid in range(1, search_top.KEEP + 1)],  # more than TOP_K: TOP_K served
    "quan": [],
}


def _written(tmp_path: Path, kept: dict[str, list[tuple[int, float]]] = KEPT) -> Path:
    path = tmp_path / "v7-1-abc"
    path.mkdir()
    search_top._write(path, kept, 3, version=5, keys_changed=4, full_seconds=1.5, rescore_seconds=2e-6)
    return path


def test_the_served_pairs_read_back_exactly_as_ranked(tmp_path: Path) -> None:
    path = _written(tmp_path)
    served = search_top.load_top(path, 5)
    assert set(served) == set(KEPT)
    for key, hits in KEPT.items():
        assert len(served[key]) == min(len(hits), search_top.TOP_K)
        assert served[key][:] == hits[:search_top.TOP_K]
        assert served[key][20:40] == hits[20:40]
    assert served["=model"][0] == (7, 12.345678901234567)
    assert search_top.load_top(path, 4) == {}  # another version: searched live
    # The update's full rankings (KEEP each) are still there, after the served pairs.
    body = search_top._read(path)
    assert body is not None and body["prefixes"]["lear"] == [list(pair) for pair in KEPT["lear"]]
    assert body["version"] == 5 and body["changed_since_full"] == 3 and body["changed_since_keys"] == 4


def _damage(path: Path, how: str) -> None:
    file = path / search_top.TOP_FILE
    data = file.read_bytes()
    header, _, rest = data.partition(b"\n")
    fields = orjson.loads(header)
    if how == "truncated":
        file.write_bytes(data[: len(header) + 1 + 100])
    elif how == "counts":
        file.write_bytes(orjson.dumps({**fields, "served": [1, 2, 3]}) + b"\n" + rest)
    elif how == "bytes":
        file.write_bytes(orjson.dumps({**fields, "served_bytes": 8}) + b"\n" + rest)
    elif how == "types":
        file.write_bytes(orjson.dumps({**fields, "served": "all", "keys": 7}) + b"\n" + rest)
    elif how == "missing":
        file.write_bytes(orjson.dumps({k: v for k, v in fields.items() if k != "served_bytes"}) + b"\n" + rest)
    else:
        file.write_bytes(b"\x00\xff" * 50)


@pytest.mark.parametrize("how", ["truncated", "counts", "bytes", "types", "missing", "garbage"])
def test_a_damaged_file_reads_as_no_file(tmp_path: Path, how: str) -> None:
    path = _written(tmp_path)
    _damage(path, how)
    assert search_top.load_top(path, 5) == {}
    assert search_top.load_top(path, None) == {}
    if how != "counts":  # the rankings an update re-scores are intact there, and their own header is usable
        assert search_top._read(path) is None
