"""Row counts for Datasette's home and database pages. Datasette counts every table on every visit with
a 5-10 ms limit, but SQLite's count(*) is one uninterruptible step: at a million papers the FTS index's
papers_fts_data alone took 580 ms and paper_tags 84 ms. The counts are kept per database version
(web/cache.py) and the FTS shadow tables, hidden anyway, are not counted."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from corpus_db.store.fts import FTS_TABLE
from corpus_db.web.cache import cached


def _countable(table: str) -> bool:
    return table != FTS_TABLE and not table.startswith(FTS_TABLE + "_")


async def _count_all(db: Any) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    for table in await db.table_names():
        if not _countable(table):
            counts[table] = None
            continue
        try:
            counts[table] = (await db.execute(f"SELECT count(*) FROM [{table}]")).rows[0][0]
        except sqlite3.DatabaseError:
            counts[table] = None
    return counts


def kept_table_counts(db: Any) -> Callable[..., Awaitable[dict[str, int | None]]]:
    """A replacement for db.table_counts that counts once per database version."""

    async def table_counts(limit: int = 10) -> dict[str, int | None]:
        del limit  # the time limit cannot stop a count(*); keeping the result is what helps
        return dict(await cached(db, "table_counts", lambda: _count_all(db)))

    return table_counts
