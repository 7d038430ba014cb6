"""sources.file_identity: the dump file's device, inode, size, mtime and ctime when its content hash was
taken, so that a re-import of an untouched file trusts the hash instead of reading the whole dump again
(SHA-256 of a 222 MB dump: ~0.15 s of a 0.4 s unchanged re-import). NULL (read the file) until the next
import of each source records it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("file_identity", sa.Text))


def downgrade() -> None:
    # SQLite's own DROP COLUMN (3.35+), not batch mode: recreating `sources` would fail on the views that
    # read it (paper_overview), and nothing else depends on this column.
    op.execute("ALTER TABLE sources DROP COLUMN file_identity")
