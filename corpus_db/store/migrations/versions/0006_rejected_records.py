"""Rejected records: a record that could not be parsed or is invalid is kept here with its reason while
the rest of its source imports; import_runs keeps the traceback of a source that failed unexpectedly;
credentials in URL locators (user:password@, ?token=) are redacted in what was stored before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from corpus_db.rules.credentials import redact_text, redact_url

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rejected_records",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("line", sa.Integer),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("excerpt", sa.Text, nullable=False),
        sa.Column("rejected_at", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_rejected_records_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_records")),
    )
    op.create_index(op.f("ix_rejected_records_source_id"), "rejected_records", ["source_id"])
    op.add_column("import_runs", sa.Column("details", sa.Text))
    conn = op.get_bind()
    taken = {locator for (locator,) in conn.execute(sa.text("SELECT locator FROM sources"))}
    for source_id, locator in conn.execute(sa.text("SELECT id, locator FROM sources")).fetchall():
        clean = redact_url(locator)
        if clean != locator and clean not in taken:  # two sources differing only by token keep apart
            conn.execute(sa.text("UPDATE sources SET locator = :l WHERE id = :i"), {"l": clean, "i": source_id})
            taken.add(clean)
    runs = conn.execute(sa.text("SELECT id, message FROM import_runs WHERE message IS NOT NULL")).fetchall()
    for run_id, message in runs:
        clean = redact_text(message)
        if clean != message:
            conn.execute(sa.text("UPDATE import_runs SET message = :m WHERE id = :i"), {"m": clean, "i": run_id})


def downgrade() -> None:
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("details")
    op.drop_index(op.f("ix_rejected_records_source_id"), table_name="rejected_records")
    op.drop_table("rejected_records")
