"""The search outbox and the search index's state: triggers queue the id of every paper whose title,
abstract or authors change, in the same transaction as the change; the tantivy index beside the
database drains the queue (store/search_index.py). The index itself is derived and lives outside SQLite.

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-26

The trigger SQL is frozen here (store/search_outbox.py holds the same statements; a test compares).
A later revision that batch-alters papers or paper_authors drops these triggers with the table: it
must recreate them, or the next write command finds them missing, restores them and rebuilds the index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

_QUEUE = "INSERT OR IGNORE INTO search_outbox (paper_id) VALUES"
_EVENTS = (
    ("search_outbox_papers_ai", "AFTER INSERT ON papers", ("new.id",)),
    ("search_outbox_papers_au", "AFTER UPDATE OF title, abstract ON papers", ("new.id",)),
    ("search_outbox_papers_ad", "AFTER DELETE ON papers", ("old.id",)),
    ("search_outbox_authors_ai", "AFTER INSERT ON paper_authors", ("new.paper_id",)),
    ("search_outbox_authors_au", "AFTER UPDATE ON paper_authors", ("old.paper_id", "new.paper_id")),
    ("search_outbox_authors_ad", "AFTER DELETE ON paper_authors", ("old.paper_id",)),
)
TRIGGERS = {
    name: f"CREATE TRIGGER IF NOT EXISTS {name} {event} BEGIN\n" + "".join(f"  {_QUEUE} ({i});\n" for i in ids) + "END"
    for name, event, ids in _EVENTS
}


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column("paper_id", sa.Integer, nullable=False),  # 0: rebuild everything
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_search_outbox")),
    )
    op.create_table(
        "search_index",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("generation", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("papers", sa.Integer, nullable=False),
        sa.Column("built_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_index")),
    )
    for sql in TRIGGERS.values():
        op.execute(sql)
    # Papers already stored reach the index by one build, at the next write command or `corpus-db index`.
    op.execute("INSERT INTO search_outbox (paper_id) VALUES (0)")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("search_index")
    op.drop_table("search_outbox")
