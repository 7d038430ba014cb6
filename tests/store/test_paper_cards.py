"""Paper cards (store/paper_cards.py, revision 0022): every card equals what it is made of; any change to
what it is made of drops it in the change's transaction, so results are right before the refill; a bulk load
queues every card and the update after it fills them; 0022 goes down and up on a populated database; a
database older than the cards still searches."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import migrate as migrations
from corpus_db.store import paper_cards, search_index
from corpus_db.store.lock import writer_lock
from corpus_db.store.search import search
from corpus_db.store.search_index import update
from tests.paths import ROOT, SEEDS

COMPUTED_SQL = f"SELECT p.id, {paper_cards.COMPUTED} FROM papers p ORDER BY p.id"
CARDS_SQL = "SELECT paper_id, authors, tag_ids, repos, sources FROM paper_cards ORDER BY paper_id"


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _stale(db: Path) -> set[int]:
    return {pid for (pid,) in _rows(db, "SELECT paper_id FROM paper_cards_stale")}


def _edit(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    try:
        with conn:
            for sql in statements:
                conn.execute(sql)
    finally:
        conn.close()


def _hits(db: Path, query: str) -> list[tuple]:
    """What the hits show of their papers beyond the papers' own rows, by id (the seeded copy searches FTS5
    until an update builds its index, tantivy after: the same papers, not in the same order)."""
    return sorted((h.id, h.authors, h.tags, h.keywords, h.repos, h.sources) for h in search(db, query, limit=500))


def test_the_triggers_are_the_migrations() -> None:
    import importlib.util

    path = ROOT / "migrations" / "versions" / "0022_paper_cards.py"
    spec = importlib.util.spec_from_file_location("revision_0022", path)
    assert spec and spec.loader
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    assert revision.TRIGGERS == paper_cards.TRIGGERS


def test_after_an_import_every_paper_has_the_card_its_rows_make(seeded_db: Path) -> None:
    cards = _rows(seeded_db, CARDS_SQL)
    assert len(cards) == len(_rows(seeded_db, "SELECT id FROM papers")) > 300
    assert cards == _rows(seeded_db, COMPUTED_SQL)
    assert _stale(seeded_db) == set()
    assert any(repos != "[]" for _, _, _, repos, _ in cards) and any(n > 1 for *_, n in cards)


CHANGES = {
    "an author renamed": ("UPDATE authors SET name = name || ' Jr.' WHERE id = "
                          "(SELECT author_id FROM paper_authors WHERE paper_id = {pid} LIMIT 1)",),
    "a byline shortened": ("DELETE FROM paper_authors WHERE paper_id = {pid} AND position = 1",),
    "a tag added": ("INSERT OR IGNORE INTO tags (name, fold_key, kind) "
                    "VALUES ('zz-card-test', 'zz-card-test', 'curated')",
                    "INSERT INTO paper_tags (paper_id, tag_id, origin) "
                    "SELECT {pid}, id, 'test' FROM tags WHERE name = 'zz-card-test'"),
    "tags removed": ("DELETE FROM paper_tags WHERE paper_id = {pid}",),
    "a repo moved": ("UPDATE repos SET url = url || '-moved' WHERE id IN "
                     "(SELECT repo_id FROM paper_repos WHERE paper_id = {pid})",),
    "a repo link removed": ("DELETE FROM paper_repos WHERE paper_id = {pid}",),
    "a listing unlisted": ("UPDATE paper_sources SET listed = 0 WHERE paper_id = {pid}",),
    "a listing moved to another paper": ("UPDATE paper_sources SET paper_id = {pid} WHERE id = "
                                         "(SELECT min(id) FROM paper_sources WHERE source_id NOT IN "
                                         "(SELECT source_id FROM paper_sources WHERE paper_id = {pid}))",),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_in_sql_drops_the_card_at_once_and_the_update_fills_it(seeded_db: Path, change: str) -> None:
    # A paper with repos and tags, given two authors (the seeds have none): every change above touches it.
    [(pid, title)] = _rows(seeded_db, """SELECT p.id, p.title FROM papers p WHERE
        (SELECT count(*) FROM paper_repos WHERE paper_id = p.id) > 0
        AND (SELECT count(*) FROM paper_tags WHERE paper_id = p.id) > 0 ORDER BY p.id LIMIT 1""")
    _edit(seeded_db, "INSERT INTO authors (name, name_key) VALUES ('Ada Card', 'ada card'), ('Bo Card', 'bo card')",
          f"INSERT INTO paper_authors (paper_id, position, author_id, raw_name) SELECT {pid}, id - "
          "(SELECT min(id) FROM authors WHERE name LIKE '% Card') + 1, id, name FROM authors WHERE name LIKE '% Card'")
    with writer_lock(seeded_db):
        update(seeded_db)
    assert _stale(seeded_db) == set() and _rows(seeded_db, CARDS_SQL) == _rows(seeded_db, COMPUTED_SQL)
    query = f'"{title}"'
    before = _hits(seeded_db, query)
    _edit(seeded_db, *(sql.format(pid=pid) for sql in CHANGES[change]))
    after = _rows(seeded_db, COMPUTED_SQL)
    assert pid in _stale(seeded_db)
    assert pid not in {row[0] for row in _rows(seeded_db, CARDS_SQL)}
    # Read before any refill: the hit shows the change, computed from the rows.
    changed = _hits(seeded_db, query)
    assert pid in {hit[0] for hit in before} and changed != before
    with writer_lock(seeded_db):
        result = update(seeded_db)
    assert result.cards >= 1 and "paper cards filled" in search_index.describe(result)
    assert _stale(seeded_db) == set()
    assert _rows(seeded_db, CARDS_SQL) == _rows(seeded_db, COMPUTED_SQL) == after
    assert _hits(seeded_db, query) == changed


def test_a_deleted_paper_takes_its_card_with_it(seeded_db: Path) -> None:
    [(pid,)] = _rows(seeded_db, "SELECT max(paper_id) FROM paper_cards")
    _edit(seeded_db, "PRAGMA foreign_keys = ON", f"DELETE FROM papers WHERE id = {pid}")
    assert pid in _stale(seeded_db)
    with writer_lock(seeded_db):
        update(seeded_db)
    assert pid not in {row[0] for row in _rows(seeded_db, CARDS_SQL)} and _stale(seeded_db) == set()
    assert _rows(seeded_db, CARDS_SQL) == _rows(seeded_db, COMPUTED_SQL)


def test_an_unchanged_reimport_keeps_every_card(seeded_db: Path) -> None:
    cards = _rows(seeded_db, CARDS_SQL)
    totals, _ = run_import(seeded_db, [SourceTask.for_path(p) for p in expand_paths([SEEDS])], force=True)
    assert totals.sources_failed == 0
    assert _rows(seeded_db, CARDS_SQL) == cards and _stale(seeded_db) == set()


def test_a_bulk_load_queues_every_card_in_its_transaction(db_path: Path) -> None:
    from corpus_db.store.db import connect
    from corpus_db.store.transaction import write_transaction

    conn = connect(db_path)
    try:
        with write_transaction(conn, db_path):
            conn.execute("INSERT INTO paper_cards VALUES (99, '[]', '[]', '[]', 0)")
            paper_cards.suspend(conn)
            assert conn.execute("SELECT count(*) FROM paper_cards").fetchone()[0] == 0
            assert paper_cards.stale_count(conn) is None
            paper_cards.resume(conn)
        assert paper_cards.ensure_triggers(conn) is False
    finally:
        conn.close()


def test_a_full_refill_makes_each_card_once_however_many_were_queued(seeded_db: Path) -> None:
    papers = len(_rows(seeded_db, "SELECT id FROM papers"))
    _edit(seeded_db, "DELETE FROM paper_tags WHERE paper_id <= 30", "INSERT INTO paper_cards_stale VALUES (0)")
    assert 0 in _stale(seeded_db) and len(_stale(seeded_db)) > 20
    with writer_lock(seeded_db):
        assert update(seeded_db).cards == papers
    assert _stale(seeded_db) == set() and _rows(seeded_db, CARDS_SQL) == _rows(seeded_db, COMPUTED_SQL)


def test_a_missing_trigger_is_restored_and_every_card_queued(seeded_db: Path) -> None:
    _edit(seeded_db, "DROP TRIGGER paper_cards_tags_ai")
    with writer_lock(seeded_db):
        result = update(seeded_db)
    assert result.cards == len(_rows(seeded_db, "SELECT id FROM papers"))
    assert "paper_cards_tags_ai" in {n for (n,) in _rows(seeded_db, "SELECT name FROM sqlite_master")}
    assert _rows(seeded_db, CARDS_SQL) == _rows(seeded_db, COMPUTED_SQL)


def test_many_stale_cards_of_a_big_corpus_are_filled_in_the_background(
    seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = len(_rows(seeded_db, "SELECT id FROM papers"))
    monkeypatch.setattr(search_index, "BACKGROUND_MIN_PAPERS", papers)
    monkeypatch.setattr(search_index, "BACKGROUND_MIN_CHANGES", 10)
    _edit(seeded_db, "DELETE FROM paper_tags WHERE paper_id <= 5")
    assert search_index._background_work(seeded_db) is None  # 5 cards: inline
    _edit(seeded_db, "DELETE FROM paper_tags WHERE paper_id <= 40")
    assert search_index._background_work(seeded_db) == f"filling {len(_stale(seeded_db))} paper cards"
    _edit(seeded_db, "DELETE FROM paper_cards_stale", "INSERT INTO paper_cards_stale VALUES (0)")
    assert search_index._background_work(seeded_db) == "filling every paper card"
    monkeypatch.setattr(search_index, "BACKGROUND_MIN_PAPERS", papers + 1)
    assert search_index._background_work(seeded_db) is None


def test_0022_goes_down_and_up_on_a_populated_database(seeded_db: Path) -> None:
    tables = ("papers", "paper_authors", "paper_tags", "paper_repos", "paper_sources", "authors", "repos")
    before = {t: _rows(seeded_db, f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables}
    hits = _hits(seeded_db, "learning")
    migrations.downgrade(seeded_db, "0021")
    names = {n for (n,) in _rows(seeded_db, "SELECT name FROM sqlite_master")}
    assert not {n for n in names if n.startswith("paper_cards")}
    assert _hits(seeded_db, "learning") == hits  # a database without cards computes what they hold
    migrations.migrate(seeded_db)
    assert migrations.current_revision(seeded_db) == migrations.SCHEMA_HEAD
    assert {t: _rows(seeded_db, f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables} == before
    assert _stale(seeded_db) == {paper_cards.ALL_STALE} and _rows(seeded_db, CARDS_SQL) == []
    assert _hits(seeded_db, "learning") == hits
    with writer_lock(seeded_db):
        update(seeded_db)
    assert _rows(seeded_db, CARDS_SQL) == _rows(seeded_db, COMPUTED_SQL) and _stale(seeded_db) == set()
    assert _hits(seeded_db, "learning") == hits
    assert _rows(seeded_db, "PRAGMA integrity_check") == [("ok",)]
