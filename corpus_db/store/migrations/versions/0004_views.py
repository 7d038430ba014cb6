"""Views for browsing in Datasette: paper_overview, one row per paper with its tags, sources and repos
as JSON arrays (Datasette offers array facets on them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

The view SQL is frozen here rather than imported, so that later edits to the application cannot change
what this revision did. A later revision that batch-alters a table these views read must drop them first
and recreate them after: renaming the rebuilt table fails while a view names the dropped one.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The file name of a locator: what is left after removing everything up to the last '/'.
_SOURCE_LABEL = "coalesce(s.name, replace(s.locator, rtrim(s.locator, replace(s.locator, '/', '')), ''))"

PAPER_OVERVIEW = f"""
CREATE VIEW paper_overview AS
SELECT
  p.id,
  p.title,
  p.year,
  p.published,
  p.arxiv_id,
  p.doi,
  (SELECT json_group_array(name) FROM (
     SELECT DISTINCT t.name FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id
     WHERE pt.paper_id = p.id ORDER BY t.name)) AS tags,
  (SELECT json_group_array(label) FROM (
     SELECT DISTINCT {_SOURCE_LABEL} AS label FROM paper_sources ps JOIN sources s ON s.id = ps.source_id
     WHERE ps.paper_id = p.id ORDER BY label)) AS sources,
  (SELECT json_group_array(url) FROM (
     SELECT DISTINCT r.url FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id
     WHERE pr.paper_id = p.id ORDER BY r.url)) AS repos,
  (SELECT count(DISTINCT ps.source_id) FROM paper_sources ps WHERE ps.paper_id = p.id) AS source_count,
  p.first_seen
FROM papers p
"""

VIEWS = {"paper_overview": PAPER_OVERVIEW}


def upgrade() -> None:
    for sql in VIEWS.values():
        op.execute(sql)


def downgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
