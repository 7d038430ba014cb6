"""Authors, publication dates and venues, per-source listing state, and HTTP validators for URL sources.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Plain ADD/DROP COLUMN (SQLite >= 3.35) instead of batch mode: a batch rebuild of papers would drop
# the FTS triggers, and of paper_sources would copy every raw record for nothing.
ADDED_COLUMNS = {
    "papers": [sa.Column("published", sa.Text), sa.Column("year", sa.Integer), sa.Column("venue", sa.Text)],
    "sources": [sa.Column("name", sa.Text), sa.Column("etag", sa.Text), sa.Column("last_modified", sa.Text)],
    "paper_sources": [
        sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("unlisted_at", sa.Text),
    ],
}


def upgrade() -> None:
    for table, columns in ADDED_COLUMNS.items():
        for column in columns:
            op.add_column(table, column)
    op.create_index(op.f("ix_papers_year"), "papers", ["year"])
    op.create_table(
        "authors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authors")),
        sa.UniqueConstraint("name_key", name=op.f("uq_authors_name_key")),
    )
    op.create_table(
        "paper_authors",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("raw_name", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_paper_authors_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["authors.id"], name=op.f("fk_paper_authors_author_id_authors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("paper_id", "position", name=op.f("pk_paper_authors")),
    )
    op.create_index(op.f("ix_paper_authors_author_id"), "paper_authors", ["author_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_paper_authors_author_id"), table_name="paper_authors")
    op.drop_table("paper_authors")
    op.drop_table("authors")
    op.drop_index(op.f("ix_papers_year"), table_name="papers")
    for table, columns in ADDED_COLUMNS.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")
