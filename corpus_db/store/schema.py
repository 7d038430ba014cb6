"""The one statement of the schema. Alembic revisions move databases to it; autogenerate against a
migrated database must find nothing to do. The FTS5 index lives in fts.py (SQLAlchemy cannot model it)."""

from __future__ import annotations

import sqlalchemy as sa

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# Timestamps are ISO 8601 text in UTC: readable in every SQL client and in Datasette, sortable as text.
papers = sa.Table(
    "papers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("identity_key", sa.Text, nullable=False, unique=True),
    sa.Column("arxiv_id", sa.Text, unique=True),
    sa.Column("doi", sa.Text, unique=True),
    # The open scholarly graphs' identifiers (revision 0007): each names one work, so each is unique. Their
    # indexes hold only the papers that have one (revision 0019): an arXiv paper has none of the six.
    sa.Column("openalex_id", sa.Text),
    sa.Column("s2_corpus_id", sa.Text),
    sa.Column("pmid", sa.Text),
    sa.Column("pmcid", sa.Text),
    sa.Column("dblp_key", sa.Text),
    sa.Column("mag_id", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("title_key", sa.Text, nullable=False),
    sa.Column("abstract", sa.Text),
    sa.Column("abstract_truncated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("published", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("venue", sa.Text),
    sa.Column("first_seen", sa.Text, nullable=False),
    sa.Column("last_updated", sa.Text, nullable=False),
    sa.Column("title_hash", sa.Integer),  # rules.normalize.title_hash(title_key): what title look-ups use (0021)
    # Newest-first lists walk these (see web/listing.py); "new since" ranges use first_seen.
    sa.Index("ix_papers_published_id", "published", "id"),
    sa.Index("ix_papers_year_published_id", "year", "published", "id"),
    sa.Index("ix_papers_first_seen", "first_seen"),
    sa.Index("ix_papers_title_hash", "title_hash", sqlite_where=sa.text("title_hash IS NOT NULL")),
    *(
        sa.Index(f"ix_papers_{name}", name, unique=True, sqlite_where=sa.text(f"{name} IS NOT NULL"))
        for name in ("openalex_id", "s2_corpus_id", "pmid", "pmcid", "dblp_key", "mag_id")
    ),
)

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("locator", sa.Text, nullable=False, unique=True),  # absolute path or URL
    sa.Column("name", sa.Text),
    sa.Column("format", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("listing_date", sa.Text),
    sa.Column("record_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("imported_at", sa.Text, nullable=False),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    # The dump file's identity when content_hash was taken from it (ingest/digest.py): an import that finds
    # the same identity trusts the hash without reading the file. Always written with content_hash.
    sa.Column("file_identity", sa.Text),
)

paper_sources = sa.Table(
    "paper_sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    sa.Column("record_key", sa.Text, nullable=False),  # the record's identity within its source
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("line", sa.Integer),
    sa.Column("raw_record", sa.Text, nullable=False),
    sa.Column("record_hash", sa.Text, nullable=False),
    sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("unlisted_at", sa.Text),
    sa.UniqueConstraint("source_id", "record_key"),
    # Re-imports recognise unchanged records by fingerprint before parsing them.
    # Covering: a re-import asks "listed?" and "which key?" of every fingerprint it recognises (revision 0015).
    sa.Index("ix_paper_sources_source_id_record_hash_listed_record_key", "source_id", "record_hash", "listed",
             "record_key"),
    # "Is this paper listed by that source" and "how many list it" (every search hit) without reading the
    # (large) row (revision 0017 added `listed`).
    sa.Index("ix_paper_sources_paper_id_source_id_listed", "paper_id", "source_id", "listed"),
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("fold_key", sa.Text, nullable=False, unique=True),  # near-duplicate spellings share it
    sa.Column("kind", sa.Text, nullable=False, server_default="keyword"),  # curated, arxiv-category, keyword
    sa.Column("paper_count", sa.Integer, nullable=False, server_default="0"),  # kept up to date by the writer
    sa.Index("ix_tags_kind_paper_count", "kind", "paper_count"),
)

paper_tags = sa.Table(
    "paper_tags",
    metadata,
    sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.Integer, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("origin", sa.Text, primary_key=True),  # "import --tag", "taxonomy", "source"
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="SET NULL")),
    sa.Index("ix_paper_tags_tag_id_paper_id", "tag_id", "paper_id"),  # a tag's papers, index-only
    sqlite_with_rowid=False,  # the primary key is the table: one B-tree less per row (revision 0020)
)

repos = sa.Table(
    "repos",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("url", sa.Text, nullable=False, unique=True),  # canonical URL
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("name", sa.Text),
    sa.Column("kind", sa.Text, nullable=False),  # code, model, dataset, space, collection, profile, project
)

paper_repos = sa.Table(
    "paper_repos",
    metadata,
    sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("repo_id", sa.Integer, sa.ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("origin", sa.Text, primary_key=True),  # "abstract", "hf:githubRepo", "pwc:links", ...
    sa.Column("link", sa.Text, nullable=False),  # the link as written, sub-path and all
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="SET NULL")),
    sa.Index("ix_paper_repos_repo_id_paper_id", "repo_id", "paper_id"),  # papers per repo, index-only
)

authors = sa.Table(
    "authors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),  # display form
    sa.Column("name_key", sa.Text, nullable=False, unique=True),  # matching form
)

paper_authors = sa.Table(
    "paper_authors",
    metadata,
    sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id", ondelete="CASCADE"), nullable=False),
    sa.Column("raw_name", sa.Text, nullable=False),
    sa.Index("ix_paper_authors_author_id_paper_id", "author_id", "paper_id"),  # an author's papers, index-only
    sqlite_with_rowid=False,  # as paper_tags (revision 0020)
)

# Identifiers a graph merged into others (OpenAlex merged_ids): the old id resolves to the new one.
merged_ids = sa.Table(
    "merged_ids",
    metadata,
    sa.Column("scheme", sa.Text, primary_key=True),  # the papers column, e.g. openalex_id
    sa.Column("old_id", sa.Text, primary_key=True),
    sa.Column("new_id", sa.Text, nullable=False),
)

import_runs = sa.Table(
    "import_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("command", sa.Text, nullable=False),
    sa.Column("started_at", sa.Text, nullable=False),
    sa.Column("finished_at", sa.Text),
    sa.Column("status", sa.Text, nullable=False),  # running, ok, failed, partial, interrupted
    sa.Column("sources_total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sources_skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sources_failed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("inserted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("merged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", sa.Text),
    # The process that ran it: a 'running' row whose process is gone was killed (see runs.py).
    sa.Column("pid", sa.Integer),
    sa.Column("host", sa.Text),
    sa.Column("details", sa.Text),  # tracebacks of unexpected failures (never shown on the terminal)
    # Papers and listings a run added have ids from these on (ids only grow): "new since the last sync".
    sa.Column("first_paper_id", sa.Integer),
    sa.Column("first_link_id", sa.Integer),
)

# Records a source could not give us; replaced at each import of the source (a fixed file clears them).
rejected_records = sa.Table(
    "rejected_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),  # the record's ordinal in its source
    sa.Column("line", sa.Integer),  # where it starts, where the format has lines
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("excerpt", sa.Text, nullable=False),  # the start of the record, capped, printable
    sa.Column("rejected_at", sa.Text, nullable=False),
)

# The search index's queue and state (store/search_outbox.py, store/search_index.py): triggers on papers
# and paper_authors queue changed paper ids; the index beside the database drains the queue.
search_outbox = sa.Table(
    "search_outbox",
    metadata,
    sa.Column("paper_id", sa.Integer, primary_key=True, autoincrement=False),  # 0: rebuild everything
)

search_index = sa.Table(
    "search_index",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("generation", sa.Text, nullable=False),  # the folder beside the database readers open
    sa.Column("version", sa.Integer, nullable=False),  # bumped at every commit, so readers know to reload
    sa.Column("papers", sa.Integer, nullable=False),
    sa.Column("built_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
)

# Paper cards (store/paper_cards.py): what a page of search results shows of each paper beyond its own row,
# derived, dropped by triggers when what they are made from changes, queued in paper_cards_stale and refilled.
paper_cards = sa.Table(
    "paper_cards",
    metadata,
    sa.Column("paper_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("authors", sa.Text, nullable=False),  # JSON array of names, in byline order
    sa.Column("tag_ids", sa.Text, nullable=False),  # JSON array of tags.id
    sa.Column("repos", sa.Text, nullable=False),  # JSON array of URLs, code first
    sa.Column("sources", sa.Integer, nullable=False),  # sources listing the paper now
)

paper_cards_stale = sa.Table(
    "paper_cards_stale",
    metadata,
    sa.Column("paper_id", sa.Integer, primary_key=True, autoincrement=False),  # 0: every card
)

# Similar papers (the optional `similar` extra; store/vectors.py). One int8 vector per paper, clustered by
# its k-means cell so that a query reads the rows of a few cells in order; text_hash says which title and
# abstract the vector was made from, so an import re-embeds only papers whose text changed.
paper_vectors = sa.Table(
    "paper_vectors",
    metadata,
    sa.Column("cell", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True,
              autoincrement=False),
    sa.Column("text_hash", sa.Text, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
    sa.Index("ix_paper_vectors_paper_id", "paper_id", unique=True),
    sqlite_with_rowid=False,
)

similar_cells = sa.Table(
    "similar_cells",
    metadata,
    sa.Column("cell", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("centroid", sa.LargeBinary, nullable=False),  # float32 bytes
)

# Each cell's vectors in one row (store/vectors.py): a query reads a few packs instead of tens of thousands
# of rows. Derived from paper_vectors, whose triggers (revision 0012) delete a cell's pack whenever its rows
# change; a missing pack means "read the rows".
similar_packs = sa.Table(
    "similar_packs",
    metadata,
    sa.Column("cell", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),  # similar_state's version when it was packed
    sa.Column("ids", sa.LargeBinary, nullable=False),  # little-endian int64 paper ids, ascending
    sa.Column("vectors", sa.LargeBinary, nullable=False),  # int8 vectors in the same order
)

# model, embedded_through (the last_updated watermark of the last complete pass), cells_trained_on.
similar_state = sa.Table(
    "similar_state",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# The papers changed since the last embedding pass, found without reading every paper row.
sa.Index("ix_papers_last_updated", papers.c.last_updated)
