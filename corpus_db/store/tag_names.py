"""Tag names by id for the rows of search hits: a hit's statement reads its tag ids from the paper_tags
index alone, and names come from here instead of one tags look-up (and a sort) a tag in SQL (at 1M papers:
0.33 -> 0.24 ms CPU for a page of 20). Tags are few (dozens to thousands).

Exact: the map is read again whenever the connection's `PRAGMA data_version` says anything was committed
since it was read (a tag renamed by hand), or a page holds an id it lacks (a tag added by a commit between
the version check and the page's statement). corpus-db itself only ever adds tags."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass

Names = dict[int, tuple[str, bool]]  # id -> (name, is a source's free keyword)
_KEPT = 8  # connections remembered (workers and Datasette keep a few; search() opens one a call)


@dataclass
class _Map:
    conn: sqlite3.Connection
    data_version: int
    names: Names


_maps: dict[int, _Map] = {}
_lock = threading.Lock()  # Datasette searches on several threads, one connection each


def _read(conn: sqlite3.Connection) -> Names:
    return {tag_id: (name, keyword == 1) for tag_id, name, keyword in
            conn.execute("SELECT id, name, kind = 'keyword' FROM tags")}


def tag_names(conn: sqlite3.Connection, ids: set[int]) -> Names:
    """The names of at least these tag ids (current as of this call's read of the database)."""
    data_version = conn.execute("PRAGMA data_version").fetchone()[0]
    kept = _maps.get(id(conn))
    if kept is None or kept.conn is not conn or kept.data_version != data_version or not ids <= kept.names.keys():
        kept = _Map(conn, data_version, _read(conn))
        with _lock:
            if len(_maps) >= _KEPT and id(conn) not in _maps:
                del _maps[next(iter(_maps))]  # the oldest
            _maps[id(conn)] = kept
    return kept.names


def tags_of(names: Names, ids: list[int]) -> tuple[list[str], list[str]]:
    """(curated tags and categories, free keywords), each sorted by name as SQLite's BINARY order sorts
    them (UTF-8 bytes order as code points do). A tag reached through two origins is named once."""
    named = sorted(names[i] for i in set(ids) if i in names)
    return [name for name, keyword in named if not keyword], [name for name, keyword in named if keyword]
