"""The foundation: papers, sources and their links, tags, repos, import runs, and the FTS5 index.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Revisions are snapshots: the FTS statements are written out here, not imported from corpus_db.store.fts,
# so that a later change to the index gets its own revision instead of silently rewriting this one.
FTS_STATEMENTS = [
    """CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, content="papers", content_rowid="id",
       tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER papers_fts_ai AFTER INSERT ON papers BEGIN
  INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract);
END""",
    """CREATE TRIGGER papers_fts_ad AFTER DELETE ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract) VALUES ('delete', old.id, old.title, old.abstract);
END""",
    """CREATE TRIGGER papers_fts_au AFTER UPDATE OF title, abstract ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract) VALUES ('delete', old.id, old.title, old.abstract);
  INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract);
END""",
    "INSERT INTO papers_fts(papers_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("identity_key", sa.Text, nullable=False),
        sa.Column("arxiv_id", sa.Text),
        sa.Column("doi", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_key", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text),
        sa.Column("abstract_truncated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("first_seen", sa.Text, nullable=False),
        sa.Column("last_updated", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_papers")),
        sa.UniqueConstraint("identity_key", name=op.f("uq_papers_identity_key")),
        sa.UniqueConstraint("arxiv_id", name=op.f("uq_papers_arxiv_id")),
        sa.UniqueConstraint("doi", name=op.f("uq_papers_doi")),
    )
    op.create_index(op.f("ix_papers_title_key"), "papers", ["title_key"])
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("locator", sa.Text, nullable=False),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("listing_date", sa.Text),
        sa.Column("record_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("imported_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("locator", name=op.f("uq_sources_locator")),
    )
    op.create_table(
        "paper_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("record_key", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("line", sa.Integer),
        sa.Column("raw_record", sa.Text, nullable=False),
        sa.Column("record_hash", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_paper_sources_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_paper_sources_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_sources")),
        sa.UniqueConstraint("source_id", "record_key", name=op.f("uq_paper_sources_source_id_record_key")),
    )
    op.create_index(op.f("ix_paper_sources_paper_id"), "paper_sources", ["paper_id"])
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "paper_tags",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("tag_id", sa.Integer, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("source_id", sa.Integer),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_paper_tags_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_paper_tags_tag_id_tags"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_paper_tags_source_id_sources"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("paper_id", "tag_id", "origin", name=op.f("pk_paper_tags")),
    )
    op.create_index(op.f("ix_paper_tags_tag_id"), "paper_tags", ["tag_id"])
    op.create_table(
        "repos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repos")),
        sa.UniqueConstraint("url", name=op.f("uq_repos_url")),
    )
    op.create_table(
        "paper_repos",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("repo_id", sa.Integer, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("link", sa.Text, nullable=False),
        sa.Column("source_id", sa.Integer),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_paper_repos_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repos.id"], name=op.f("fk_paper_repos_repo_id_repos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_paper_repos_source_id_sources"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("paper_id", "repo_id", "origin", name=op.f("pk_paper_repos")),
    )
    op.create_index(op.f("ix_paper_repos_repo_id"), "paper_repos", ["repo_id"])
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("finished_at", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("sources_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sources_skipped", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sources_failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("inserted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("merged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message", sa.Text),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    for statement in FTS_STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS papers_fts")  # drops its shadow tables too
    for trigger in ("papers_fts_ai", "papers_fts_ad", "papers_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table("import_runs")
    op.drop_index(op.f("ix_paper_repos_repo_id"), table_name="paper_repos")
    op.drop_table("paper_repos")
    op.drop_table("repos")
    op.drop_index(op.f("ix_paper_tags_tag_id"), table_name="paper_tags")
    op.drop_table("paper_tags")
    op.drop_table("tags")
    op.drop_index(op.f("ix_paper_sources_paper_id"), table_name="paper_sources")
    op.drop_table("paper_sources")
    op.drop_table("sources")
    op.drop_index(op.f("ix_papers_title_key"), table_name="papers")
    op.drop_table("papers")
