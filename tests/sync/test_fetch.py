"""Downloads against a real HTTP server on 127.0.0.1: what reaches the disk, what is sent, what fails how."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest

from corpus_db.sync.fetch import FetchError, FetchOptions, fetch
from tests.http_fixture import Document, TestServer, endless, sequence, status
from tests.http_fixture import http_server as http_server  # the fixture

FAST = FetchOptions(connect_timeout=5, read_timeout=5, retries=2, backoff=0.01, max_delay=0.05)
BODY = b"Get trending papers in your email inbox!\nA Title\nAn abstract.\n"


def test_download_streams_to_the_file_and_keeps_validators(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/dump.txt"] = Document(BODY)
    got = fetch(http_server.url("/dump.txt"), tmp_path / "dump.txt", options=FAST)
    assert not got.not_modified and got.path == tmp_path / "dump.txt"
    assert got.path.read_bytes() == BODY and got.size == len(BODY)
    assert (got.etag, got.last_modified) == ('"v1"', "Wed, 25 Nov 2026 08:00:00 GMT")
    sent = http_server.requests[0][1]
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


def test_conditional_get_answered_304_downloads_nothing(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/dump.txt"] = Document(BODY)
    dest = tmp_path / "dump.txt"
    got = fetch(http_server.url("/dump.txt"), dest, etag='"v1"', last_modified="Wed, 25 Nov 2026 08:00:00 GMT",
                options=FAST)
    assert got.not_modified and got.path is None and not dest.exists()
    assert got.etag == '"v1"'
    sent = http_server.requests[0][1]
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Wed, 25 Nov 2026 08:00:00 GMT"


def test_a_stale_validator_gets_the_new_version(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/dump.txt"] = Document(BODY + b"More\nText\n", etag='"v2"')
    got = fetch(http_server.url("/dump.txt"), tmp_path / "d", etag='"v1"', options=FAST)
    assert not got.not_modified and got.etag == '"v2"' and got.path is not None
    assert got.path.read_bytes().endswith(b"More\nText\n")


def test_gzip_content_encoding_is_decoded_on_the_way_to_disk(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/dump.txt"] = Document(BODY, gzip=True)
    got = fetch(http_server.url("/dump.txt"), tmp_path / "d", options=FAST)
    assert got.path is not None and got.path.read_bytes() == BODY
    assert "gzip" in http_server.requests[0][1]["Accept-Encoding"]


def test_500_then_200_is_retried_until_it_works(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/flaky"] = sequence(status(500), status(503), Document(BODY))
    got = fetch(http_server.url("/flaky"), tmp_path / "d", options=FAST)
    assert got.path is not None and got.path.read_bytes() == BODY
    assert got.attempts == 3 and http_server.hits["/flaky"] == 3


def test_429_is_retried_and_retries_are_bounded(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/busy"] = status(429, {"Retry-After": "0"})
    with pytest.raises(FetchError) as err:
        fetch(http_server.url("/busy"), tmp_path / "d", options=FAST)
    message = str(err.value)
    assert http_server.url("/busy") in message and "429" in message and "gave up after 3 attempts" in message
    assert http_server.hits["/busy"] == 3  # the first try and FAST.retries more
    assert not (tmp_path / "d").exists()


def test_404_fails_at_once_naming_url_and_status(http_server: TestServer, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as err:
        fetch(http_server.url("/missing.txt"), tmp_path / "d", options=FAST)
    assert str(err.value) == f"{http_server.url('/missing.txt')}: HTTP 404 Not Found"
    assert http_server.hits["/missing.txt"] == 1  # a 404 is not retried


def test_a_body_over_the_size_limit_is_aborted_and_removed(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/huge"] = endless()
    limit = replace(FAST, max_bytes=300_000)
    with pytest.raises(FetchError) as err:
        fetch(http_server.url("/huge"), tmp_path / "d", options=limit)
    message = str(err.value)
    assert "size limit" in message and "--max-size" in message and http_server.url("/huge") in message
    assert not (tmp_path / "d").exists()
    assert http_server.hits["/huge"] == 1  # too big is final, not retried


def test_an_announced_length_over_the_limit_is_refused_before_reading(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/huge"] = endless(announce=10**12)
    limit = replace(FAST, max_bytes=1000)
    with pytest.raises(FetchError, match=r"announces .* over the size limit"):
        fetch(http_server.url("/huge"), tmp_path / "d", options=limit)
    assert not (tmp_path / "d").exists()


def test_a_server_that_stalls_times_out(http_server: TestServer, tmp_path: Path) -> None:
    http_server.routes["/stall"] = http_server.stall
    patience = replace(FAST, read_timeout=0.3, retries=1)
    with pytest.raises(FetchError) as err:
        fetch(http_server.url("/stall"), tmp_path / "d", options=patience)
    assert "read timeout" in str(err.value) and http_server.url("/stall") in str(err.value)
    assert http_server.hits["/stall"] == 2  # a timeout counts as a connection failure: retried once


def test_nothing_listening_is_a_connection_error(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago, with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=rf"http://127.0.0.1:{port}/x: could not connect"):
        fetch(f"http://127.0.0.1:{port}/x", tmp_path / "d", options=FAST)
