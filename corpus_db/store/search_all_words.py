"""Common words ANDed ("model learning", "we the"), ranked exactly without scoring every paper that holds
them all.

tantivy intersects without block-max pruning, so an AND of words that are each in half the papers
scores every paper holding them all (24 ms at 1M papers). A paper's AND score is the sum of its term
scores: 10x each word's title score, its abstract score, 10x its author-name score. Two bounded steps
find the same top, each with a proof, and the caller runs the AND itself when both proofs fail:

1. Through the titles. The top of the words' OR over titles and author names (all but the abstracts:
   block-max WAND prunes it well, as a paper needs every word in its title to reach the top) are the
   candidates, scored exactly. A paper outside them scores at most that OR's last score plus each word's
   largest possible abstract score (idf * (k1 + 1)); the papers served must score above that. With three
   words or more it is tried only where that bound leaves it a chance (TITLE_STEP_MAX_ABSTRACTS).
2. Through the OR of every term, for two words only. A paper holding every word scores the same in the
   OR as in the AND, and a paper outside the OR's shortlist scores at most its last score. With three
   words or more the OR's top is papers holding some of them: at 1M it proved 1 of the 426 pages of such
   ANDs that the title step could not, at 4-15 ms each (two words: 24 of 48)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import orjson
import tantivy

from corpus_db.store.search_top import top_hits

MIN_SHARE = 0.05  # each word in this share of the papers or more: below, the AND is cheap (few papers to visit)
# The title step's shortlist, times the papers asked for, and the slices of it scored in turn: at 1M, for
# a first page of two of the 40 most frequent words, 3x proved 33 of 40 sampled pairs, 5x all 40 (12x
# instead of 6x: a slower WAND, p50 4.0-4.2 ms against 3.3-3.5 ms for the whole step).
TITLE_SHORTLIST = 6
TITLE_SLICES = (3, 5, 1)  # times the papers asked for; 1: the whole shortlist
MIN_TITLE_SHORTLIST = 60
OR_SHORTLIST = 40
OR_STEP_MAX_WORDS = 2  # past this, the OR step (4-15 ms at 1M) almost never proves what the titles could not
# Past OR_STEP_MAX_WORDS words, the title step is not tried where the words' abstracts can add this much to
# a paper outside its shortlist: at 1M it then proved no page (0 of 112 ANDs of 3-5 words; a bound of 10-12
# proved 1 of 29, below 8: 129 of 139), at ~3 ms each.
TITLE_STEP_MAX_ABSTRACTS = 12.0
K1 = 1.2  # tantivy's BM25
# f32 sums of the same scores in another order differ in the last bits: a served paper must clear the
# bound by more than that.
ROUNDING = 1e-5


@dataclass(frozen=True)
class Word:
    """One typed word: its stem, its terms with boosts as search_engine runs them, and those of them that
    are not the abstract's (title, author names)."""

    stem: str
    terms: list[tuple[tantivy.Query, float]]
    beyond_abstract: list[tuple[tantivy.Query, float]]


def _any_of(clauses: list[tuple[tantivy.Query, float]]) -> tantivy.Query:
    """One flat union (nested unions would not be pruned)."""
    return tantivy.Query.boolean_query([
        (tantivy.Occur.Should, query if boost == 1.0 else tantivy.Query.boost_query(query, boost))
        for query, boost in clauses
    ])


def _all_of(words: list[Word]) -> tantivy.Query:
    """The AND as search_engine runs it live: each word one union of its terms, all of them required."""
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, _any_of(word.terms)) for word in words])


def _holding_all(searcher: tantivy.Searcher, schema: tantivy.Schema, words: list[Word],
                 ids: list[int]) -> list[tuple[int, float]]:
    """Those of these papers that hold every word, with their AND scores, in the order the AND gives
    them (score, then index order for ties). The id filter is one term query per id, scored 0
    (term_set_query walks the whole id dictionary: ~10 ms at 100k)."""
    if not ids:
        return []
    only = tantivy.Query.const_score_query(tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "id", pid)) for pid in ids]), 0.0)
    query = tantivy.Query.boolean_query([(tantivy.Occur.Must, only), (tantivy.Occur.Must, _all_of(words))])
    return top_hits(searcher, query, len(ids), 0)


def _proven(found: list[tuple[int, float]], bound: float, offset: int, wanted: int) -> list[tuple[int, float]] | None:
    """The page, when the papers up to it all score above what any paper not looked at can score."""
    if len(found) >= wanted and found[wanted - 1][1] > bound + ROUNDING * abs(bound):
        return found[offset:wanted]
    return None


def _total_docs(searcher: tantivy.Searcher, query: tantivy.Query, address: tantivy.DocAddress) -> int:
    """BM25's N as tantivy counts it: every document slot, deleted ones too (num_docs leaves them out, and
    a smaller N would give too small an idf, so a bound that is not one)."""
    stack = [orjson.loads(query.explain(searcher, address).to_json())]
    while stack:
        node = stack.pop()
        if node.get("description", "").startswith("N, total number of docs"):
            return int(node["value"])
        stack.extend(node.get("details", []))
    raise ValueError("no document count in tantivy's explanation")


def _abstracts_bound(searcher: tantivy.Searcher, words: list[Word], docs: int) -> float:
    """The most the words' abstract terms can add to a paper's score: each word's idf * (k1 + 1), with
    `docs` as BM25's N."""
    bound = 0.0
    for word in words:
        freq = searcher.doc_freq("abstract", word.stem)
        bound += (1.0 + K1) * math.log(1.0 + (docs - freq + 0.5) / (freq + 0.5)) if freq else 0.0
    return bound


def _through_titles(searcher: tantivy.Searcher, schema: tantivy.Schema, words: list[Word], *, offset: int,
                    wanted: int) -> list[tuple[int, float]] | None:
    """Candidates are scored a slice at a time, in the title OR's order: a candidate not yet scored
    scores at most its title OR score plus the abstracts' largest, so the slice's last one bounds the
    rest, and most first pages are proven before the id filter (~20 us an id at 1M) reaches them all."""
    titles = _any_of([term for word in words for term in word.beyond_abstract])
    size = max(MIN_TITLE_SHORTLIST, TITLE_SHORTLIST * wanted)
    result = searcher.search(titles, size, count=False)
    if not result.hits:
        return None
    ids = [int(pid) for pid in searcher.fast_field_values("id", [address for _, address in result.hits])]
    abstracts = _abstracts_bound(searcher, words, _total_docs(searcher, titles, result.hits[0][1]))
    found: list[tuple[int, float]] = []
    scored = 0
    for share in TITLE_SLICES:
        upto = len(ids) if share == 1 else min(len(ids), max(MIN_TITLE_SHORTLIST, round(share * wanted)))
        if upto <= scored:
            continue
        found = sorted(found + _holding_all(searcher, schema, words, ids[scored:upto]), key=lambda hit: -hit[1])
        scored = upto
        # Every paper not scored: at most the last scored one's title OR score (0 once all are scored and
        # the OR found fewer than asked), plus the abstracts.
        floor = result.hits[scored - 1][0] if scored < len(ids) or len(ids) == size else 0.0
        ranked = _proven(found, floor + abstracts, offset, wanted)
        if ranked is not None:
            return ranked
    return None


def _through_or(searcher: tantivy.Searcher, schema: tantivy.Schema, words: list[Word], *, offset: int,
                wanted: int) -> list[tuple[int, float]] | None:
    size = max(OR_SHORTLIST, 2 * wanted)
    shortlist = top_hits(searcher, _any_of([term for word in words for term in word.terms]), size, 0)
    found = _holding_all(searcher, schema, words, [pid for pid, _ in shortlist])
    if len(shortlist) < size:  # the OR found fewer papers than asked: every match is in the shortlist
        return found[offset:wanted]
    return _proven(found, shortlist[-1][1], offset, wanted)


def ranked_all(searcher: tantivy.Searcher, schema: tantivy.Schema, words: list[Word], *, limit: int,
               offset: int) -> list[tuple[int, float]] | None:
    """(paper id, score) of the papers holding every word, best first, as the AND ranks them; None when
    neither step can prove its answer (the caller then runs the AND)."""
    wanted = offset + limit
    if len(words) <= OR_STEP_MAX_WORDS:
        steps = (_through_titles, _through_or)
    elif _abstracts_bound(searcher, words, searcher.num_docs) < TITLE_STEP_MAX_ABSTRACTS:
        steps = (_through_titles,)  # (num_docs leaves deleted documents out: a smaller bound, so a step tried)
    else:
        return None
    for step in steps:
        ranked = step(searcher, schema, words, offset=offset, wanted=wanted)
        if ranked is not None:
            return ranked
    return None
