"""Paper cards: one row a paper with its byline, tag ids, repos and count of listing sources, which a page
of search results reads instead of four sub-selects (store/paper_cards.py says how they are kept right).

The tables start empty with every card queued (paper id 0): the next write command, or `corpus-db index`,
fills them (in the background for a big corpus: ~18 s at 1M papers). Readers compute a missing card, so
nothing reads differently meanwhile. Down: the triggers and both tables go; nothing else refers to them.

The trigger SQL is frozen here (store/paper_cards.py holds the same statements; a test compares). A later
revision that batch-alters a table they are on drops them with it: the next write command finds them
missing, restores them and queues every card again.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_STALE = ("DELETE FROM paper_cards WHERE paper_id = {id};\n"
          "  INSERT OR IGNORE INTO paper_cards_stale (paper_id) VALUES ({id});")
_STALE_ALL_OF = ("DELETE FROM paper_cards WHERE paper_id IN ({ids});\n"
                 "  INSERT OR IGNORE INTO paper_cards_stale (paper_id) {ids};")
_PAPERS_OF_AUTHOR = "SELECT paper_id FROM paper_authors WHERE author_id = {id}"
_PAPERS_OF_REPO = "SELECT paper_id FROM paper_repos WHERE repo_id = {id}"
_SOURCE_MOVED = ("WHEN old.paper_id IS NOT new.paper_id OR old.source_id IS NOT new.source_id "
                 "OR old.listed IS NOT new.listed")


def _links(table: str, short: str) -> list[tuple[str, str, list[str]]]:
    return [
        (f"paper_cards_{short}_ai", f"AFTER INSERT ON {table}", [_STALE.format(id="new.paper_id")]),
        (f"paper_cards_{short}_au", f"AFTER UPDATE ON {table}",
         [_STALE.format(id="old.paper_id"), _STALE.format(id="new.paper_id")]),
        (f"paper_cards_{short}_ad", f"AFTER DELETE ON {table}", [_STALE.format(id="old.paper_id")]),
    ]


_EVENTS: list[tuple[str, str, list[str]]] = [
    ("paper_cards_papers_ad", "AFTER DELETE ON papers", [_STALE.format(id="old.id")]),
    *_links("paper_authors", "authors"),
    *_links("paper_tags", "tags"),
    *_links("paper_repos", "repos"),
    ("paper_cards_sources_ai", "AFTER INSERT ON paper_sources", [_STALE.format(id="new.paper_id")]),
    # Only what the count reads: an unchanged record's upsert rewrites its row and must not cost a card.
    ("paper_cards_sources_au", f"AFTER UPDATE OF paper_id, source_id, listed ON paper_sources {_SOURCE_MOVED}",
     [_STALE.format(id="old.paper_id"), _STALE.format(id="new.paper_id")]),
    ("paper_cards_sources_ad", "AFTER DELETE ON paper_sources", [_STALE.format(id="old.paper_id")]),
    ("paper_cards_author_names_au", "AFTER UPDATE OF name ON authors WHEN old.name IS NOT new.name",
     [_STALE_ALL_OF.format(ids=_PAPERS_OF_AUTHOR.format(id="new.id"))]),
    ("paper_cards_author_names_ad", "AFTER DELETE ON authors",
     [_STALE_ALL_OF.format(ids=_PAPERS_OF_AUTHOR.format(id="old.id"))]),
    ("paper_cards_repo_urls_au",
     "AFTER UPDATE OF url, kind ON repos WHEN old.url IS NOT new.url OR old.kind IS NOT new.kind",
     [_STALE_ALL_OF.format(ids=_PAPERS_OF_REPO.format(id="new.id"))]),
    ("paper_cards_repo_urls_ad", "AFTER DELETE ON repos",
     [_STALE_ALL_OF.format(ids=_PAPERS_OF_REPO.format(id="old.id"))]),
]
TRIGGERS = {
    name: f"CREATE TRIGGER IF NOT EXISTS {name} {event} BEGIN\n" + "".join(f"  {s}\n" for s in body) + "END"
    for name, event, body in _EVENTS
}


def upgrade() -> None:
    op.create_table(
        "paper_cards",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("authors", sa.Text, nullable=False),  # JSON array of names, in byline order
        sa.Column("tag_ids", sa.Text, nullable=False),  # JSON array of tags.id
        sa.Column("repos", sa.Text, nullable=False),  # JSON array of URLs, code first
        sa.Column("sources", sa.Integer, nullable=False),  # sources listing the paper now
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_paper_cards")),
    )
    op.create_table(
        "paper_cards_stale",
        sa.Column("paper_id", sa.Integer, nullable=False),  # 0: every card
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_paper_cards_stale")),
    )
    for sql in TRIGGERS.values():
        op.execute(sql)
    op.execute("INSERT INTO paper_cards_stale (paper_id) VALUES (0)")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("paper_cards_stale")
    op.drop_table("paper_cards")
