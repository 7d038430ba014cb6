import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_db.store.search import search, search_connection, to_match_query


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("mixture of experts", '"mixture" "of" "experts"'),
        ('"mixture of experts"', '"mixture of experts"'),
        ("quant*", '"quant"*'),
        ("multi-head", '"multi head"'),
        ('"unbalanced', '"unbalanced"'),
        ("a AND (b", '"a" "AND" "b"'),
        ("title:moe ^x", '"title moe" "x"'),
        ("-", ""),
        ("*", ""),
        ("", ""),
    ],
)
def test_typed_text_becomes_a_safe_fts_query(typed: str, query: str) -> None:
    assert to_match_query(typed) == query


@pytest.mark.parametrize("typed", ['"', "(", ")", "-x", "a:b", "NEAR(", "x*y*", "'", "^", "AND", "OR NOT", "\\"])
def test_fts_syntax_never_crashes(conn: sqlite3.Connection, typed: str) -> None:
    search(conn, typed)


def test_title_matches_rank_above_abstract_matches(conn: sqlite3.Connection) -> None:
    hits = search(conn, "mixture of experts", limit=10)
    assert len(hits) == 10
    assert all("mixture" in h.title.lower() and "expert" in h.title.lower() for h in hits[:5])
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)  # higher is better


def test_hits_carry_snippets_tags_repos_and_source_counts(conn: sqlite3.Connection) -> None:
    [hit] = search(conn, '"Granary" speech', limit=1)
    assert hit.title.startswith("Granary: Speech Recognition and Translation Dataset")
    assert "[Granary]" in hit.snippet
    assert hit.repos == ["https://huggingface.co/datasets/nvidia/granary"]
    assert "speech" in hit.tags
    assert hit.sources == 1


def test_prefix_and_phrase_searches(conn: sqlite3.Connection) -> None:
    assert search(conn, "quantiz*")
    phrase = search(conn, '"fine-grained mixture of experts"')
    assert phrase[0].title == "Scaling Laws for Fine-Grained Mixture of Experts"


def test_snippets_mark_forms_of_the_words_around_the_densest_matches() -> None:
    from corpus_db.store.snippets import best_snippet, match_pattern
    from corpus_db.store.typed_query import parse

    clauses = parse("network quantiz*")
    pattern = match_pattern(clauses, ["network", "quantiz"])
    abstract = "Filler words. " * 30 + "Quantized networks beat dense networks." + " More filler." * 30
    text = best_snippet("A title", abstract, pattern, ("<", ">"))
    assert text.startswith("…") and text.endswith("…")
    assert "<Quantized> <networks> beat dense <networks>" in text
    assert best_snippet("Networks in a title", "Nothing here.", pattern, ("<", ">")) == "<Networks> in a title"
    assert best_snippet("T", "Plain text", None, ("<", ">")) == "Plain text"


def test_hits_keep_a_sources_free_keywords_apart_from_tags_and_categories(db_path: Path, tmp_path: Path) -> None:
    from corpus_db.ingest.run import SourceTask, run_import

    bib = tmp_path / "refs.bib"
    bib.write_text("@article{z1, title = {Zeppelin routing at altitude}, author = {Ada Lovelace},\n"
                   "  abstract = {Airships and their routes.}, year = {2024},\n"
                   "  keywords = {cs.RO, lighter-than-air craft}}\n", encoding="utf-8")
    run_import(db_path, [SourceTask.for_path(bib, tags=("airships",))])
    kinds = dict(sqlite3.connect(db_path).execute("SELECT name, kind FROM tags"))
    assert set(kinds.values()) == {"curated", "arxiv-category", "keyword"}  # the three kinds are there
    conn = sqlite3.connect(db_path)
    for engine in ("tantivy", "fts5"):
        [hit] = search_connection(conn, "zeppelin", db_path=db_path, engine=engine)
        assert sorted(hit.tags) == sorted(n for n, k in kinds.items() if k != "keyword")
        assert hit.keywords == [n for n, k in kinds.items() if k == "keyword"]
        assert hit.as_dict()["keywords"] == hit.keywords  # --json carries them apart


@settings(max_examples=400, deadline=None)
@given(
    words=st.lists(st.text(alphabet="abcAB-_ éÉİß1", min_size=1, max_size=6), min_size=1, max_size=4),
    text=st.text(alphabet="abcAB-_ éÉİß1.\n", max_size=200),
)
def test_the_snippet_marker_finds_what_its_regex_finds(words: list[str], text: str) -> None:
    from corpus_db.store.snippets import Marker

    marker = Marker.of({w.lower() for w in words})
    assert marker.spans(text) == [m.span() for m in marker.pattern.finditer(text)]


def test_a_hits_source_count_reads_the_index_alone(conn: sqlite3.Connection) -> None:
    """The count of sources listing a hit must not read paper_sources rows (the raw records make that the
    largest table: one more page read a hit at 1M papers)."""
    from corpus_db.store.search import ROWS_SQL

    plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + ROWS_SQL, ("[1, 2]",)))
    assert "ps USING COVERING INDEX ix_paper_sources_paper_id_source_id_listed" in plan, plan
