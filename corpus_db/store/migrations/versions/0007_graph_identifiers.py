"""The open scholarly graphs' identifiers on papers: OpenAlex W-id, Semantic Scholar corpus id, PubMed and
PMC ids, dblp key, MAG id. Each has a unique index, as arXiv ids and DOIs do. And merged_ids: the ids
OpenAlex merged into others, so that an old id resolves to the work that absorbed it.

Columns are added with ALTER TABLE ADD COLUMN (no batch copy of papers), so the FTS triggers and the
rows stay as they are; nothing to rebuild.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = ("openalex_id", "s2_corpus_id", "pmid", "pmcid", "dblp_key", "mag_id")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("papers", sa.Column(name, sa.Text, nullable=True))
        op.create_index(f"ix_papers_{name}", "papers", [name], unique=True)
    op.create_table(
        "merged_ids",
        sa.Column("scheme", sa.Text, nullable=False),
        sa.Column("old_id", sa.Text, nullable=False),
        sa.Column("new_id", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("scheme", "old_id", name="pk_merged_ids"),
    )


def downgrade() -> None:
    op.drop_table("merged_ids")
    for name in reversed(COLUMNS):
        op.drop_index(f"ix_papers_{name}", table_name="papers")
    # DROP COLUMN (SQLite 3.35+) leaves the table and its triggers in place, unlike a batch copy.
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE papers DROP COLUMN {name}")
