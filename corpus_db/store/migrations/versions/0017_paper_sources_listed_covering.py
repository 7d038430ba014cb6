"""The paper-to-source index also holds `listed`, so "how many sources list this paper now" (every search
hit shows it) is answered from the index alone. With (paper_id, source_id) each hit read its
paper_sources row, whose raw record makes that table the largest in the file: one more page read a hit,
mostly outside the memory-mapped part of a 1M-paper file. It replaces the old index (one index to keep).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OLD = "ix_paper_sources_paper_id_source_id"
NEW = "ix_paper_sources_paper_id_source_id_listed"


def upgrade() -> None:
    op.create_index(NEW, "paper_sources", ["paper_id", "source_id", "listed"])
    op.drop_index(OLD, table_name="paper_sources")


def downgrade() -> None:
    op.create_index(OLD, "paper_sources", ["paper_id", "source_id"])
    op.drop_index(NEW, table_name="paper_sources")
