"""One search worker process, started by the web server (search_workers.py runs main(["FD", "DB", ...]))
with one end of a socket pair as FD. It answers one request at a time, each a length-prefixed message
both ways, and exits when the server's end closes (the server stopped or was killed). The databases
named on the command line are opened, with their search index, before the first request, so that
request does not pay for it.

A request is a JSON object: id, db, q, the search() arguments, and reply: "json" (the route's finished
JSON body, built here so the page is serialised once), "html" (a RenderedPage, pickled, for the HTML
page: its results' markup made here, off the server's event loop) or "page" (the SearchPage, pickled).
A reply starts with the request's id (8 bytes), then one byte: J (JSON), P (pickle) or E (the
search failed: the server searches itself and shows what that shows)."""

from __future__ import annotations

import pickle
import signal
import socket
import sqlite3
import struct
from typing import Any, BinaryIO

import orjson

from corpus_db.store.db import connect_read_only
from corpus_db.store.search import SearchPage, search_connection
from corpus_db.web.search_hits_html import rendered_page
from corpus_db.web.search_json import json_body

HEADER = struct.Struct(">I")  # a message's length
ID_BYTES = 8
JSON, PAGE, ERROR = b"J", b"P", b"E"

# One connection per database file, kept for the life of the process.
_connections: dict[str, sqlite3.Connection] = {}
# A worker lives as long as the server: it maps as much of the file as SQLite's build allows (2 GB; the
# search() default is 1 GB; a 1M-paper file is 6.6 GB) and keeps 64 MB of pages: every B-tree's inner
# pages (3.3 MB at 1M; the default 2 MB cache could not hold them) and the pages of recently shown
# papers. At 1M: 2.10-2.14 ms of CPU a search instead of 2.29-2.38 (alternating, the bench's 200 queries).
MMAP_BYTES = 1 << 31
CACHE_KIB = 64 * 1024


def _connection(db_path: str) -> sqlite3.Connection:
    conn = _connections.get(db_path)
    if conn is None:
        conn = connect_read_only(db_path)
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        _connections[db_path] = conn
    return conn


def search_page(db_path: str, text: str, kwargs: dict[str, Any]) -> SearchPage:
    """search() on the kept connection."""
    try:
        return search_connection(_connection(db_path), text, db_path=db_path, **kwargs)
    except sqlite3.Error:
        # The file may have been replaced (a publish over it): reopen once.
        stale = _connections.pop(db_path, None)
        if stale is not None:
            stale.close()
        return search_connection(_connection(db_path), text, db_path=db_path, **kwargs)


def answer(request: dict[str, Any]) -> bytes:
    """The reply to one request (its kind byte first)."""
    kwargs = dict(request["kwargs"])
    kwargs["highlight"] = tuple(kwargs["highlight"])
    page = search_page(request["db"], request["q"], kwargs)
    if request["reply"] == "json":
        return JSON + json_body(page, request["papers_url"], request["next_url"], array=request["array"])
    found = rendered_page(page, request["papers_url"], request["tag_url"]) if request["reply"] == "html" else page
    return PAGE + pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)


def _warm(db_path: str) -> None:
    """Open the connection and the index now: the first request then costs what the others do."""
    try:
        search_page(db_path, "warm", {"limit": 1})
    except Exception:  # a database that cannot be searched is reported by its requests
        _connections.pop(db_path, None)


def serve(stream: BinaryIO, sock: socket.socket) -> None:
    """Answer requests until the server's end closes."""
    while True:
        header = stream.read(HEADER.size)
        if len(header) < HEADER.size:
            return  # the server is gone
        (size,) = HEADER.unpack(header)
        message = stream.read(size)
        if len(message) < size:
            return
        request = orjson.loads(message)
        try:
            reply = answer(request)
        except Exception as exc:  # the server answers this request itself
            reply = ERROR + f"{type(exc).__name__}: {exc}".encode()
        # The reply names the request it answers: the server drops one it gave up on.
        sock.sendall(HEADER.pack(ID_BYTES + len(reply)) + request["id"].to_bytes(ID_BYTES, "big") + reply)


def main(argv: list[str]) -> int:
    # Ctrl-C in the terminal reaches the whole process group: the server stops, and this process
    # then exits at its socket's end, without a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=int(argv[0]))
    for db_path in argv[1:]:
        _warm(db_path)
    try:
        with sock.makefile("rb") as stream:
            serve(stream, sock)
    except OSError:  # the server closed its end while we answered
        pass
    return 0

