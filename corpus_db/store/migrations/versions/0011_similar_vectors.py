"""Similar papers: one vector per paper (paper_vectors, clustered by k-means cell), the cells'
centroids, the embedding bookkeeping (similar_state), and an index on papers.last_updated so that an
import finds the papers to re-embed without reading every paper.

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_vectors",
        sa.Column("cell", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("paper_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("text_hash", sa.Text, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], name="fk_paper_vectors_paper_id_papers",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("cell", "paper_id", name="pk_paper_vectors"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_paper_vectors_paper_id", "paper_vectors", ["paper_id"], unique=True)
    op.create_table(
        "similar_cells",
        sa.Column("cell", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("centroid", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("cell", name="pk_similar_cells"),
    )
    op.create_table(
        "similar_state",
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_similar_state"),
    )
    op.create_index("ix_papers_last_updated", "papers", ["last_updated"])


def downgrade() -> None:
    op.drop_index("ix_papers_last_updated", table_name="papers")
    op.drop_table("similar_state")
    op.drop_table("similar_cells")
    op.drop_index("ix_paper_vectors_paper_id", table_name="paper_vectors")
    op.drop_table("paper_vectors")
