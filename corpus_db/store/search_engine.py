"""Reading the tantivy index: is it there and current, and the ranked paper ids for typed clauses.

Ranking follows FTS5's: BM25 over titles and abstracts, a title match weighing ten times an abstract
match; author names count like titles. Top-k uses block-max WAND (count=False, else it must visit
every match). A prefix expands over the term dictionary to the words it starts, as FTS5's does."""

from __future__ import annotations

import math
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import tantivy

from corpus_db.store import search_all_words, search_word_cases
from corpus_db.store import search_outbox as outbox
from corpus_db.store.search_analyzers import name_analyzer, stem_analyzer
from corpus_db.store.search_index import LAYOUT, index_root, load_common, open_index
from corpus_db.store.search_top import (
    AUTHOR_BOOST,
    PAIR_KEY,
    PREFIX_LEN,
    TITLE_BOOST,
    TOP_K,
    WORD_KEY,
    author_word_key,
    load_top,
    one_of,
    pair_clauses,
    prefix_query,
    term_query,
    top_hits,
    word_terms,
)
from corpus_db.store.typed_query import Clause

MAX_EXPANSIONS = 64  # words a prefix stands for, the most frequent first (FTS5 takes all: 3 s at 1M)

_STEM = stem_analyzer()
_NAME = name_analyzer()


@dataclass
class OpenIndex:
    index: tantivy.Index
    version: int
    common: frozenset[str]
    top: dict[str, Sequence[tuple[int, float]]]  # served pairs (search_top.Served)
    path: Path  # the generation folder


_cache: dict[Path, OpenIndex] = {}
_cache_lock = threading.Lock()


@dataclass
class _Seen:
    """The last answer of current_index for one database path: reused while the same connection's
    `PRAGMA data_version` is unchanged (no commit by anyone since) and the generation's meta.json is
    still there (a folder removed by hand)."""

    conn: sqlite3.Connection
    data_version: int
    meta: str
    opened: OpenIndex


_seen: dict[str, _Seen] = {}


def current_index(conn: sqlite3.Connection, db_path: str | Path) -> tuple[OpenIndex | None, str | None]:
    """The index to search, or None and the reason to fall back to FTS5. The index is current when its
    state row exists and the outbox is empty (SQLite is the truth: it says which generation, which
    version). A connection that searches again, with no commit since, skips reading the state (this
    runs before every search: the state statement and its path work were 0.07-0.12 ms of ~2.5)."""
    key = str(db_path)
    try:
        data_version = conn.execute("PRAGMA data_version").fetchone()[0]
    except sqlite3.Error as exc:
        return None, f"cannot read the search index state: {exc}"
    seen = _seen.get(key)
    if seen is not None and seen.conn is conn and seen.data_version == data_version and os.path.isfile(seen.meta):
        return seen.opened, None
    opened, reason = _read_current(conn, db_path)
    if opened is None:
        _seen.pop(key, None)
    else:  # one entry a path: a closed connection kept here until the next search replaces it costs nothing
        _seen[key] = _Seen(conn, data_version, str(opened.path / "meta.json"), opened)
    return opened, reason


def _read_current(conn: sqlite3.Connection, db_path: str | Path) -> tuple[OpenIndex | None, str | None]:
    try:  # one statement
        row = conn.execute(
            f"SELECT generation, version, EXISTS (SELECT 1 FROM {outbox.OUTBOX_TABLE}) FROM {outbox.STATE_TABLE} "
            "WHERE id = 1").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None, "no search index: the database predates it (run `corpus-db migrate`)"
        return None, f"cannot read the search index state: {exc}"
    except sqlite3.Error as exc:
        return None, f"cannot read the search index state: {exc}"
    if row is None:
        return None, "no search index yet (run `corpus-db index`)"
    generation, version, behind = row
    if behind:
        return None, "the search index is behind the database (changes not yet indexed; run `corpus-db index`)"
    if not generation.startswith(LAYOUT + "-"):
        return None, "the search index was built by another version of corpus-db (run `corpus-db index --rebuild`)"
    path = index_root(db_path) / generation
    if not (path / "meta.json").is_file():  # checked every time: an open index outlives its removed folder
        return None, f"the search index is missing (no {path}; run `corpus-db index --rebuild`)"
    with _cache_lock:
        opened = _cache.get(path)
        try:
            if opened is None:
                opened = _cache[path] = OpenIndex(open_index(path), version, load_common(path),
                                                  load_top(path, version), path)
            elif opened.version != version:
                opened.index.reload()  # a commit since we last looked: see it now, not after a watcher's delay
                opened.version = version
                opened.top = load_top(path, version)
        except (OSError, ValueError) as exc:
            _cache.pop(path, None)
            return None, f"the search index at {path} cannot be opened ({exc})"
    return opened, None


def stems(word: str) -> list[str]:
    """The indexed forms of a typed word (for marking matches in snippets)."""
    return _STEM.analyze(word)


def _idf(docs: int, freq: int) -> float:
    """tantivy's (and FTS5's) BM25 idf for a term found in `freq` of `docs` documents."""
    return math.log(1.0 + (docs - freq + 0.5) / (freq + 0.5))


def _prefix_expansion(searcher: tantivy.Searcher, typed: str) -> list[tuple[str, str, float]]:
    """(field, word, boost) for the indexed words a prefix stands for, the most frequent first. FTS5
    scores a prefix as one term: its idf from the papers holding any of the words, its frequency summed.
    A sum of one term query per word would give each word its own idf instead, and then a paper with a
    rare form ("graphlets") outranks one that says "graph" ten times. So each word's score is scaled by
    the prefix's idf over its own (the union's paper count estimated as the sum, at most all papers)."""
    # Titles and abstracts are indexed stemmed: "models" and "modeling" are both "model". So the words a
    # prefix stands for are the indexed words that start with it, plus the typed word's own stem: "models*"
    # finds "model", "quickly*" finds "quick" and "lithly*" finds "lith" (where "lithly" went), without
    # widening to every word that starts with the stem ("lith*" would take in "lithium").
    [stem] = _STEM.analyze(typed) or [typed]
    docs = max(1, searcher.num_docs)
    expansion = []
    for field, field_boost in (("title", TITLE_BOOST), ("abstract", 1.0)):
        words = searcher.terms_with_prefix(field, typed, limit=MAX_EXPANSIONS)
        if stem != typed and stem not in {word for word, _ in words}:
            words += [(stem, count)] if (count := searcher.doc_freq(field, stem)) else []
        prefix_idf = _idf(docs, min(docs, sum(count for _, count in words)))
        expansion += [(field, word, field_boost * prefix_idf / max(_idf(docs, count), 1e-9)) for word, count in words]
    return expansion


def _is_gram(name: str) -> bool:
    return PREFIX_LEN - 1 <= len(name) <= PREFIX_LEN


def _clause_query(
    searcher: tantivy.Searcher, schema: tantivy.Schema, clause: Clause, common: frozenset[str]
) -> tantivy.Query | None:
    stems = [s for w in clause.words for s in _STEM.analyze(w)]
    names = [s for w in clause.words for s in _NAME.analyze(w)]
    if not stems:
        return None
    if clause.prefix and len(stems) == 1 and _is_gram(names[0]):
        return prefix_query(searcher, schema, names[0])
    if clause.prefix and len(stems) == 1:
        expansion = _prefix_expansion(searcher, names[0])
        if not expansion:
            return tantivy.Query.empty_query()
        return one_of([(term_query(schema, field, word), boost) for field, word, boost in expansion])
    if clause.prefix:
        phrase = [*stems[:-1], names[-1]]
        return one_of([(tantivy.Query.phrase_prefix_query(schema, "title", phrase), TITLE_BOOST),
                       (tantivy.Query.phrase_prefix_query(schema, "abstract", phrase), 1.0)])
    if len(stems) == 1:
        return one_of(word_terms(schema, stems[0], names[0] if names else None))
    if _is_pair(stems, common):  # one term of the pair fields (stems)
        return one_of([*pair_clauses(schema, "_".join(stems)),
                       (tantivy.Query.phrase_query(schema, "authors", names), AUTHOR_BOOST)])
    queries = [(_phrase(schema, field, stems, common), boost)
               for field, boost in (("title", TITLE_BOOST), ("abstract", 1.0))]
    if len(names) > 1:
        queries.append((tantivy.Query.phrase_query(schema, "authors", names), AUTHOR_BOOST))
    return one_of(queries)


def _is_pair(stems: list[str], common: frozenset[str]) -> bool:
    """A phrase of two common words: the pair fields hold it as one term."""
    return len(stems) == 2 and stems[0] in common and stems[1] in common


def _plain_words(clauses: list[Clause]) -> list[search_word_cases.PlainWord] | None:
    """The words when every clause is one plain word (no prefix, no phrase); else None."""
    words = []
    for clause in clauses:
        stems = [s for w in clause.words for s in _STEM.analyze(w)]
        names = [s for w in clause.words for s in _NAME.analyze(w)]
        if clause.prefix or len(stems) != 1 or len(names) > 1:
            return None
        words.append(search_word_cases.PlainWord(stems[0], names[0] if names else None))
    return words


def _common_words(searcher: tantivy.Searcher, schema: tantivy.Schema,
                  plain: list[search_word_cases.PlainWord]) -> list[search_all_words.Word] | None:
    """The words when every one has an author-name form and is found in MIN_SHARE of the papers or more
    (such an AND is ranked through bounded steps: search_all_words); else None."""
    floor = search_all_words.MIN_SHARE * searcher.num_docs
    words = []
    for word in plain:
        if word.name is None:
            return None
        if max(searcher.doc_freq("title", word.stem), searcher.doc_freq("abstract", word.stem)) < floor:
            return None
        terms = word_terms(schema, word.stem, word.name)
        words.append(search_all_words.Word(word.stem, terms, [terms[0], *terms[2:]]))  # all but the abstract's
    return words


def _phrase(schema: tantivy.Schema, field: str, stems: list[str], common: frozenset[str]) -> tantivy.Query:
    """A phrase of three or more words whose stems are all common ("in this paper"): each word is in most
    papers, so its positions are checked in most papers (17 ms for "that a a" at 100k). Each adjacent pair
    is a term of the pair field, and the papers holding them all are few: the positions are checked there
    only. The pair filters score 0, so the ranking is the phrase's own."""
    phrase = tantivy.Query.phrase_query(schema, field, stems)
    if len(stems) < 3 or not all(stem in common for stem in stems):
        return phrase
    filters = [
        (tantivy.Occur.Must, tantivy.Query.const_score_query(term_query(schema, f"{field}_pairs", f"{a}_{b}"), 0.0))
        for a, b in pairwise(stems)
    ]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, phrase), *filters])


def _in_author_names(searcher: tantivy.Searcher, schema: tantivy.Schema, names: list[str]) -> bool:
    """Does some paper's author name hold these name words in this order (the live phrase's authors clause)?"""
    if len(names) < 2:
        return bool(names) and searcher.doc_freq("authors", names[0]) > 0
    if not all(searcher.doc_freq("authors", name) for name in names):
        return False
    return bool(searcher.search(tantivy.Query.phrase_query(schema, "authors", names), 1, count=False).hits)


def _author_filter(schema: tantivy.Schema, author: str) -> tantivy.Query | None:
    """Every word of the name among the paper's author names (in any order: "Wang Wei" or "Wei Wang")."""
    names = _NAME.analyze(author)
    if not names:
        return None
    return tantivy.Query.const_score_query(
        tantivy.Query.boolean_query([(tantivy.Occur.Must, term_query(schema, "authors", n)) for n in names]), 0.0
    )


def ranked_ids(
    opened: OpenIndex, clauses: list[Clause], *, limit: int, offset: int, author: str | None
) -> list[tuple[int, float]]:
    """(paper id, score) best first, `limit` of them after skipping `offset`."""
    index = opened.index
    searcher = index.searcher()
    schema = index.schema
    name_filter = _author_filter(schema, author) if author else None  # None too for a name of no words
    if len(clauses) == 1 and name_filter is None and offset + limit <= TOP_K:
        kept = _kept(opened, searcher, clauses[0])
        if kept is not None:
            return list(kept[offset:offset + limit])
    # Plain words by cases: two or more, or one within an author's papers.
    plain = _plain_words(clauses) if len(clauses) > 1 or (clauses and name_filter is not None) else None
    if plain is not None:
        words = _common_words(searcher, schema, plain) if name_filter is None else None
        if words is not None:
            ranked = search_all_words.ranked_all(searcher, schema, words, limit=limit, offset=offset)
            if ranked is not None:
                return ranked
        if len(plain) <= search_word_cases.MAX_WORDS and offset + limit <= search_word_cases.MAX_WANTED:
            return search_word_cases.ranked_by_cases(searcher, schema, plain, limit=limit, offset=offset,
                                                     required=[name_filter] if name_filter is not None else [])
    parts = [q for q in (_clause_query(searcher, schema, c, opened.common) for c in clauses) if q is not None]
    if name_filter is not None:
        parts.append(name_filter)
    if not parts:
        return []
    query = parts[0] if len(parts) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in parts])
    return top_hits(searcher, query, limit, offset)


def _kept(opened: OpenIndex, searcher: tantivy.Searcher, clause: Clause) -> Sequence[tuple[int, float]] | None:
    """The kept ranking that answers this clause exactly, if any: a common prefix's, a common word's (kept
    with its author-name term where author names hold the word as typed), or a phrase of two common words'
    when no author's name holds that phrase (the live query also scores the word or the phrase among author
    names)."""
    if not opened.top:
        return None
    stems = [s for w in clause.words for s in _STEM.analyze(w)]
    names = [s for w in clause.words for s in _NAME.analyze(w)]
    if not clause.prefix and _is_pair(stems, opened.common):
        kept = opened.top.get(PAIR_KEY + "_".join(stems))
        return kept if kept is not None and not _in_author_names(searcher, opened.index.schema, names) else None
    if len(stems) != 1 or not names:
        return None
    if clause.prefix:
        return opened.top.get(names[0]) if _is_gram(names[0]) else None  # as _clause_query picks the prefix fields
    kept = opened.top.get(WORD_KEY + stems[0])
    if kept is not None and searcher.doc_freq("authors", names[0]):  # scored among author names too
        return opened.top.get(author_word_key(stems[0], names[0]))  # the ranking kept with that term, if any
    return kept
