"""Similar papers: each cell's vectors packed into one row (similar_packs), so that a query in a fresh
process reads a few BLOBs instead of ~20,000 rows. The packs are derived from paper_vectors; triggers
delete a cell's pack in the same transaction as any change to the cell's rows, and the embedding pass
re-packs the cells left without one. Upgrading packs the vectors already stored.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26

A later revision that batch-alters paper_vectors drops these triggers with the table: it must recreate them.
"""

from __future__ import annotations

import struct

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_DROP = "DELETE FROM similar_packs WHERE cell ="
TRIGGERS = {
    "similar_packs_vectors_ai": f"AFTER INSERT ON paper_vectors BEGIN {_DROP} new.cell; END",
    "similar_packs_vectors_ad": f"AFTER DELETE ON paper_vectors BEGIN {_DROP} old.cell; END",
    "similar_packs_vectors_au": f"AFTER UPDATE ON paper_vectors BEGIN {_DROP} old.cell; {_DROP} new.cell; END",
}


def upgrade() -> None:
    op.create_table(
        "similar_packs",
        sa.Column("cell", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("ids", sa.LargeBinary, nullable=False),
        sa.Column("vectors", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("cell", name="pk_similar_packs"),
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    # Pack what is stored already (one cell at a time: a cell is ~1,000 vectors). Plain Python: a
    # migration cannot count on the optional extra's numpy.
    conn = op.get_bind()
    stamp = conn.execute(sa.text("SELECT value FROM similar_state WHERE key = 'version'")).scalar() or 0
    cells = [r[0] for r in conn.execute(sa.text("SELECT DISTINCT cell FROM paper_vectors ORDER BY cell"))]
    for cell in cells:
        rows = conn.execute(
            sa.text("SELECT paper_id, vector FROM paper_vectors WHERE cell = :cell ORDER BY paper_id"), {"cell": cell}
        ).fetchall()
        conn.execute(
            sa.text("INSERT INTO similar_packs (cell, version, ids, vectors) VALUES (:cell, :version, :ids, :vectors)"),
            {"cell": cell, "version": int(stamp), "ids": struct.pack(f"<{len(rows)}q", *(r[0] for r in rows)),
             "vectors": b"".join(r[1] for r in rows)},
        )


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("similar_packs")
