"""paper_tags and paper_authors become WITHOUT ROWID tables: their primary key is the table.

As rowid tables each row was stored twice over, in the table and in the primary key's own index, and a first
import inserted every row into both (5.25M tag rows and 4.0M byline rows at 1M arXiv papers). Without the
rowid, inserting them cost 9.9 s and 4.6 s of CPU instead of 11.4 s and 6.6 s, and they take 342 MB
instead of 520 MB (1M papers, BENCHMARKS.md round 9). No query used their rowids; every reader goes by
paper, tag or author, through the primary key or the secondary index, both kept.

The tables are rebuilt: created anew beside the old ones, filled, swapped in by name, with their indexes and
triggers (the search outbox's, on paper_authors) created again from the statements sqlite_master held.
Views naming them are dropped first and put back last: a rename checks every view of the schema.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLES = ("paper_tags", "paper_authors")
_WITHOUT_ROWID = " WITHOUT ROWID"


def upgrade() -> None:
    _rebuild(without_rowid=True)


def downgrade() -> None:
    _rebuild(without_rowid=False)


def _rebuild(*, without_rowid: bool) -> None:
    conn = op.get_bind()

    def rows(sql: str, *params: str) -> list[tuple[str, str]]:
        return [tuple(row) for row in conn.exec_driver_sql(sql, params).fetchall()]

    views = rows("SELECT name, sql FROM sqlite_master WHERE type = 'view' AND sql IS NOT NULL ORDER BY name")
    for name, _ in views:
        op.execute(f'DROP VIEW "{name}"')
    for table in TABLES:
        (create,) = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        dependents = rows(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type, name",
            table,
        )
        body = create.rstrip().removesuffix(_WITHOUT_ROWID).rstrip()
        rebuilt = f"{table}_rebuilt"
        head, _, rest = body.partition("(")
        assert head.split()[-1].strip('"') == table, head  # CREATE TABLE paper_tags (
        op.execute(f"CREATE TABLE {rebuilt} ({rest}{_WITHOUT_ROWID if without_rowid else ''}")
        columns = ", ".join(f'"{name}"' for (_, name, *_) in conn.exec_driver_sql(f'PRAGMA table_info("{table}")'))
        op.execute(f"INSERT INTO {rebuilt} ({columns}) SELECT {columns} FROM {table}")
        op.execute(f"DROP TABLE {table}")
        op.execute(f"ALTER TABLE {rebuilt} RENAME TO {table}")
        for _, sql in dependents:
            op.execute(sql)
    for _, sql in views:
        op.execute(sql)
