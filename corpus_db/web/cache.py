"""Whole-corpus figures (papers per year and month, totals) cost a pass over an index: at a million
papers ~0.1-0.3 s. They change only when an import commits, so each process keeps them per database
until the file (or its write-ahead log) changes."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
_CACHE: dict[tuple[str, str], tuple[tuple[int, ...], Any]] = {}


def data_version(path: str | None) -> tuple[int, ...]:
    """Changes whenever a commit reaches the file: size and mtime of it and of its -wal."""
    if not path:
        return ()
    stamp: list[int] = []
    for name in (path, path + "-wal"):
        try:
            st = os.stat(name)
        except OSError:
            stamp += [0, 0]
        else:
            stamp += [st.st_mtime_ns, st.st_size]
    return tuple(stamp)


async def cached(db: Any, key: str, compute: Callable[[], Awaitable[T]]) -> T:
    """compute() once per database version (db.path None, as for in-memory databases: every time)."""
    path = getattr(db, "path", None)
    version = data_version(path)
    slot = (str(path or id(db)), key)
    hit = _CACHE.get(slot)
    if path and hit is not None and hit[0] == version:
        return hit[1]
    value = await compute()
    _CACHE[slot] = (version, value)
    return value
