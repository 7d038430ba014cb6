"""An AND of plain words ("moly deep") ranked as the union of disjoint cases: each word either in the
paper's abstract, or only in its title or author names.

tantivy ANDs one union a word (its title, abstract and author-name terms), and a union sought by the
other word's papers fills windows of 4,096 documents: every paper holding the word is decoded and scored,
not only those holding both. At 1M papers, "moly deep" (4.8% and 20.6% of the papers) took 2.4 ms.
Split by where each word is, every case intersects single terms (skipping through their lists), and
the title and author terms are optional, scored only where the intersection lands. The cases are
disjoint and together hold every paper that has every word, each scored with every term it matches, so
the best of their best are the AND's: the mix's 50 two-term queries took 0.538 ms instead of 0.663 on
average, none slower (/work/team/r19/split2.py). An author filter (the author's name words, scored 0) is
required in every case, and one word with it is ranked so too: a filtered union is decoded whole as well
("model" by Wang at 1M: 3.5 ms as the AND, 2.0 ms by cases; /work/team/r21/authorcases.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

import tantivy

from corpus_db.store.search_top import boosted, one_of, scored_ids, word_terms

MAX_WORDS = 3  # 2^n searches: past this, the AND as it is
# Papers asked for, the offset included: each case hands its best that many to Python to be merged, where
# the AND skips an offset inside tantivy (a page deep in the results, an export of 10,000): the AND then.
MAX_WANTED = 1_000


@dataclass(frozen=True)
class PlainWord:
    """A typed word: its stem (titles, abstracts) and its name form (author names; None when it has none)."""

    stem: str
    name: str | None


def _clauses(schema: tantivy.Schema, word: PlainWord, in_abstract: bool) -> list[tuple[tantivy.Occur, tantivy.Query]]:
    """The word's part of one case: its abstract term required (with the title and name terms scored where
    they also match), or absent (with one of the others required)."""
    title, (abstract, _), *names = word_terms(schema, word.stem, word.name)
    others = [title, *names]
    if in_abstract:
        return [(tantivy.Occur.Must, abstract), *((tantivy.Occur.Should, boosted(*other)) for other in others)]
    return [(tantivy.Occur.Must, one_of(others)), (tantivy.Occur.MustNot, abstract)]


def ranked_by_cases(searcher: tantivy.Searcher, schema: tantivy.Schema, words: list[PlainWord], *, limit: int,
                    offset: int, required: Sequence[tantivy.Query] = ()) -> list[tuple[int, float]]:
    """(paper id, score) of the papers holding every word and matching every `required` query, best first
    (ties in index order, as tantivy orders them), as the AND of each word's title, abstract and author-name
    terms and the required queries scores them."""
    if not 0 < len(words) <= MAX_WORDS:
        raise ValueError(f"{len(words)} words: 1 to {MAX_WORDS} are ranked by cases")
    wanted = offset + limit
    if wanted <= 0:
        return []
    in_abstract = [searcher.doc_freq("abstract", word.stem) > 0 for word in words]
    elsewhere = [searcher.doc_freq("title", word.stem) > 0
                 or (word.name is not None and searcher.doc_freq("authors", word.name) > 0) for word in words]
    hits: list[tuple[float, tantivy.DocAddress]] = []
    for case in product((True, False), repeat=len(words)):
        if not all(in_abstract[i] if where else elsewhere[i] for i, where in enumerate(case)):
            continue  # a required list is empty: no paper in this case
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, filter_query) for filter_query in required]
            + [clause for word, where in zip(words, case, strict=True) for clause in _clauses(schema, word, where)])
        hits += searcher.search(query, wanted, count=False).hits
    hits.sort(key=lambda hit: (-hit[0], hit[1].segment_ord, hit[1].doc))
    return scored_ids(searcher, hits[offset:wanted])
