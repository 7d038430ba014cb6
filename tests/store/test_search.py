import json
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
    pattern = match_pattern(clauses, lambda word: [word.lower().removesuffix("s")])
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


def test_a_phrase_is_marked_where_its_words_follow_each_other() -> None:
    """As FTS5's highlight() marks a phrase: once, from its first word to its last; its words elsewhere
    stay unmarked, while a one-word clause beside it is marked wherever it is."""
    from corpus_db.store.snippets import best_snippet, match_pattern
    from corpus_db.store.typed_query import parse

    abstract = "Models and data. We train models and transformers, and fine-tuned transformer models win."
    marks = match_pattern(parse('"and transformers" win'), lambda word: [word.lower().removesuffix("s")])
    text = best_snippet("A title", abstract, marks, ("<", ">"))
    assert text == ("Models and data. We train models <and transformers>, and fine-tuned transformer models "
                    "<win>.")
    fine = match_pattern(parse("fine-tuned"), lambda word: [word])
    assert best_snippet("T", "Fine tuned, fine-tuned; fine or tuned.", fine, ("<", ">")) == (
        "<Fine tuned>, <fine-tuned>; fine or tuned.")
    three = match_pattern(parse('"ab bc cde"'), lambda word: [word])  # found from cde, its longest word
    assert best_snippet("T", "ab bc ab bc cde, bc cde", three, ("<", ">")) == "ab bc <ab bc cde>, bc cde"
    one_letter = match_pattern(parse('"a b c"'), lambda word: [word])  # found by its regex
    assert best_snippet("T", "a b a b c, b c", one_letter, ("<", ">")) == "a b <a b c>, b c"


def test_a_phrase_found_only_in_the_title_is_marked_there() -> None:
    from corpus_db.store.snippets import best_snippet, match_pattern
    from corpus_db.store.typed_query import parse

    marks = match_pattern(parse('"graph networks"'), lambda word: [word])
    assert best_snippet("Deep graph networks", "Graph data and networks.", marks, ("<", ">")) == (
        "Deep <graph networks>")


_MARKED = "abcAB-_ éÉİß1"


@settings(max_examples=400, deadline=None)
@given(typed=st.text(alphabet=_MARKED, min_size=1, max_size=12), data=st.data())
def test_a_phrase_marker_finds_what_its_regex_finds(typed: str, data: st.DataObject) -> None:
    """The text is made of the phrase's own words (in any case, extended), other words and separators, so
    that the phrase, its parts and near misses all occur."""
    from corpus_db.store.snippets import PhraseMarker, _starts
    from corpus_db.store.typed_query import parse

    words = [word for clause in parse(typed) for word in clause.words]
    if len(words) < 2:
        return
    token = st.one_of(st.sampled_from(words).map(str.upper), st.sampled_from(words),
                      st.builds(str.__add__, st.sampled_from(words), st.text(alphabet="abé1", max_size=2)),
                      st.text(alphabet=_MARKED, max_size=3))
    pieces = data.draw(st.lists(st.tuples(token, st.sampled_from([" ", "-", ". ", "_", "", "\n"])), max_size=12))
    text = "".join(word + separator for word, separator in pieces)
    marker = PhraseMarker.of([_starts(word, []) for word in words])
    assert marker.spans(text) == [m.span() for m in marker.pattern.finditer(text)]


def test_a_hits_source_count_reads_the_index_alone(conn: sqlite3.Connection) -> None:
    """The count of sources listing a hit must not read paper_sources rows (the raw records make that the
    largest table: one more page read a hit at 1M papers)."""
    from corpus_db.store.search import ROWS_SQL

    plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + ROWS_SQL, ("[1, 2]",)))
    assert "ps USING COVERING INDEX ix_paper_sources_paper_id_source_id_listed" in plan, plan


def test_tags_named_from_ids_match_the_statement_that_joined_them(conn: sqlite3.Connection) -> None:
    """Every paper's tags as hits name them (ids from the index, names from tag_names) equal what SQL's
    join with DISTINCT and ORDER BY name gives."""
    from corpus_db.store.tag_names import tag_names, tags_of

    joined = """SELECT p.id, (SELECT json_group_array(json_array(name, keyword)) FROM (SELECT DISTINCT t.name,
      t.kind = 'keyword' AS keyword FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.paper_id = p.id
      ORDER BY t.name)), (SELECT json_group_array(tag_id) FROM paper_tags WHERE paper_id = p.id) FROM papers p"""
    rows = [(pid, json.loads(named), json.loads(ids)) for pid, named, ids in conn.execute(joined)]
    names = tag_names(conn, {i for _, _, ids in rows for i in ids})
    assert sum(len(ids) for _, _, ids in rows) > len(rows)
    for _, named, ids in rows:
        assert tags_of(names, ids) == ([n for n, k in named if not k], [n for n, k in named if k])


def test_a_kept_connection_names_tags_as_committed_since(seeded_db: Path) -> None:
    from corpus_db.store.db import connect_read_only

    kept = connect_read_only(seeded_db)
    [hit] = search_connection(kept, '"Granary" speech', limit=1)
    assert "speech" in hit.tags
    writer = sqlite3.connect(seeded_db)
    with writer:  # renamed by hand by another connection
        writer.execute("UPDATE tags SET name = 'speech-audio' WHERE name = 'speech'")
    [again] = search_connection(kept, '"Granary" speech', limit=1)
    assert again.id == hit.id and "speech-audio" in again.tags and "speech" not in again.tags
    with writer:  # a new tag
        tag_id = writer.execute("INSERT INTO tags (name, fold_key, kind) VALUES ('zz-new', 'zz-new', 'curated') "
                                "RETURNING id").fetchone()[0]
        writer.execute("INSERT INTO paper_tags (paper_id, tag_id, origin) VALUES (?, ?, 'import --tag')",
                       (hit.id, tag_id))
    [again] = search_connection(kept, '"Granary" speech', limit=1)
    assert again.tags[-1] == "zz-new"
    kept.close()
