"""The unique indexes of the six scholarly-graph identifiers (revision 0007) hold only papers that have one.

An arXiv dump stores NULL in all six for every paper, and each NULL was still an entry in each index: six
index inserts per paper for nothing. Inserting 1M papers' rows cost 26.7 s of CPU with them and 23.3 s with
the indexes partial; a whole 1M first import's writer took 130.2 s of CPU instead of 136.1 s (one pair,
BENCHMARKS.md round 8). Uniqueness is unchanged (NULLs never collided), and the look-ups by identifier
(`x = ?`, `x IN (...)`) imply `x IS NOT NULL`, so SQLite still uses the indexes for them.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = ("openalex_id", "s2_corpus_id", "pmid", "pmcid", "dblp_key", "mag_id")


def upgrade() -> None:
    for name in COLUMNS:
        op.drop_index(f"ix_papers_{name}", table_name="papers")
        op.create_index(f"ix_papers_{name}", "papers", [name], unique=True, sqlite_where=sa.text(f"{name} IS NOT NULL"))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_index(f"ix_papers_{name}", table_name="papers")
        op.create_index(f"ix_papers_{name}", "papers", [name], unique=True)
