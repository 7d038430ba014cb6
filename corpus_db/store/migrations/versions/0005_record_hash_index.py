"""An index on each source's record fingerprints, so a re-import can tell unchanged records by their
text before parsing them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_paper_sources_source_id_record_hash", "paper_sources", ["source_id", "record_hash"])


def downgrade() -> None:
    op.drop_index("ix_paper_sources_source_id_record_hash", table_name="paper_sources")
