"""Ranked search on real abstracts (the arXiv and OpenAlex samples in ../shared/realdata): phrases of
common words must find what FTS5 finds, whatever form of the words a paper writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store.search import search, to_match_query
from corpus_db.store.search_index import index_root, load_common, read_state, stem_of_word
from tests.paths import realdata


@pytest.fixture(scope="module")
def real_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dumps = [realdata("arxiv/oai-pmh-cs-page1.xml"), realdata("openalex/snapshot-works-1000.jsonl.gz"),
             realdata("arxiv/kaggle-snapshot-first200.jsonl")]
    db = tmp_path_factory.mktemp("real") / "corpus.db"
    run_import(db, [SourceTask.for_path(path) for path in dumps])
    return db


@pytest.mark.parametrize("typed", ['"the model"', '"the models"', '"results show"', '"result shows"', '"of the"',
                                   '"in this paper"', '"one of the"', '"it is shown that"'])
def test_a_common_phrase_finds_every_paper_fts5_finds(real_corpus: Path, typed: str) -> None:
    conn = sqlite3.connect(real_corpus)
    common = load_common(index_root(real_corpus) / read_state(conn).generation)
    # Every stem common: two words are one term of the pair fields, more are filtered by their pairs.
    assert all(stem_of_word(word) in common for word in typed.strip('"').split())
    page = search(real_corpus, typed, limit=5000)
    assert page.engine == "tantivy", page.fallback_reason
    fts5 = {pid for (pid,) in conn.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?",
                                          (to_match_query(typed),))}
    assert len(fts5) > 10
    assert {hit.id for hit in page} == fts5
