"""Tags people can use, and the indexes that keep every browse page fast at a million papers.

Revision ID: 0010
Revises: 0005
Create Date: 2026-11-26

- tags.kind: curated (--tag, the taxonomy), arxiv-category, or keyword (a source's free keywords), so
  facets show curated tags and categories apart from thousands of keywords.
- tags.fold_key: near-duplicate spellings share one key and so one tag; existing duplicates are merged
  here, every paper keeping its link (to the merged tag).
- tags.paper_count: papers per tag, kept up to date by the writer, for facets and sorting.
- Indexes for newest-first lists: papers(published, id), papers(year, published, id) (replaces
  papers(year)), papers(first_seen); paper_tags(tag_id, paper_id), paper_sources(paper_id, source_id),
  paper_repos(repo_id, paper_id) and paper_authors(author_id, paper_id) replace their one-column indexes,
  so "has this tag", "listed by this source", "papers of this repo / author" are index-only.
- import_runs.first_paper_id / first_link_id: where the run's new papers and new listings start (ids
  only grow), for "new since the last sync".
- paper_overview is dropped and made again around the rebuild of tags (a view naming a table that a
  batch rebuild renames breaks the rename); the web no longer links to it (its facets timed out).

The fold rules and the category list are frozen here, so later edits to the application cannot change
what this revision did.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_CATEGORY_PATTERN = re.compile(r"^[a-z-]+\.[A-Z]{2}$")
_ARCHIVES = re.compile(
    r"^(astro-ph|cond-mat|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|nlin|nucl-ex|nucl-th|physics|quant-ph|"
    r"q-bio|q-fin|stat|econ|eess|cs|math)(\.[a-z-]+)?$"
)
_NOT_PLURAL = frozenset({
    "news", "physics", "mathematics", "economics", "statistics", "dynamics", "robotics", "genomics",
    "series", "species", "bias", "lens", "gas", "chaos", "corpus", "always", "its", "this", "has", "was",
    "analysis", "basis", "thesis", "synthesis", "diagnosis", "axis", "status", "virus", "focus", "census",
    "plus", "minus", "bus", "yes", "kubernetes", "ethics", "optics", "graphics", "semantics", "linguistics",
})


def _is_category(name: str) -> bool:
    return bool(_CATEGORY_PATTERN.match(name) or _ARCHIVES.match(name))


def _singular(word: str) -> str:
    if len(word) <= 3 or word in _NOT_PLURAL or word.endswith(("ss", "us", "is")) or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def _fold_key(name: str) -> str:
    if _is_category(name):
        return name
    words = [w for w in name.split("-") if w]
    if len(words) >= 3:
        initials = "".join(w[0] for w in words[:-1])
        if words[-1] in (initials, initials + "s"):
            words = words[:-1]
    return "-".join(_singular(w) for w in words) or name


# The view as 0004 made it, made again after the rebuild of tags.
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

_INDEX_SWAPS = (  # (table, old index, old columns, new index, new columns)
    ("paper_tags", "ix_paper_tags_tag_id", ["tag_id"], "ix_paper_tags_tag_id_paper_id", ["tag_id", "paper_id"]),
    ("paper_sources", "ix_paper_sources_paper_id", ["paper_id"], "ix_paper_sources_paper_id_source_id",
     ["paper_id", "source_id"]),
    ("papers", "ix_papers_year", ["year"], "ix_papers_year_published_id", ["year", "published", "id"]),
    ("paper_repos", "ix_paper_repos_repo_id", ["repo_id"], "ix_paper_repos_repo_id_paper_id", ["repo_id", "paper_id"]),
    ("paper_authors", "ix_paper_authors_author_id", ["author_id"], "ix_paper_authors_author_id_paper_id",
     ["author_id", "paper_id"]),
)
_NEW_INDEXES = (
    ("papers", "ix_papers_published_id", ["published", "id"]),
    ("papers", "ix_papers_first_seen", ["first_seen"]),
)


def _fold_tags(conn: sa.Connection) -> None:
    """Give every tag its kind and fold key; merge tags whose keys are equal into one."""
    rows = conn.execute(sa.text(
        """SELECT t.id, t.name,
                  EXISTS (SELECT 1 FROM paper_tags pt WHERE pt.tag_id = t.id AND pt.origin IN ('import', 'taxonomy')),
                  (SELECT count(*) FROM paper_tags pt WHERE pt.tag_id = t.id)
           FROM tags t"""
    )).fetchall()
    groups: dict[str, list[tuple[int, str, bool, int]]] = {}
    for tag_id, name, curated, uses in rows:
        groups.setdefault(_fold_key(name), []).append((tag_id, name, bool(curated), uses))
    conn.execute(sa.text("CREATE TEMP TABLE tag_fold (id INTEGER PRIMARY KEY, keep INTEGER, fold_key TEXT, kind TEXT)"))
    fold_rows = []
    for key, members in groups.items():
        # The spelling kept: a curated one, else the most used, else the shortest.
        members.sort(key=lambda m: (not m[2], -m[3], len(m[1]), m[1]))
        keep = members[0][0]
        curated = any(m[2] for m in members)
        kind = "arxiv-category" if _is_category(key) else ("curated" if curated else "keyword")
        fold_rows.extend({"id": m[0], "keep": keep, "key": key, "kind": kind} for m in members)
    if fold_rows:
        conn.execute(sa.text("INSERT INTO tag_fold VALUES (:id, :keep, :key, :kind)"), fold_rows)
    conn.execute(sa.text(
        """INSERT OR IGNORE INTO paper_tags (paper_id, tag_id, origin, source_id)
           SELECT pt.paper_id, f.keep, pt.origin, pt.source_id
           FROM paper_tags pt JOIN tag_fold f ON f.id = pt.tag_id WHERE f.keep != f.id"""
    ))
    conn.execute(sa.text("DELETE FROM paper_tags WHERE tag_id IN (SELECT id FROM tag_fold WHERE keep != id)"))
    conn.execute(sa.text("DELETE FROM tags WHERE id IN (SELECT id FROM tag_fold WHERE keep != id)"))
    conn.execute(sa.text(
        """UPDATE tags SET fold_key = (SELECT f.fold_key FROM tag_fold f WHERE f.id = tags.id),
                          kind = (SELECT f.kind FROM tag_fold f WHERE f.id = tags.id)"""
    ))
    conn.execute(sa.text("DROP TABLE temp.tag_fold"))


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS paper_overview")
    for table, old, _, new, columns in _INDEX_SWAPS:
        op.drop_index(old, table_name=table)
        op.create_index(new, table, columns)
    for table, name, columns in _NEW_INDEXES:
        op.create_index(name, table, columns)
    op.add_column("tags", sa.Column("fold_key", sa.Text))
    op.add_column("tags", sa.Column("kind", sa.Text, nullable=False, server_default="keyword"))
    op.add_column("tags", sa.Column("paper_count", sa.Integer, nullable=False, server_default="0"))
    _fold_tags(op.get_bind())
    op.execute(
        """UPDATE tags SET paper_count = coalesce((SELECT count(DISTINCT pt.paper_id) FROM paper_tags pt
                                                   WHERE pt.tag_id = tags.id), 0)"""
    )
    with op.batch_alter_table("tags") as batch:
        batch.alter_column("fold_key", existing_type=sa.Text, nullable=False)
        batch.create_unique_constraint("uq_tags_fold_key", ["fold_key"])
    op.create_index("ix_tags_kind_paper_count", "tags", ["kind", "paper_count"])
    op.execute(PAPER_OVERVIEW)
    op.add_column("import_runs", sa.Column("first_paper_id", sa.Integer))
    op.add_column("import_runs", sa.Column("first_link_id", sa.Integer))


def downgrade() -> None:
    """Tags merged by the upgrade stay merged (their papers keep the merged tag); the rest is undone."""
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("first_link_id")
        batch.drop_column("first_paper_id")
    op.drop_index("ix_tags_kind_paper_count", table_name="tags")
    op.execute("DROP VIEW IF EXISTS paper_overview")
    with op.batch_alter_table("tags") as batch:
        batch.drop_constraint("uq_tags_fold_key", type_="unique")
        batch.drop_column("paper_count")
        batch.drop_column("kind")
        batch.drop_column("fold_key")
    for table, name, _ in _NEW_INDEXES:
        op.drop_index(name, table_name=table)
    for table, old, old_columns, new, _ in _INDEX_SWAPS:
        op.drop_index(new, table_name=table)
        op.create_index(old, table, old_columns)
    op.execute(PAPER_OVERVIEW)
