"""Common words ANDed are ranked through bounded steps (search_all_words): the same papers, scores and
order as the AND itself, page after page, after edits (deleted documents still count in tantivy's
idf), with a word among author names, and when no step can prove its answer (the cases then rank it:
search_word_cases)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import search_all_words, search_engine
from corpus_db.store.lock import writer_lock
from corpus_db.store.search_index import update
from corpus_db.store.search_top import top_hits
from corpus_db.store.typed_query import parse
from tests.search_support import opened_index

FILLER = ["data", "graph", "noise", "signal", "theory", "system", "sample", "energy", "field", "layer"]


def _records(seed: int, count: int = 300) -> list[tuple[str, str]]:
    """Titles and abstracts where "model" and "learning" are common but graded: in some titles, at
    varying counts in most abstracts, so scores differ paper by paper and ties happen too."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        title = [rng.choice(FILLER) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.4:
            title.insert(rng.randrange(len(title) + 1), "model")
        if rng.random() < 0.4:
            title.insert(rng.randrange(len(title) + 1), "learning")
        abstract = [rng.choice(FILLER) for _ in range(rng.randint(5, 40))]
        abstract += ["models"] * rng.randint(0, 4) + ["learning"] * rng.randint(0, 3)
        rng.shuffle(abstract)
        records.append((f"{' '.join(title).capitalize()} {i}", " ".join(abstract) + "."))
    return records


def _import(db_path: Path, dump: Path, records: list[tuple[str, str]]) -> None:
    dump.write_text("".join(f"{t}\n{a}\n" for t, a in records), encoding="utf-8")
    run_import(db_path, [SourceTask.for_path(dump, format="listing")])


def _stepped_and_live(db_path: Path, typed: str,
                      offset: int) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    opened = opened_index(db_path)
    clauses = parse(typed)
    searcher = opened.index.searcher()
    words = _words(opened, clauses)
    assert words is not None  # both words are common here: the steps must be what answers
    stepped = search_all_words.ranked_all(searcher, opened.index.schema, words, limit=20, offset=offset)
    live = top_hits(searcher, search_all_words._all_of(words), 20, offset)  # the AND itself
    assert stepped is not None, "no step proved its answer"
    return stepped, live


def _words(opened: search_engine.OpenIndex, clauses: list) -> list[search_all_words.Word] | None:
    plain = search_engine._plain_words(clauses)
    assert plain is not None
    return search_engine._common_words(opened.index.searcher(), opened.index.schema, plain)


def _assert_same(stepped: list[tuple[int, float]], live: list[tuple[int, float]]) -> None:
    assert [pid for pid, _ in stepped] == [pid for pid, _ in live] and len(live) == 20
    # The same searcher and the same query shape score both: equal in practice.
    assert [score for _, score in stepped] == pytest.approx([score for _, score in live], rel=1e-6)


@pytest.mark.parametrize("typed", ["model learning", "learning models", "model model", "model learning data"])
def test_common_words_anded_rank_as_the_and_does(db_path: Path, tmp_path: Path, typed: str) -> None:
    _import(db_path, tmp_path / "dump.txt", _records(1))
    for offset in (0, 20, 60):
        _assert_same(*_stepped_and_live(db_path, typed, offset))


def test_after_edits_and_deletes_the_bound_still_holds(db_path: Path, tmp_path: Path) -> None:
    records = _records(2)
    dump = tmp_path / "dump.txt"
    _import(db_path, dump, records)
    # Edits re-add papers: tantivy keeps the old documents as deleted ones, still counted in its idf.
    records[:40] = [(f"Model learning model {i}", "learning " * (i % 5) + "models data.") for i in range(40)]
    _import(db_path, dump, records)
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM papers WHERE title LIKE 'Model learning model 1%'")
    with writer_lock(db_path):
        assert update(db_path).action == "applied"
    for offset in (0, 20):
        _assert_same(*_stepped_and_live(db_path, "model learning", offset))


def test_a_word_among_author_names_is_scored_there_too(db_path: Path, tmp_path: Path) -> None:
    _import(db_path, tmp_path / "dump.txt", _records(3))
    with sqlite3.connect(db_path) as conn:  # an author named Model Learning, on a paper with neither word in its title
        pid = conn.execute("SELECT id FROM papers WHERE title NOT LIKE '%model%' AND title NOT LIKE '%learning%' "
                           "AND abstract LIKE '%models%' LIMIT 1").fetchone()[0]
        conn.execute("INSERT INTO authors (id, name, name_key) VALUES (9999, 'Model Learning', 'model learning')")
        conn.execute("INSERT INTO paper_authors (paper_id, position, author_id, raw_name) "
                     "VALUES (?, 9, 9999, 'Model Learning')", (pid,))
    with writer_lock(db_path):
        update(db_path)
    _assert_same(*_stepped_and_live(db_path, "model learning", 0))
    opened = opened_index(db_path)
    searcher = opened.index.searcher()
    words = _words(opened, parse("model learning"))
    every = search_all_words.ranked_all(searcher, opened.index.schema, words, limit=1000, offset=0)
    assert every is not None and pid in [found for found, _ in every]  # it holds both words, by its author


def test_when_no_step_proves_its_answer_the_and_runs(db_path: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _import(db_path, tmp_path / "dump.txt", _records(4))
    opened = opened_index(db_path)
    clauses = parse("model learning")
    searcher = opened.index.searcher()
    words = _words(opened, clauses)
    assert words is not None
    live = top_hits(searcher, search_all_words._all_of(words), 20, 0)
    monkeypatch.setattr(search_all_words, "ROUNDING", 1e9)  # no bound can be cleared
    assert search_all_words.ranked_all(searcher, opened.index.schema, words, limit=20, offset=0) is None
    _assert_same(search_engine.ranked_ids(opened, clauses, limit=20, offset=0, author=None), live)  # by cases


def test_a_paper_past_the_title_shortlist_that_its_abstract_lifts_is_found(db_path: Path, tmp_path: Path) -> None:
    # 100 titles score the same; the title step's shortlist holds the first 60, and the 40 after them
    # say both words most in their abstracts, so they lead: only the abstracts' bound shows the
    # shortlist cannot prove its page.
    records = [(f"Model learning {i}", "Learning data." if i < 60 else "Model learning " * 5 + "data.")
               for i in range(100)]
    records += [(f"Noise {i}", "Signal models learning.") for i in range(20)]
    _import(db_path, tmp_path / "dump.txt", records)
    stepped, live = _stepped_and_live(db_path, "model learning", 0)
    _assert_same(stepped, live)
    titles = dict(sqlite3.connect(db_path).execute("SELECT id, title FROM papers").fetchall())
    assert all(int(titles[pid].split()[-1]) >= 60 for pid, _ in stepped)


def _counted(monkeypatch: pytest.MonkeyPatch, step: str) -> list[int]:
    """The number of words of each AND this step of search_all_words is asked to prove, from now on."""
    tried: list[int] = []
    run = getattr(search_all_words, step)

    def counted(searcher: object, schema: object, words: list, **kwargs: int) -> object:
        tried.append(len(words))
        return run(searcher, schema, words, **kwargs)

    monkeypatch.setattr(search_all_words, step, counted)
    return tried


def test_the_or_step_is_tried_for_two_words_only(db_path: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _import(db_path, tmp_path / "dump.txt", _records(5))
    opened = opened_index(db_path)
    searcher = opened.index.searcher()
    tried = _counted(monkeypatch, "_through_or")
    monkeypatch.setattr(search_all_words, "ROUNDING", 1e9)  # the title step cannot prove: the OR step would be next
    for typed in ("model learning", "model learning data", "model learning data noise"):
        words = _words(opened, parse(typed))
        assert words is not None and len(words) == len(typed.split())
        assert search_all_words.ranked_all(searcher, opened.index.schema, words, limit=20, offset=0) is None
    assert tried == [2]
    # Unproven, three words are still ranked exactly as the AND ranks them (by cases), and four by the AND.
    for typed in ("model learning data", "model learning data noise"):
        clauses = parse(typed)
        live = top_hits(searcher, search_all_words._all_of(_words(opened, clauses)), 20, 0)
        _assert_same(search_engine.ranked_ids(opened, clauses, limit=20, offset=0, author=None), live)


def test_the_title_step_is_not_tried_for_three_words_whose_abstracts_can_add_too_much(
        db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _import(db_path, tmp_path / "dump.txt", _records(6))
    opened = opened_index(db_path)
    searcher = opened.index.searcher()
    tried = _counted(monkeypatch, "_through_titles")
    for typed in ("model learning", "model learning data"):  # below the limit: proven through the titles
        words = _words(opened, parse(typed))
        assert search_all_words.ranked_all(searcher, opened.index.schema, words, limit=20, offset=0) is not None
    assert tried == [2, 3]
    monkeypatch.setattr(search_all_words, "TITLE_STEP_MAX_ABSTRACTS", 0.0)  # every bound is too much now
    tried.clear()
    for typed in ("model learning", "model learning data"):
        words = _words(opened, parse(typed))
        stepped = search_all_words.ranked_all(searcher, opened.index.schema, words, limit=20, offset=0)
        assert (stepped is None) == (len(words) == 3)
    assert tried == [2]  # two words still try it
    clauses = parse("model learning data")
    live = top_hits(searcher, search_all_words._all_of(_words(opened, clauses)), 20, 0)
    _assert_same(search_engine.ranked_ids(opened, clauses, limit=20, offset=0, author=None), live)
