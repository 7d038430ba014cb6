"""A real HTTP server on 127.0.0.1, in a thread, whose routes a test scripts: validators and 304s,
flaky and failing routes, oversized and stalling responses. It counts and keeps every request."""

from __future__ import annotations

import gzip
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Responder = Callable[[BaseHTTPRequestHandler, int], None]  # (handler, 1-based hit number on this path)


@dataclass
class Document:
    """A resource that supports conditional GET; change `body` (and `etag`) to publish a new version."""

    body: bytes
    etag: str | None = '"v1"'
    last_modified: str | None = "Wed, 25 Nov 2026 08:00:00 GMT"
    gzip: bool = False

    def __call__(self, handler: BaseHTTPRequestHandler, _hit: int) -> None:
        inm = handler.headers.get("If-None-Match")
        ims = handler.headers.get("If-Modified-Since")
        # RFC 9110: If-None-Match, when sent, decides; If-Modified-Since counts only without it.
        fresh = inm == self.etag if inm is not None else (ims is not None and ims == self.last_modified)
        handler.send_response(304 if fresh else 200)
        if self.etag:
            handler.send_header("ETag", self.etag)
        if self.last_modified:
            handler.send_header("Last-Modified", self.last_modified)
        if fresh:
            handler.end_headers()
            return
        body = gzip.compress(self.body) if self.gzip else self.body
        if self.gzip:
            handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def status(code: int, headers: dict[str, str] | None = None) -> Responder:
    def respond(handler: BaseHTTPRequestHandler, _hit: int) -> None:
        handler.send_response(code)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


def sequence(*responders: Responder) -> Responder:
    """The n-th request gets the n-th responder; the last one answers every later request."""

    def respond(handler: BaseHTTPRequestHandler, hit: int) -> None:
        responders[min(hit, len(responders)) - 1](handler, hit)

    return respond


def endless(chunk: bytes = b"x" * 65536, *, announce: int | None = None) -> Responder:
    """A body that never ends (until the client hangs up); `announce` sends that Content-Length."""

    def respond(handler: BaseHTTPRequestHandler, _hit: int) -> None:
        handler.send_response(200)
        if announce is not None:
            handler.send_header("Content-Length", str(announce))
        handler.end_headers()
        try:
            for _ in range(100_000):
                handler.wfile.write(chunk)
        except OSError:
            pass

    return respond


@dataclass
class TestServer:
    __test__ = False  # not a test class, whatever pytest thinks of the name

    routes: dict[str, Responder] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)  # ends every stall
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stall(self, handler: BaseHTTPRequestHandler, _hit: int) -> None:
        """Accept the request, then say nothing until the test ends."""
        self.release.wait(60)


def _handler(server: TestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            server.hits[path] += 1
            server.requests.append((path, dict(self.headers)))
            responder = server.routes.get(path, status(404))
            responder(self, server.hits[path])

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@pytest.fixture
def http_server() -> Iterator[TestServer]:
    state = TestServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    httpd.shutdown()
    httpd.server_close()
