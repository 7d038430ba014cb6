"""Plain words ANDed are ranked by cases (search_word_cases): the same papers, scores and order as the
AND of each word's title, abstract and author-name terms, whichever of those fields hold each word."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
import tantivy

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import search_engine, search_word_cases
from corpus_db.store.lock import writer_lock
from corpus_db.store.search_index import update
from corpus_db.store.search_top import top_hits, word_terms
from corpus_db.store.typed_query import parse
from tests.search_support import opened_index

FILLER = ["data", "noise", "signal", "theory", "system", "sample", "energy", "field", "layer", "graph"]
RARE = ["alpha", "beta", "gamma"]


def _records(seed: int, count: int = 240) -> list[tuple[str, str]]:
    """Each rare word in some titles, some abstracts (at varying counts), both or neither: every case."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        title = [rng.choice(FILLER) for _ in range(rng.randint(1, 5))]
        abstract = [rng.choice(FILLER) for _ in range(rng.randint(4, 30))]
        for word in RARE:
            if rng.random() < 0.3:
                title.append(word)
            if rng.random() < 0.5:
                abstract += [word] * rng.randint(1, 3)
        rng.shuffle(abstract)
        records.append((f"{' '.join(title).capitalize()} {i}", " ".join(abstract) + "."))
    return records


@pytest.fixture
def corpus(db_path: Path, tmp_path: Path) -> Path:
    dump = tmp_path / "dump.txt"
    dump.write_text("".join(f"{t}\n{a}\n" for t, a in _records(7)), encoding="utf-8")
    run_import(db_path, [SourceTask.for_path(dump, format="listing")])
    with sqlite3.connect(db_path) as conn:  # authors named after the rare words, on papers chosen at random
        rng = random.Random(8)
        ids = [pid for (pid,) in conn.execute("SELECT id FROM papers ORDER BY id")]
        for number, name in enumerate(["Alpha Stone", "Beta Gamma", "Ada Beta"], 9000):
            conn.execute("INSERT INTO authors (id, name, name_key) VALUES (?, ?, ?)", (number, name, name.lower()))
            for pid in rng.sample(ids, 15):
                conn.execute("INSERT INTO paper_authors (paper_id, position, author_id, raw_name) VALUES (?, ?, ?, ?)",
                             (pid, number, number, name))
    with writer_lock(db_path):
        update(db_path)
    return db_path


def _the_and(opened: search_engine.OpenIndex, typed: str, limit: int, offset: int) -> list[tuple[int, float]]:
    """The AND itself: each word the union of its terms, as search_engine asks for one word."""
    schema = opened.index.schema
    words = search_engine._plain_words(parse(typed))
    assert words is not None
    each = [search_engine.one_of(word_terms(schema, w.stem, w.name))
            for w in words]
    query = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in each])
    return top_hits(opened.index.searcher(), query, limit, offset)


def _by_cases(opened: search_engine.OpenIndex, typed: str, limit: int, offset: int) -> list[tuple[int, float]]:
    words = search_engine._plain_words(parse(typed))
    assert words is not None
    return search_word_cases.ranked_by_cases(opened.index.searcher(), opened.index.schema, words, limit=limit,
                                             offset=offset)


@pytest.mark.parametrize("typed", ["alpha beta", "beta gamma", "gamma alpha beta", "alpha data", "beta beta",
                                   "alpha nowhere", "alpha stone"])
def test_the_cases_rank_as_the_and_does(corpus: Path, typed: str) -> None:
    opened = opened_index(corpus)
    for limit, offset in ((20, 0), (20, 20), (15, 5), (200, 0)):
        expected, found = _the_and(opened, typed, limit, offset), _by_cases(opened, typed, limit, offset)
        assert [pid for pid, _ in found] == [pid for pid, _ in expected]
        # Sums of the same f32 scores in another order: equal but for the last bits.
        assert [score for _, score in found] == pytest.approx([score for _, score in expected], rel=1e-5)
    # Enough papers for the pages above to mean something; "stone" is only the name of Alpha Stone's 15 papers.
    expected = {"alpha nowhere": 0, "alpha stone": 15}.get(typed)
    papers = len(_the_and(opened, typed, 1000, 0))
    assert papers == expected if expected is not None else papers > 40


def test_every_case_is_reached(corpus: Path) -> None:
    """Papers with a word only in the title, only among author names, only in the abstract: all ranked."""
    opened = opened_index(corpus)
    found = {pid for pid, _ in _by_cases(opened, "alpha beta", 1000, 0)}
    with sqlite3.connect(corpus) as conn:
        rows = conn.execute("SELECT p.id, lower(p.title), lower(p.abstract), lower(coalesce(group_concat(a.name), '')) "
                            "FROM papers p LEFT JOIN paper_authors pa ON pa.paper_id = p.id "
                            "LEFT JOIN authors a ON a.id = pa.author_id GROUP BY p.id").fetchall()
    where = {pid: {word: {field for field, text in (("title", t), ("abstract", a), ("authors", n)) if word in text}
                   for word in ("alpha", "beta")} for pid, t, a, n in rows}
    holding = {pid for pid, fields in where.items() if all(fields.values())}
    assert found == holding
    assert any(fields["alpha"] == {"title"} for pid, fields in where.items() if pid in found)
    assert any("abstract" not in fields["beta"] and "authors" in fields["beta"]
               for pid, fields in where.items() if pid in found)


def test_search_ranks_rarer_words_by_cases(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from corpus_db.store import search_all_words

    opened = opened_index(corpus)
    monkeypatch.setattr(search_all_words, "MIN_SHARE", 2.0)  # no word that common: none goes the bounded way
    asked = []
    real = search_word_cases.ranked_by_cases
    monkeypatch.setattr(search_word_cases, "ranked_by_cases", lambda *a, **k: asked.append(a[2]) or real(*a, **k))
    found = search_engine.ranked_ids(opened, parse("alpha beta"), limit=20, offset=0, author=None)
    assert [pid for pid, _ in found] == [pid for pid, _ in _the_and(opened, "alpha beta", 20, 0)] and asked
    asked.clear()  # within an author's papers, one word as well
    for typed in ("alpha beta", "alpha"):
        search_engine.ranked_ids(opened, parse(typed), limit=20, offset=0, author="stone")
    assert len(asked) == 2
    asked.clear()  # a phrase, a prefix, too many words, a deep page, one word alone: not by cases
    for typed, author, offset in (('alpha "beta gamma"', None, 0), ("alpha bet*", None, 0),
                                  ("alpha beta gamma data", None, 0), ("alpha", None, 0), ("alpha", "!!", 0),
                                  ("alpha beta", None, search_word_cases.MAX_WANTED)):
        search_engine.ranked_ids(opened, parse(typed), limit=20, offset=offset, author=author)
    assert not asked


@pytest.mark.parametrize("author", ["stone", "beta", "Ada Beta", "nobody"])
def test_within_an_authors_papers_the_cases_rank_as_the_filtered_and_does(corpus: Path, author: str) -> None:
    opened = opened_index(corpus)
    schema, searcher = opened.index.schema, opened.index.searcher()
    name_filter = search_engine._author_filter(schema, author)
    assert name_filter is not None
    for typed in ("alpha", "alpha beta", "beta data", "gamma alpha beta"):
        words = search_engine._plain_words(parse(typed))
        assert words is not None
        each = [search_engine.one_of(word_terms(schema, w.stem, w.name)) for w in words]
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in [*each, name_filter]])
        for limit, offset in ((20, 0), (5, 5), (200, 0)):
            expected = top_hits(searcher, query, limit, offset)
            found = search_engine.ranked_ids(opened, parse(typed), limit=limit, offset=offset, author=author)
            assert [pid for pid, _ in found] == [pid for pid, _ in expected]
            assert [score for _, score in found] == pytest.approx([score for _, score in expected], rel=1e-5)
    assert len(search_engine.ranked_ids(opened, parse("alpha"), limit=100, offset=0, author="stone")) > 3


def test_more_words_than_the_cases_allow_is_refused(corpus: Path) -> None:
    opened = opened_index(corpus)
    words = [search_word_cases.PlainWord("alpha", "alpha")] * (search_word_cases.MAX_WORDS + 1)
    with pytest.raises(ValueError, match="words"):
        search_word_cases.ranked_by_cases(opened.index.searcher(), opened.index.schema, words, limit=5, offset=0)
