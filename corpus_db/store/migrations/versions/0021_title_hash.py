"""papers.title_hash: the title key as a 64-bit integer, indexed in place of the title key itself.

A load looks every record's title up and inserts every paper's key, in random order. The text index held keys
of ~60 characters: at 1M papers it outgrew the build's page cache, and its inserts and look-ups read and
wrote pages over and over. An integer index is a third of its size (BENCHMARKS.md round 9). The writer looks
papers up by hash and tells them apart by title key, so a collision costs a row read, never a wrong match.
title_key stays, unindexed, for SQL users and for that comparison.

The hashes of existing papers are computed here (rules.normalize.title_hash: BLAKE2b, first 8 bytes, signed),
in batches. Down: the title key's index is built again and the column dropped.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-26
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_BATCH = 20_000


def _title_hash(key: str) -> int | None:
    # rules.normalize.title_hash as of this revision, kept here so that the revision never changes with it.
    if not key:
        return None
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def upgrade() -> None:
    op.add_column("papers", sa.Column("title_hash", sa.Integer))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.exec_driver_sql(
            "SELECT id, title_key FROM papers WHERE id > ? ORDER BY id LIMIT ?", (last, _BATCH)
        ).fetchall()
        if not rows:
            break
        conn.exec_driver_sql(
            "UPDATE papers SET title_hash = ? WHERE id = ?", [(_title_hash(key), pid) for pid, key in rows]
        )
        last = rows[-1][0]
    op.create_index("ix_papers_title_hash", "papers", ["title_hash"], sqlite_where=sa.text("title_hash IS NOT NULL"))
    op.drop_index("ix_papers_title_key", table_name="papers")


def downgrade() -> None:
    op.create_index("ix_papers_title_key", "papers", ["title_key"])
    op.drop_index("ix_papers_title_hash", table_name="papers")
    op.drop_column("papers", "title_hash")
