"""The search index beside the database: every change reaches it through the outbox, readers fall back
to FTS5 (and say so) whenever it is missing or behind, and a rebuild or an update repeats safely."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import search_outbox
from corpus_db.store.lock import writer_lock
from corpus_db.store.search import search
from corpus_db.store.search_index import index_root, load_common, read_state, update
from tests.paths import ROOT
from tests.search_support import opened_index

RECORDS = [(f"Paper number {i} about topic{i}", f"Abstract {i} discusses topic{i} at length.") for i in range(1, 101)]


def listing(path: Path, records: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{t}\n{a}\n" for t, a in records), encoding="utf-8")
    return path


@pytest.fixture
def imported(db_path: Path, tmp_path: Path) -> Path:
    run_import(db_path, [SourceTask.for_path(listing(tmp_path / "dump.txt", RECORDS), format="listing")])
    return db_path


def titles(db_path: Path, query: str, engine: str = "tantivy") -> list[str]:
    page = search(db_path, query)
    assert page.engine == engine, page.fallback_reason
    return [h.title for h in page]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corpus_db", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_an_import_reaches_the_index(imported: Path) -> None:
    page = search(imported, "topic7")
    assert (page.engine, page.fallback_reason) == ("tantivy", None)
    assert [h.title for h in page] == [RECORDS[6][0]]
    assert "[topic7]" in page[0].snippet
    conn = sqlite3.connect(imported)
    assert not search_outbox.pending(conn) and read_state(conn).papers == 100


def test_an_edit_and_an_unlist_reach_results(imported: Path, tmp_path: Path) -> None:
    edited = list(RECORDS)
    edited[41] = (RECORDS[41][0], "A rewritten abstract about zeppelins.")
    del edited[10]
    run_import(imported, [SourceTask.for_path(listing(tmp_path / "dump.txt", edited), format="listing")])
    assert titles(imported, "zeppelins") == [RECORDS[41][0]]
    assert titles(imported, '"discusses topic42"') == []
    [unlisted] = search(imported, "topic11")
    assert unlisted.sources == 0  # no source lists it now; the paper is kept


def test_a_change_made_in_sql_falls_back_to_fts5_until_the_index_catches_up(imported: Path) -> None:
    conn = sqlite3.connect(imported)
    with conn:
        conn.execute("UPDATE papers SET title = 'Airships at altitude' WHERE title = ?", (RECORDS[4][0],))
        conn.execute("DELETE FROM papers WHERE title = ?", (RECORDS[5][0],))
    page = search(imported, "airships")
    assert page.engine == "fts5" and "behind" in page.fallback_reason
    assert [h.title for h in page] == ["Airships at altitude"]  # FTS5's triggers keep it current meanwhile
    as_json = json.loads(cli("search", str(imported), "airships", "--json").stdout)
    assert as_json["engine"] == "fts5" and "behind" in as_json["fallback_reason"]
    with writer_lock(imported):
        assert update(imported).action == "applied"
    assert titles(imported, "airships") == ["Airships at altitude"]
    assert titles(imported, "topic5") == ["Airships at altitude"] and titles(imported, "topic6") == []
    assert update(imported).action == "none"  # idempotent
    # The state counts the index's documents after an update (not count(*)): one a paper, the deleted gone.
    assert read_state(conn).papers == conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 99


def test_a_kept_connection_sees_each_commit_and_a_removed_index(imported: Path) -> None:
    """A search worker keeps one connection and skips reading the index state while nothing was committed:
    a commit by another connection (SQL edit, update) or a removed folder must still reach its next search."""
    from corpus_db.store.db import connect_read_only
    from corpus_db.store.search import search_connection

    kept = connect_read_only(imported)

    def engine(query: str) -> tuple[str, list[str]]:
        page = search_connection(kept, query, db_path=imported)
        return page.engine, [h.title for h in page]

    assert engine("topic4") == ("tantivy", [RECORDS[3][0]])
    assert engine("topic4") == ("tantivy", [RECORDS[3][0]])  # the state unread: the same answer
    conn = sqlite3.connect(imported)
    with conn:
        conn.execute("UPDATE papers SET title = 'Airships at altitude' WHERE title = ?", (RECORDS[4][0],))
    assert engine("airships") == ("fts5", ["Airships at altitude"])
    with writer_lock(imported):
        assert update(imported).action == "applied"
    assert engine("airships") == ("tantivy", ["Airships at altitude"])
    shutil.rmtree(index_root(imported))
    page = search_connection(kept, "airships", db_path=imported)
    assert page.engine == "fts5" and "missing" in page.fallback_reason
    kept.close()


def test_a_missing_or_broken_index_falls_back_to_fts5_and_index_rebuilds_it(imported: Path) -> None:
    assert titles(imported, "topic9") == [RECORDS[8][0]]
    shutil.rmtree(index_root(imported))
    page = search(imported, "topic9")
    assert page.engine == "fts5" and "missing" in page.fallback_reason and [h.title for h in page] == [RECORDS[8][0]]
    result = cli("index", str(imported))
    assert result.returncode == 0 and "rebuilt (100 papers" in result.stdout, result.stderr
    assert titles(imported, "topic9") == [RECORDS[8][0]]
    generation = index_root(imported) / read_state(sqlite3.connect(imported)).generation
    (generation / "meta.json").write_text("{ not json")
    page = json.loads(cli("search", str(imported), "topic9", "--json").stdout)  # a process that opens it anew
    assert page["engine"] == "fts5" and "cannot be opened" in page["fallback_reason"]
    assert [h["title"] for h in page["hits"]] == [RECORDS[8][0]]
    assert cli("index", str(imported), "--rebuild").returncode == 0
    assert titles(imported, "topic9") == [RECORDS[8][0]]
    assert len(list(index_root(imported).iterdir())) == 1  # the old generation is gone


def test_a_database_without_an_index_state_searches_with_fts5(imported: Path) -> None:
    conn = sqlite3.connect(imported)
    with conn:
        conn.execute("DELETE FROM search_index")
    page = search(imported, "topic3")
    assert page.engine == "fts5" and "corpus-db index" in page.fallback_reason


def test_dropped_triggers_are_restored_and_the_index_rebuilt(imported: Path) -> None:
    conn = sqlite3.connect(imported)
    with conn:  # what a batch migration that recreates papers does to them
        conn.execute("DROP TRIGGER search_outbox_papers_au")
        conn.execute("UPDATE papers SET title = 'Unnoticed dirigibles' WHERE title = ?", (RECORDS[2][0],))
    assert search_outbox.triggers_missing(conn) == {"search_outbox_papers_au"}
    with writer_lock(imported):
        assert update(imported).action == "rebuilt"
    assert not search_outbox.triggers_missing(conn)
    assert titles(imported, "dirigibles") == ["Unnoticed dirigibles"]


def test_migration_triggers_are_the_modules(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    stored = {name: sql for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_outbox_%'")}
    expected = {n: s.replace(" IF NOT EXISTS", "") for n, s in search_outbox.TRIGGERS.items()}
    assert stored == expected


def test_a_bulk_load_queues_one_rebuild_instead_of_every_paper(db_path: Path) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("DELETE FROM search_outbox")
    search_outbox.suspend(conn)
    conn.execute("INSERT INTO papers (identity_key, title, title_key, first_seen, last_updated) "
                 "VALUES ('k', 'Bulk paper', 'bulk paper', 'now', 'now')")
    search_outbox.resume(conn)
    conn.execute("COMMIT")
    assert [pid for (pid,) in conn.execute("SELECT paper_id FROM search_outbox")] == [search_outbox.REBUILD_ALL]
    assert not search_outbox.triggers_missing(conn)


def test_author_names_match_and_filter(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    with conn:
        for pid, (title, name) in enumerate((("Sparse routing", "Ada Lovelace"), ("Dense routing", "Alan Turing")), 1):
            conn.execute("INSERT INTO papers (id, identity_key, title, title_key, abstract, first_seen, last_updated) "
                         "VALUES (?, ?, ?, ?, 'About routing.', 'now', 'now')", (pid, title, title, title.lower()))
            conn.execute("INSERT INTO authors (id, name, name_key) VALUES (?, ?, ?)", (pid, name, name.lower()))
            conn.execute("INSERT INTO paper_authors (paper_id, position, author_id, raw_name) VALUES (?, 1, ?, ?)",
                         (pid, pid, name))
    with writer_lock(db_path):
        update(db_path)
    assert titles(db_path, "lovelace") == ["Sparse routing"]
    assert [h.title for h in search(db_path, "routing", author="Turing Alan")] == ["Dense routing"]
    assert search(db_path, "routing", author="Turing")[0].authors == ["Alan Turing"]
    with writer_lock(db_path):
        update(db_path, rebuild=True)
    conn.execute("DELETE FROM search_index")
    conn.commit()
    assert [h.title for h in search(db_path, "routing", author="turing")] == ["Dense routing"]  # FTS5 too


def test_the_fts5_fallback_filters_by_the_words_of_author_names_as_the_index_does(db_path: Path) -> None:
    from corpus_db.rules.normalize import name_key
    from corpus_db.store.search import search_connection

    bylines = {"Routing one": ["Wei Li"], "Routing two": ["Lin Wang"], "Routing three": ["Olivia Lindqvist"],
               "Routing four": ["Søren Li", "Björn Wang"], "Routing five": ["Alan Turing"]}
    conn = sqlite3.connect(db_path)
    with conn:
        for pid, (title, names) in enumerate(bylines.items(), 1):
            conn.execute("INSERT INTO papers (id, identity_key, title, title_key, abstract, first_seen, last_updated) "
                         "VALUES (?, ?, ?, ?, 'About routing.', 'now', 'now')", (pid, title, title, title.lower()))
            for position, name in enumerate(names):
                author_id = conn.execute("INSERT INTO authors (name, name_key) VALUES (?, ?)",
                                         (name, name_key(name))).lastrowid
                conn.execute("INSERT INTO paper_authors (paper_id, position, author_id, raw_name) VALUES (?, ?, ?, ?)",
                             (pid, position, author_id, name))
    with writer_lock(db_path):
        update(db_path)
    expected = {"li": {"Routing one", "Routing four"}, "Li Wei": {"Routing one"}, "lin": {"Routing two"},
                "wang": {"Routing two", "Routing four"}, "Wang Søren": {"Routing four"}, "björn": {"Routing four"},
                "BJORN": {"Routing four"}, "lindqvist, olivia": {"Routing three"}, "liu": set(),
                # "ø" has no decomposition: name_key keeps it, the index folds it, and so must FTS5's filter.
                "soren": {"Routing four"}, "SØREN li": {"Routing four"}, "sxren": set(),
                "Li li LI": {"Routing one", "Routing four"},
                # Past SQLite's expression depth, had each word been a condition of its own:
                " ".join(f"w{i}" for i in range(2000)) + " li": set()}
    read = sqlite3.connect(db_path)
    for author, titles_expected in expected.items():
        for engine in (None, "fts5"):
            page = search_connection(read, "routing", db_path=db_path, author=author, engine=engine)
            assert page.engine == (engine or "tantivy")
            assert {h.title for h in page} == titles_expected, (author[:20], engine)


def test_the_fts5_fallback_filters_fts5s_matches_by_author_instead_of_one_lookup_per_listed_paper(
    db_path: Path,
) -> None:
    """A bare `rowid IN (...)` reached FTS5 as a rowid constraint (idxStr "=M..."): one full-text query per
    paper the author filter listed, 14 s for "model" by "li" at 100k papers. The plan must filter instead."""
    import json

    from corpus_db.store import search as search_module

    sql = search_module._FTS_SQL.format(author=search_module._FTS_AUTHOR)
    params = {"match": '"model"', "limit": 21, "offset": 0, "names": json.dumps(["li"]), "name_count": 1}
    plan = [row[3] for row in sqlite3.connect(db_path).execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    fts_scan = next(step for step in plan if "papers_fts VIRTUAL TABLE" in step)
    assert "=" not in fts_scan.split("INDEX", 1)[1], plan


def test_paging_goes_past_the_first_page(imported: Path) -> None:
    first = search(imported, "abstract", limit=40)
    second = search(imported, "abstract", limit=40, offset=40)
    third = search(imported, "abstract", limit=40, offset=80)
    assert first.more and second.more and not third.more
    ids = [h.id for page in (first, second, third) for h in page]
    assert len(ids) == len(set(ids)) == 100


async def test_a_published_snapshot_searches_its_own_index_without_the_writer(imported: Path, tmp_path: Path) -> None:
    from datasette.app import Datasette

    from corpus_db.store.publish import publish

    out = tmp_path / "site" / "corpus.db"
    publish(imported, out)
    for leftover in imported.parent.glob(imported.name + "*"):  # the live database, its index and its lock
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    assert titles(out, "topic7") == [RECORDS[6][0]]
    ds = Datasette(immutables=[str(out)])
    body = (await ds.client.get("/corpus/search.json?q=topic7")).json()
    assert (body["engine"], body["fallback_reason"]) == ("tantivy", None)
    assert [r["title"] for r in body["rows"]] == [RECORDS[6][0]]


def test_a_big_rebuild_after_an_import_runs_in_the_background(imported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from corpus_db.store import search_index

    monkeypatch.setattr(search_index, "BACKGROUND_MIN_PAPERS", 50)
    monkeypatch.delenv(search_index.INLINE_ENV, raising=False)
    conn = sqlite3.connect(imported)
    with conn:
        search_outbox.request_rebuild(conn)
    with writer_lock(imported):  # as run_import calls it: the child waits for this lock
        message = search_index.refresh(imported)
        assert "background" in message
        time.sleep(0.5)
        assert search(imported, "topic3").engine == "fts5"
    deadline = time.monotonic() + 60
    while search(imported, "topic3").engine != "tantivy" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert titles(imported, "topic3") == [RECORDS[2][0]]
    log = Path(f"{index_root(imported)}.log")
    # The child names the new generation before it logs the line: under load the log can lag the search.
    while "rebuilt (100 papers" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "rebuilt (100 papers" in log.read_text()


def test_an_update_of_many_papers_of_a_big_corpus_runs_in_the_background(
    imported: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A re-import that changed 1% of a million papers left 2 s of index update in the command; it is
    applied by a process of its own, FTS5 answering until then. Fewer changes are applied at once."""
    import time

    from corpus_db.store import search_index

    monkeypatch.setattr(search_index, "BACKGROUND_MIN_PAPERS", 50)
    monkeypatch.setattr(search_index, "BACKGROUND_MIN_CHANGES", 5)
    monkeypatch.delenv(search_index.INLINE_ENV, raising=False)
    conn = sqlite3.connect(imported)
    with conn:  # four changes: under the threshold, applied within the command
        conn.execute("UPDATE papers SET abstract = 'About zeppelins.' WHERE id IN (1, 2, 3, 4)")
    with writer_lock(imported):
        message = search_index.refresh(imported)
    assert "4 changed papers applied" in message and "applying" not in message, message
    assert len(titles(imported, "zeppelins")) == 4
    with conn:  # six: over it
        conn.execute("UPDATE papers SET abstract = 'About dirigibles.' WHERE id BETWEEN 11 AND 16")
    conn.close()
    with writer_lock(imported):  # as run_import calls it: the child waits for this lock
        message = search_index.refresh(imported)
        assert "applying 6 changed papers in the background (pid" in message, message
        time.sleep(0.5)
        page = search(imported, "dirigibles")
        assert page.engine == "fts5" and page.fallback_reason and len(page) == 6  # behind: FTS5, and right
    deadline = time.monotonic() + 60
    while search(imported, "dirigibles").engine != "tantivy" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sorted(titles(imported, "dirigibles")) == sorted(RECORDS[i][0] for i in range(10, 16))
    after = sqlite3.connect(imported)
    assert not search_outbox.pending(after)
    after.close()


def _live_and_kept(db_path: Path, query: str) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    from corpus_db.store import search_engine
    from corpus_db.store.typed_query import parse

    opened = opened_index(db_path)
    kept = search_engine.ranked_ids(opened, parse(query), limit=20, offset=0, author=None)
    top, opened.top = opened.top, {}
    try:
        live = search_engine.ranked_ids(opened, parse(query), limit=20, offset=0, author=None)
    finally:
        opened.top = top
    return live, kept


def test_common_prefixes_are_ranked_once_and_answer_as_the_live_query_would(imported: Path, tmp_path: Path) -> None:
    from corpus_db.store import search_top

    state = read_state(sqlite3.connect(imported))
    kept_file = index_root(imported) / state.generation / search_top.TOP_FILE
    kept = search_top._read(kept_file.parent)["prefixes"]
    assert "pape" in kept and "pap" in kept and "topi" in kept  # in every paper: kept
    assert not any(gram.startswith("zep") for gram in kept)  # in none: searched live
    live, answered = _live_and_kept(imported, "pape*")
    assert answered == live and len(live) == 20
    live, answered = _live_and_kept(imported, "pap*")  # 3 letters: the 4-letter grams it starts
    assert answered == live and len(live) == 20
    assert "=paper" in kept and "=discuss" in kept and "=topic7" not in kept  # common words, by their stems
    live, answered = _live_and_kept(imported, "papers")
    assert answered == live and len(live) == 20
    # An edit reaches the kept ranking: a paper that says "paper" most now comes first.
    edited = list(RECORDS)
    edited[41] = ("Paper paper paper papers", "A paper on papers.")
    run_import(imported, [SourceTask.for_path(listing(tmp_path / "dump.txt", edited), format="listing")])
    live, answered = _live_and_kept(imported, "pape*")
    assert answered == live
    assert search(imported, "pape*")[0].title == "Paper paper paper papers"
    live, answered = _live_and_kept(imported, "paper")
    assert answered == live and search(imported, "paper")[0].title == "Paper paper paper papers"


# Scores that differ paper by paper: "paper" i times in abstract i (more of it ranks higher).
GRADED = [(f"Study {i} of topic{i}", f"Abstract {i} " + "papers " * i + "end.") for i in range(1, 101)]


def _kept_body(db_path: Path) -> dict:
    from corpus_db.store import search_top

    state = read_state(sqlite3.connect(db_path))
    body = search_top._read(index_root(db_path) / state.generation)
    assert body is not None
    return body


def _put_kept(path: Path, body: dict) -> None:
    """Write a kept file as search_top does (its header line, the served pairs, then the rankings), from a
    body as read."""
    from corpus_db.store import search_top

    header = {key: value for key, value in body.items() if key != "prefixes"}
    keys = sorted(body["prefixes"])
    served = [[(pid, score) for pid, score in body["prefixes"][key][:search_top.TOP_K]] for key in keys]
    block = b"".join(search_top._pairs_bytes(hits) for hits in served)
    header.update(keys=keys, served=[len(hits) for hits in served], served_bytes=len(block))
    (path / search_top.TOP_FILE).write_bytes(
        json.dumps(header).encode() + b"\n" + block + json.dumps(body["prefixes"]).encode())


def _update_kept(db_path: Path, changed: list[int]) -> str:
    """update_common_prefixes as update() runs it: for the next index version, which it then names."""
    from corpus_db.store import search_outbox, search_top
    from corpus_db.store.search_index import open_index

    conn = sqlite3.connect(db_path)
    try:
        state = read_state(conn)
        path = index_root(db_path) / state.generation
        action = search_top.update_common_prefixes(open_index(path), path, changed, version=state.version + 1)
        with conn:
            conn.execute(f"UPDATE {search_outbox.STATE_TABLE} SET version = version + 1 WHERE id = 1")
        return action
    finally:
        conn.close()


def _assert_kept_is_live(db_path: Path) -> None:
    live, answered = _live_and_kept(db_path, "pape*")
    assert [pid for pid, _ in answered] == [pid for pid, _ in live] and len(live) == 20
    # The same searcher scores both: equal in practice, the tolerance only spares float noise.
    assert [score for _, score in answered] == pytest.approx([score for _, score in live], rel=1e-6)


def test_a_small_update_rescores_the_kept_prefixes_and_a_large_one_ranks_them_again(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus_db.store import search_top

    # At 100 papers the defaults would keep every paper: a margin of 10 over the 20 shown makes the
    # candidates matter, and 6 changed papers (6%) call for a full ranking.
    monkeypatch.setattr(search_top, "KEEP", 30)
    monkeypatch.setattr(search_top, "MIN_KEPT", 25)
    monkeypatch.setattr(search_top, "FULL_SHARE", 0.06)
    # At 100 papers a full ranking is always the cheaper: re-scoring is what this test checks.
    monkeypatch.setattr(search_top, "_rescoring_costs_more", lambda body, grams, candidates: False)
    records = list(GRADED)
    dump = tmp_path / "dump.txt"
    run_import(db_path, [SourceTask.for_path(listing(dump, records), format="listing")])
    assert _kept_body(db_path)["changed_since_full"] == 0 and len(_kept_body(db_path)["prefixes"]["pape"]) == 30
    _assert_kept_is_live(db_path)

    def reimport() -> dict:
        run_import(db_path, [SourceTask.for_path(listing(dump, records), format="listing")])
        _assert_kept_is_live(db_path)
        return _kept_body(db_path)

    records[4] = ("Paper papers paper", "A paper on papers.")  # an edit: from far down to the top
    assert reimport()["changed_since_full"] == 1
    assert search(db_path, "pape*")[0].title == "Paper papers paper"
    records.append(("Papers papers", "Papers " * 50 + "end."))  # an insert, second
    assert reimport()["changed_since_full"] == 2
    assert [h.title for h in search(db_path, "pape*")][:2] == ["Paper papers paper", "Papers papers"]
    del records[97]  # an unlist: the paper stays searchable, the index has nothing to change
    assert reimport()["changed_since_full"] == 2
    conn = sqlite3.connect(db_path)
    with conn:  # a paper deleted in SQL leaves the kept list when the index catches up
        conn.execute("DELETE FROM papers WHERE title = 'Paper papers paper'")
    with writer_lock(db_path):
        assert update(db_path).action == "applied"
    assert _kept_body(db_path)["changed_since_full"] == 3
    _assert_kept_is_live(db_path)
    assert search(db_path, "pape*")[0].title == "Papers papers"
    records[10:14] = [(f"Other {i}", f"Abstract {i} papers end.") for i in range(4)]  # 7 changes since: full
    assert reimport()["changed_since_full"] == 0


def test_a_kept_file_from_another_generation_or_format_is_ranked_again(
    imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus_db.store import search_top

    monkeypatch.setattr(search_top, "_rescoring_costs_more", lambda body, grams, candidates: False)

    path = index_root(imported) / read_state(sqlite3.connect(imported)).generation
    body = _kept_body(imported)
    _put_kept(path, {**body, "generation": "v5-0-other"})
    assert search_top.load_top(path, None) == {}  # stale: searched live meanwhile
    assert _update_kept(imported, [1]) == "full"
    (path / search_top.TOP_FILE).write_text(json.dumps(body["prefixes"]))  # round 3's layout
    assert _update_kept(imported, [1]) == "full"
    assert _update_kept(imported, []) == "rescored"
    assert search_top.load_top(path, None)["pape"][:20] == _live_and_kept(imported, "pape*")[0]


def test_an_update_ranks_in_full_when_re_scoring_would_cost_more(imported: Path) -> None:
    from corpus_db.store import search_top

    path = index_root(imported) / read_state(sqlite3.connect(imported)).generation
    body = _kept_body(imported)
    assert body["full_seconds"] > 0 and body["rescore_seconds"] == search_top.RESCORE_SECONDS_GUESS
    # A full ranking that took an hour: re-scoring is cheaper, and it measures its own cost per candidate.
    _put_kept(path, {**body, "full_seconds": 3600.0})
    assert _update_kept(imported, [1]) == "rescored"
    measured = _kept_body(imported)
    assert measured["rescore_seconds"] != search_top.RESCORE_SECONDS_GUESS and measured["full_seconds"] == 3600.0
    # Re-scoring that takes a second a candidate: the full ranking is cheaper, and it answers the same.
    _put_kept(path, {**measured, "rescore_seconds": 1.0})
    assert _update_kept(imported, [1]) == "full"
    assert _kept_body(imported)["changed_since_full"] == 0
    assert search_top.load_top(path, None)["pape"][:20] == _live_and_kept(imported, "pape*")[0]


def test_a_long_prefix_finds_the_words_it_starts_and_the_stem_it_stands_for(db_path: Path, tmp_path: Path) -> None:
    records = [
        ("Lithium batteries", "Cells of lithium."),  # starts with "lith", not with "lithly"
        ("Moving quickly", "A quick note."),  # "quickly" is indexed as "quick"
        ("Quickness tested", "Nothing else."),  # "quickness" is indexed as "quick" too
        ("Models of graphs", "Graphs modelled with graphlets and graph graph graph."),
        ("A modeler at work", "The modeler models."),
    ] + [(f"Filler paper {i}", f"Plain text {i}.") for i in range(40)]
    run_import(db_path, [SourceTask.for_path(listing(tmp_path / "dump.txt", records), format="listing")])
    assert titles(db_path, "lithiu*") == ["Lithium batteries"]
    assert titles(db_path, "lithly*") == []  # the stem "lith" is a word of no paper: nothing widens to "lith*"
    assert set(titles(db_path, "quickly*")) == {"Moving quickly", "Quickness tested"}
    # Scored as one term, as FTS5 scores a prefix: "graph" said four times outranks the rarer "graphlets".
    assert titles(db_path, "graph*")[0] == "Models of graphs"


def test_a_phrase_of_common_words_finds_every_form_of_them(db_path: Path, tmp_path: Path) -> None:
    records = [
        ("Neural networks for proteins", "We train neural networks."),
        ("A neural network for images", "One neural network."),
        ("Networks that are neural", "Not the phrase: network and neural apart."),
    ] + [(f"Filler paper {i}", f"Plain text {i} on a neural topic and a network.") for i in range(40)]
    run_import(db_path, [SourceTask.for_path(listing(tmp_path / "dump.txt", records), format="listing")])
    state = read_state(sqlite3.connect(db_path))
    common = load_common(index_root(db_path) / state.generation)
    assert {"neural", "network"} <= common  # so the phrase is answered by one term of the pair fields
    for typed in ('"neural network"', '"neural networks"', '"Neural Networks"'):
        assert set(titles(db_path, typed)) == {"Neural networks for proteins", "A neural network for images"}


PREFIXED = [("Pap smear screening", "A pap test."), ("Paper trails", "On papers and papyrus."),
            ("Papyrus scrolls", "Ancient papyri."), ("A pan of water", "Panels and pans."),
            ("Apaprika", "Not a prefix match: pap inside a word."), ("Pa and ma", "Short words.")]


@pytest.mark.parametrize("typed", ["pap*", "scro*", "pape*", "pan*", "pa*", "papyru*", "zzz*"])
def test_prefixes_of_3_and_4_letters_find_what_fts5_finds(db_path: Path, tmp_path: Path, typed: str) -> None:
    from corpus_db.store.search import search_connection

    # 4-letter grams are terms; a 3-letter prefix expands over them (and 3-letter words); others over words.
    run_import(db_path, [SourceTask.for_path(listing(tmp_path / "dump.txt", PREFIXED), format="listing")])
    conn = sqlite3.connect(db_path)
    found = {}
    for engine in ("tantivy", "fts5"):
        page = search_connection(conn, typed, db_path=db_path, engine=engine, limit=50)
        assert page.engine == engine, page.fallback_reason
        found[engine] = sorted(h.title for h in page)
    assert found["tantivy"] == found["fts5"]


def test_a_common_word_is_answered_from_its_kept_ranking(imported: Path) -> None:
    from corpus_db.store import search_engine
    from corpus_db.store.typed_query import parse

    opened = opened_index(imported)
    kept = opened.top["=paper"]
    opened.top["=paper"] = [(-1, 1.0)]  # a marker no live query returns
    try:
        assert search_engine.ranked_ids(opened, parse("papers"), limit=20, offset=0, author=None) == [(-1, 1.0)]
        assert search_engine.ranked_ids(opened, parse("papers"), limit=20, offset=0, author="x") != [(-1, 1.0)]
        assert search_engine.ranked_ids(opened, parse("papers"), limit=20, offset=100, author=None) != [(-1, 1.0)]
    finally:
        opened.top["=paper"] = kept


def test_a_phrase_of_two_common_words_is_answered_from_its_kept_ranking(imported: Path, tmp_path: Path) -> None:
    from corpus_db.store import search_engine
    from corpus_db.store.typed_query import parse

    kept = _kept_body(imported)["prefixes"]
    assert '"at_length' in kept  # a pair term in every abstract
    assert '"about_topic7' not in kept  # in one paper: searched live
    assert '"paper_number' not in kept  # in every title, but pairs are kept by their abstracts' count
    for typed in ('"at length"', '"At lengths"', '"paper number"'):
        live, answered = _live_and_kept(imported, typed)
        assert answered == live and len(live) == 20
    conn = sqlite3.connect(imported)
    opened, reason = search_engine.current_index(conn, imported)
    assert opened is not None, reason
    served, opened.top['"at_length'] = opened.top['"at_length'], [(-1, 1.0)]  # no live query returns it
    try:
        assert search_engine.ranked_ids(opened, parse('"at length"'), limit=5, offset=0, author=None) == [(-1, 1.0)]
    finally:
        opened.top['"at_length'] = served
    # An edit reaches the kept ranking: the paper that says it most now comes first.
    edited = list(RECORDS)
    edited[41] = (RECORDS[41][0], "At length, at length, and at length.")
    run_import(imported, [SourceTask.for_path(listing(tmp_path / "dump.txt", edited), format="listing")])
    live, answered = _live_and_kept(imported, '"at length"')
    assert answered == live and search(imported, '"at length"')[0].title == RECORDS[41][0]
    # An author named "At Length": the live phrase scores author names too, so it answers, not the kept list.
    with conn:
        conn.execute("INSERT INTO authors (id, name, name_key) VALUES (900, 'At Length', 'at length')")
        conn.execute("INSERT INTO paper_authors (paper_id, position, author_id, raw_name) "
                     "VALUES (60, 1, 900, 'At Length')")
    with writer_lock(imported):
        update(imported)
    conn.close()
    live, answered = _live_and_kept(imported, '"at length"')
    assert answered == live and search(imported, '"at length"')[0].id == 60


def test_an_update_ranks_the_kept_keys_and_finds_common_ones_again_after_enough_changes(imported: Path) -> None:

    path = index_root(imported) / read_state(sqlite3.connect(imported)).generation
    body = _kept_body(imported)
    assert "pape" in body["prefixes"] and body["changed_since_keys"] == 0
    without = {key: hits for key, hits in body["prefixes"].items() if key != "pape"}
    # A key missing from the file (not common when the keys were found) stays out of a small update:
    # it is searched live meanwhile, with the same answer.
    _put_kept(path, {**body, "prefixes": without})
    _update_kept(imported, [1])
    assert "pape" not in _kept_body(imported)["prefixes"] and _kept_body(imported)["changed_since_keys"] == 1
    live, answered = _live_and_kept(imported, "pape*")
    assert answered == live
    # Past KEYS_SHARE of the corpus changed since, the keys are found again.
    _put_kept(path, {**_kept_body(imported), "changed_since_keys": 10**6})
    _update_kept(imported, [1])
    assert "pape" in _kept_body(imported)["prefixes"] and _kept_body(imported)["changed_since_keys"] == 0
    _assert_kept_is_live(imported)


def test_a_full_ranking_after_an_update_of_a_big_corpus_runs_in_the_background(
    imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from corpus_db.store import search_index, search_top

    monkeypatch.setattr(search_index, "BACKGROUND_MIN_PAPERS", 50)
    monkeypatch.delenv(search_index.INLINE_ENV, raising=False)
    conn = sqlite3.connect(imported)
    with conn:  # an edit that makes paper 5 the best "pape*" paper
        conn.execute("UPDATE papers SET title = 'Paper papers paper', abstract = 'Papers on papers.' WHERE id = 5")
    version = read_state(conn).version
    path = index_root(imported) / read_state(conn).generation
    with writer_lock(imported):  # as run_import calls it: the child waits for this lock
        message = search_index.refresh(imported)
        assert "1 changed papers applied" in message and "ranking in the background" in message, message
        time.sleep(0.5)
        # Applied and searchable at once; the kept rankings are of the version before: searched live.
        assert read_state(conn).version == version + 1 and search_top.ranked_for(path) == version
        live, answered = _live_and_kept(imported, "pape*")
        assert answered == live and search(imported, "pape*")[0].title == "Paper papers paper"
    deadline = time.monotonic() + 60
    while search_top.ranked_for(path) != read_state(conn).version and time.monotonic() < deadline:
        time.sleep(0.2)
    # The ranking names a version of its own: a reader that found none for the last one loads it now.
    assert read_state(conn).version == version + 2 == search_top.ranked_for(path)
    _assert_kept_is_live(imported)
    assert search(imported, "pape*")[0].title == "Paper papers paper"
    with writer_lock(imported):
        assert "nothing to do" in search_index.rank_kept(imported)  # idempotent
    assert read_state(conn).version == version + 2
    conn.close()


def test_a_ranking_killed_before_it_named_its_version_is_done_again(imported: Path) -> None:
    from corpus_db.store import search_index, search_top
    from corpus_db.store.search_index import open_index

    conn = sqlite3.connect(imported)
    state = read_state(conn)
    path = index_root(imported) / state.generation
    # Written for the next version, killed before the state row named it: readers ignore it.
    search_top.write_common_prefixes(open_index(path), path, version=state.version + 1)
    assert search_top.load_top(path, state.version) == {}
    with conn:  # and a change waits in the queue: the update that applies it ranks, not rank_kept
        conn.execute("UPDATE papers SET abstract = 'Papers, again.' WHERE id = 7")
    with writer_lock(imported):
        assert "nothing to do" in search_index.rank_kept(imported)
        assert update(imported).ranking in {"full", "rescored"}
    assert search_top.ranked_for(path) == read_state(conn).version
    _assert_kept_is_live(imported)
    conn.close()


def test_an_index_without_rankings_for_its_version_ranks_on_the_next_update(imported: Path) -> None:
    from corpus_db.store import search_top

    conn = sqlite3.connect(imported)
    before = read_state(conn).version
    path = index_root(imported) / read_state(conn).generation
    (path / search_top.TOP_FILE).write_text(json.dumps({"format": 4, "prefixes": {}}))  # an older corpus-db's
    assert search_top.ranked_for(path) is None
    with writer_lock(imported):
        result = update(imported)  # nothing queued: `corpus-db index`, or the refresh after any import
    assert (result.action, result.ranking) == ("none", "full")
    assert search_top.ranked_for(path) == read_state(conn).version == before + 1
    _assert_kept_is_live(imported)
    with writer_lock(imported):
        assert update(imported).ranking == ""
    conn.close()


def test_a_large_update_indexed_on_two_threads_reaches_every_paper_once(db_path: Path, tmp_path: Path) -> None:
    """Past _CHUNK papers an update runs tantivy's indexing on two threads (two new segments): every
    changed paper is then found by its new text, once, and none by the old."""
    from corpus_db.store.search_index import _CHUNK, _threads

    changed, count = _CHUNK + 300, 2 * _CHUNK + 1_000  # applied, not rebuilt: under half the papers changed
    first = [(f"Paper {i} on walrus{i}", f"Abstract {i} about kelp{i}.") for i in range(count)]
    run_import(db_path, [SourceTask.for_path(listing(tmp_path / "dump.txt", first), format="listing")])
    edited = [(t, f"Abstract {i} about plankton{i} now." if i < changed else a) for i, (t, a) in enumerate(first)]
    totals, _ = run_import(db_path, [SourceTask.for_path(listing(tmp_path / "dump.txt", edited), format="listing")])
    assert totals.search_index.startswith(f"search index: {changed} changed papers applied")
    assert _threads() in (1, 2)  # one on a one-core machine: the same answers
    conn = sqlite3.connect(db_path)
    # The state's count is the index's own document count: a paper indexed twice would show here.
    assert not search_outbox.pending(conn) and read_state(conn).papers == count
    for i in (0, 777, changed - 1):
        assert titles(db_path, f"plankton{i}") == [first[i][0]]
        assert titles(db_path, f"kelp{i}") == []
    assert titles(db_path, f"kelp{changed}") == [first[changed][0]]


def test_a_word_and_a_prefix_in_a_tenth_of_the_papers_are_kept_and_answer_as_live(
    db_path: Path, tmp_path: Path
) -> None:
    from corpus_db.store import search_top

    # "graphene" in 10 of 100 papers, with graded counts: below a fifth (not kept before), above TOP_SHARE.
    records = [(f"Study {i} of topic{i}", f"Abstract {i}." + (" graphene" * (i % 7 + 1) if i % 10 == 0 else ""))
               for i in range(1, 101)]
    assert search_top.TOP_SHARE <= 0.1 < 0.2
    run_import(db_path, [SourceTask.for_path(listing(tmp_path / "dump.txt", records), format="listing")])
    kept = search_top._read(index_root(db_path) / read_state(sqlite3.connect(db_path)).generation)["prefixes"]
    assert "=graphen" in kept and "grap" in kept and "=topic7" not in kept
    for typed in ("graphene", "grap*", "graph*"):
        live, answered = _live_and_kept(db_path, typed)
        assert answered == live and len(live) == 10


def test_a_common_word_that_author_names_hold_is_kept_with_its_name_term(db_path: Path, tmp_path: Path) -> None:
    from corpus_db.store import search_engine, search_top
    from corpus_db.store.typed_query import parse

    records = [(f"Study {i} of topic{i}", f"Abstract {i}." + (" graphene" * (i % 7 + 1) if i % 10 == 0 else ""))
               for i in range(1, 101)]
    run_import(db_path, [SourceTask.for_path(listing(tmp_path / "dump.txt", records), format="listing")])

    def by_graphene(*titles: str) -> None:  # an author named Graphene on these papers
        with sqlite3.connect(db_path) as conn:
            conn.execute("INSERT OR IGNORE INTO authors (id, name, name_key) VALUES (9999, 'Graphene Jones', "
                         "'graphene jones')")
            conn.executemany("INSERT INTO paper_authors (paper_id, position, author_id, raw_name) "
                             "SELECT id, 9, 9999, 'Graphene Jones' FROM papers WHERE title = ?", [(t,) for t in titles])

    by_graphene("Study 3 of topic3", "Study 20 of topic20")  # one without the word, one with it
    with writer_lock(db_path):
        update(db_path, rebuild=True)  # the keys are found again
    kept = search_top._read(index_root(db_path) / read_state(sqlite3.connect(db_path)).generation)["prefixes"]
    assert "=graphen" in kept and "@graphen@graphene" in kept and "@graphen@graphenes" not in kept
    live, answered = _live_and_kept(db_path, "graphene")
    assert answered == live and len(live) == 11  # the ten papers that say it, and the author's other one
    opened = opened_index(db_path)
    served = opened.top["@graphen@graphene"]
    opened.top["@graphen@graphene"] = [(-1, 1.0)]  # a marker no live query returns
    try:
        assert search_engine.ranked_ids(opened, parse("graphene"), limit=20, offset=0, author=None) == [(-1, 1.0)]
        # A form no author name holds is the word's own ranking.
        assert search_engine.ranked_ids(opened, parse("graphenes"), limit=20, offset=0, author=None) != [(-1, 1.0)]
    finally:
        opened.top["@graphen@graphene"] = served
    by_graphene("Study 40 of topic40")  # a small update re-scores the kept name ranking
    with writer_lock(db_path):
        update(db_path)
    live, answered = _live_and_kept(db_path, "graphene")
    assert answered == live and len(live) == 11
    # The two papers whose author is named so and that say the word lead.
    assert titles(db_path, "graphene")[:2] == ["Study 20 of topic20", "Study 40 of topic40"]
