"""The rejected_records table: records a source could not give us, with where they stood and why. A
source's rejects are replaced each time it is imported, so a fixed file clears them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from corpus_db.model import ImportCounts, ParseError, Rejected
from corpus_db.rules.normalize import printable

EXCERPT_CHARS = 300
REASON_CHARS = 500
EARLY_STOP_SEEN = 1_000  # records read before a source that is mostly rejects is stopped early


@dataclass(frozen=True)
class RejectLimit:
    """How many rejects a source may have and still import: `share` of its records, at least `floor`;
    or exactly `absolute` when given. Past it the source fails whole, so a misdetected format (every
    record a reject) never imports the few that happen to parse."""

    share: float = 0.01
    floor: int = 10
    absolute: int | None = None

    @classmethod
    def parse(cls, text: str) -> RejectLimit:
        """`5%` (a share of the source's records, floor 10) or `100` (a count); ValueError otherwise."""
        text = text.strip()
        if text.endswith("%"):
            share = float(text[:-1]) / 100
            if not 0 <= share <= 1:
                raise ValueError(f"{text}: a share must be between 0% and 100%")
            return cls(share=share)
        count = int(text)
        if count < 0:
            raise ValueError(f"{text}: a count cannot be negative")
        return cls(absolute=count)

    def allowed(self, records: int) -> int:
        return self.absolute if self.absolute is not None else max(self.floor, int(self.share * records))

    def describe(self) -> str:
        return str(self.absolute) if self.absolute is not None else f"{self.share:.0%} (at least {self.floor})"


class TooManyRejects(ParseError):
    """A source whose rejects passed the limit: it fails whole."""


def check_limit(limit: RejectLimit, counts: ImportCounts, first: Sequence[Rejected], locator: str, *,
                final: bool) -> None:
    """Raise TooManyRejects when the source's rejects pass the limit: at its end, or early when it has
    read enough to see that most of its records are rejects."""
    rejected = counts.rejected
    total = counts.records + rejected
    if final:
        over = rejected > limit.allowed(total)
    else:
        over = total >= EARLY_STOP_SEEN and rejected * 2 > total and rejected > limit.allowed(total)
    if not over:
        return
    where = "; ".join(f"{_where(r)}: {r.reason}" for r in first)
    raise TooManyRejects(
        locator, f"{rejected:,} of {total:,} records rejected{'' if final else ' (stopped early)'}, over the limit "
        f"of {limit.allowed(total):,} (--max-rejects {limit.describe()}); a wrong --format? First: {printable(where)}"
    )


def _where(reject: Rejected) -> str:
    return f"line {reject.line}" if reject.line is not None else f"entry {reject.position}"


def clear_rejects(conn: sqlite3.Connection, source_id: int) -> None:
    """Forget what the source's last import rejected (inside the import's transaction)."""
    conn.execute("DELETE FROM rejected_records WHERE source_id = ?", (source_id,))


def save_rejects(conn: sqlite3.Connection, source_id: int, rejects: Sequence[Rejected], now: str) -> None:
    """Store rejects with capped, printable reason and excerpt."""
    conn.executemany(
        """INSERT INTO rejected_records (source_id, position, line, reason, excerpt, rejected_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [(source_id, r.position, r.line, printable(r.reason)[:REASON_CHARS], printable(r.excerpt)[:EXCERPT_CHARS], now)
         for r in rejects],
    )


@dataclass(frozen=True)
class RejectRow:
    """One stored reject, as `corpus-db rejects` lists it."""

    locator: str
    position: int
    line: int | None
    reason: str
    excerpt: str
    rejected_at: str

    @property
    def where(self) -> str:
        return f"{self.locator}:{self.line}" if self.line is not None else f"{self.locator}: entry {self.position}"


def list_rejects(conn: sqlite3.Connection, *, locator: str | None = None, limit: int = 50) -> list[RejectRow]:
    """Stored rejects, by source then position; of one source when `locator` is given."""
    rows = conn.execute(
        """SELECT s.locator, r.position, r.line, r.reason, r.excerpt, r.rejected_at
           FROM rejected_records r JOIN sources s ON s.id = r.source_id
           WHERE ? IS NULL OR s.locator = ?
           ORDER BY s.locator, r.position LIMIT ?""",
        (locator, locator, limit),
    ).fetchall()
    return [RejectRow(*row) for row in rows]


def count_rejects(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM rejected_records").fetchone()[0]
