"""The streaming JSON reader every JSON importer shares: shapes, errors, and that it really streams."""

from __future__ import annotations

import gzip
import io

import pytest

from corpus_db.importers.jsonstream import JsonItems, json_head
from corpus_db.model import ParseError
from tests.importers.support import CountingStream, json_array_chunks


def items(data: bytes, keys: tuple[str, ...] = ("data",)) -> list[object]:
    return [item for _, item in JsonItems(io.BytesIO(data), "x.json", keys)]


def test_top_level_array_and_entry_numbers() -> None:
    found = list(JsonItems(io.BytesIO(b'[{"a": 1}, "s", [2], 1.5]'), "x.json", ()))
    assert found == [(1, {"a": 1}), (2, "s"), (3, [2]), (4, 1.5)]


def test_envelope_keeps_values_before_the_list() -> None:
    stream = JsonItems(
        io.BytesIO(b'{"date": "2025-01-10", "config": {"x": [1]}, "data": [{"a": 1}], "n": 1}'), "x", ("data",)
    )
    assert list(stream) == [(1, {"a": 1})]
    assert stream.envelope == {"date": "2025-01-10", "config": {"x": [1]}, "n": 1}


def test_utf8_bom_is_accepted() -> None:
    assert items(b'\xef\xbb\xbf[{"a": "\xc3\xa9"}]') == [{"a": "é"}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"42", "expected a JSON array"),
        (b'{"status": "ok"}', "'data'"),
        (b'{"data": {"a": 1}}', "not a list"),
    ],
)
def test_wrong_shapes(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        items(data)


def test_truncated_array_names_the_entry_it_broke_in() -> None:
    with pytest.raises(ParseError) as info:
        items(b'[{"a": 1},\n {"b": 2},\n {"c": ')
    assert info.value.entry == 3
    assert "truncated" in str(info.value)


def test_trailing_garbage_is_an_error() -> None:
    with pytest.raises(ParseError, match="invalid JSON"):
        items(b'[{"a": 1}] x')


def test_invalid_utf8_names_its_line_even_past_the_first_chunk() -> None:
    filler = b'{"a": "' + b"x" * 100 + b'"}'
    data = b"[\n" + b",\n".join([filler] * 2000) + b',\n{"a": "\xff"}\n]'
    expected_line = data.count(b"\n", 0, data.index(b"\xff")) + 1
    with pytest.raises(ParseError) as info:
        items(data)
    assert info.value.line == expected_line == 2002
    assert "not UTF-8" in str(info.value)


def test_utf16_is_rejected_as_not_utf8() -> None:
    with pytest.raises(ParseError, match="not UTF-8"):
        items('[{"a": 1}]'.encode("utf-16"))


def test_first_item_arrives_before_the_stream_is_consumed() -> None:
    stream = CountingStream(json_array_chunks(b'{"n": %d, "pad": "%s"}' % (n, b"p" * 200) for n in range(50_000)))
    iterator = iter(JsonItems(stream, "big.json", ()))
    assert next(iterator) == (1, {"n": 0, "pad": "p" * 200})
    assert not stream.exhausted
    assert stream.bytes_read < 1_000_000  # of about 11 MB


def test_json_head() -> None:
    assert json_head(b'  \n[{"a": 1}') is not None
    assert json_head(b"\xef\xbb\xbf{") is not None
    assert json_head(b"@article{x,") is None
    assert json_head(b"Get trending papers") is None


def test_reads_a_gzip_stream_without_seeking() -> None:
    compressed = gzip.compress(b'{"data": [{"a": 1}, {"b": 2}]}')
    with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as fh:
        assert [item for _, item in JsonItems(fh, "x.json.gz", ("data",))] == [{"a": 1}, {"b": 2}]
