"""Which process ran an import: pid and host, so a later run can tell a killed run from a live one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Plain ADD/DROP COLUMN (SQLite >= 3.35), as in 0002: nothing to copy, no table rebuild.
ADDED_COLUMNS = [sa.Column("pid", sa.Integer), sa.Column("host", sa.Text)]


def upgrade() -> None:
    for column in ADDED_COLUMNS:
        op.add_column("import_runs", column)


def downgrade() -> None:
    for column in ADDED_COLUMNS:
        op.execute(f"ALTER TABLE import_runs DROP COLUMN {column.name}")
