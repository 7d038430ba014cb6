"""Common prefixes and words ranked once: a 3-4 letter prefix or a word found in a fifth of the papers
or more has an IDF near zero, so WAND prunes almost nothing and the query costs tens of ms at 1M papers;
one in 5-20% of them still costs ~0.8 ms (block maxima of so many papers are near the top score), which
was most of what the mix's one-term and prefix queries cost at 1M. Their best KEEP are ranked after each
commit of the index, before the new version is named, and kept in the generation folder; search_engine
answers the first TOP_K of such a prefix or word from there. A key is the prefix ("lear"), "=" and the
word's stem ("=learn"), "@", the stem, "@" and a word of author names that is one of its forms
("@power@power": the live query scores the name too), or '"' and the pair term of a phrase of two common
words ('"languag_model': the pair fields hold such a phrase as one term, as slow as a common word when it is
in many papers; at 1M, 114 of them are in 5% of the papers or more, and finding and ranking them adds
~0.45 s to the 2.4 s of the others).

A full ranking (every common prefix over every paper) runs after a build, when the papers changed
since the last one exceed FULL_SHARE of the corpus, or when re-scoring this update's candidates would
cost more than the last full ranking did (timings kept in the file: at 100k papers a full ranking is the
cheaper one for any update, at 1M re-scoring wins below a few hundred changed papers). Otherwise an update
re-scores only the candidates: the
kept KEEP plus the changed papers, exactly, with the current searcher (the same scores a live query
gives). A paper outside both can only rise by corpus statistics shifting, and it lies below KEEP: the
margin KEEP - TOP_K and the FULL_SHARE bound keep it out of the served TOP_K.

Which keys are common is found again (a walk of the term dictionaries, ~0.1 s at 100k) only when the
papers changed since the last time exceed KEYS_SHARE of the corpus; an update in between ranks the keys
the file holds. That stays exact: every kept key is ranked against the current index, a key that became common
since is searched live until then, and one that stopped being common is still ranked right.

The file names the index version (search_index's state row) it was ranked for, and readers use it only at
that version: a version whose ranking is not written yet is searched live, with the same answers. That
lets a write command of a large corpus leave a full ranking to a background process (search_index.refresh)
instead of waiting for it: ~1 s of a 1%-edited re-import at 100k papers, ~2.9 s at 1M (2,075 keys)."""

from __future__ import annotations

import os
import sys
import time
from array import array
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import overload

import orjson
import tantivy

from corpus_db.store.search_analyzers import stem_analyzer

TITLE_BOOST = 10.0  # a title match weighs ten times an abstract match, as in FTS5's bm25(10.0, 1.0)
AUTHOR_BOOST = 10.0  # author names count like titles
# Keys in this share of the papers or more are kept. At 1M: 0.2 kept 451 keys (ranked in 0.95 s); 0.05 keeps
# 1,961 words and prefixes (2.1-2.4 s, in the background after a large import; 2,075 keys and 2.9 s with the
# phrase pairs), which took 34 of the mix's 100 one-term and prefix queries from ~0.82 ms of ranking to a
# look-up (/work/team/r18/shares.py).
TOP_SHARE = 0.05
TOP_K = 100  # served: five pages of 20
KEEP = 200  # kept: the margin a small update re-scores within
MIN_KEPT = 150  # a prefix whose kept list fell below this (papers unlisted) is ranked again in full
FULL_SHARE = 0.01  # changed papers since the last full ranking, against the corpus, that call for a new one
KEYS_SHARE = 0.05  # changed papers since the common keys were found that call for finding them again
# Seconds to re-score one candidate for one prefix, until an update has measured it (100k and 1M: ~9 us).
RESCORE_SECONDS_GUESS = 9e-6
TOP_FILE = "common-prefixes.json"
# 4: common words too; 5: changes since the keys were found; 6: the index version; 7: a header line;
# 8: the served pairs in binary after it
FORMAT = 8
WORD_KEY = "="  # a kept word's key is this and its stem: no prefix holds it
# A kept word that author names hold too, as typed ("power", "field"; "a" for an initial): this, its stem,
# this again and the name ("@power@power"). The live query scores the name among authors as well, so the
# word's own ranking would not be its answer.
NAME_KEY = "@"
PAIR_KEY = '"'  # a kept phrase of two common words: this and its pair term ("of_the"), as the pair fields hold it
PAIR_FIELDS = (("title_pairs", TITLE_BOOST), ("abstract_pairs", 1.0))
COMMON_WORDS_LOOKED_AT = 2_000  # the most widespread terms of each field, of which those over TOP_SHARE are kept
PREFIX_FIELDS = (("title_prefix", TITLE_BOOST), ("abstract_prefix", 1.0))
PREFIX_LEN = 4  # the prefix fields hold each word's first 4 letters (see search_index.prefixes)


def term_query(schema: tantivy.Schema, field: str, value: str) -> tantivy.Query:
    """One term of a text field, scored by its frequency (no positions needed)."""
    return tantivy.Query.term_query(schema, field, value, index_option="freq")


def gram_terms(searcher: tantivy.Searcher, gram: str) -> list[str]:
    """The prefix fields' terms a 3-4 letter prefix stands for: a 4-letter one is its own term; a
    3-letter one, the 3-letter word and the 4-letter grams it starts (at most a few dozen)."""
    if len(gram) >= PREFIX_LEN:
        return [gram]
    return sorted({term for field, _ in PREFIX_FIELDS for term, _ in searcher.terms_with_prefix(field, gram)})


def prefix_query(searcher: tantivy.Searcher, schema: tantivy.Schema, gram: str) -> tantivy.Query:
    """A 3-4 letter prefix over the prefix fields, titles weighing ten times abstracts."""
    terms = gram_terms(searcher, gram)
    if not terms:
        return tantivy.Query.empty_query()
    return tantivy.Query.boolean_query([
        (tantivy.Occur.Should, tantivy.Query.boost_query(
            term_query(schema, field, term), boost))
        for term in terms for field, boost in PREFIX_FIELDS
    ])


def word_clauses(schema: tantivy.Schema, stem: str) -> list[tuple[tantivy.Query, float]]:
    """One stemmed word over titles and abstracts (title weight 10), as search_engine asks for it beside
    author names."""
    return [(term_query(schema, "title", stem), TITLE_BOOST), (term_query(schema, "abstract", stem), 1.0)]


def word_terms(schema: tantivy.Schema, stem: str, name: str | None) -> list[tuple[tantivy.Query, float]]:
    """One word: its stem in titles and abstracts, and its name form among author names where it has one
    (in this order)."""
    clauses = word_clauses(schema, stem)
    if name is not None:
        clauses.append((term_query(schema, "authors", name), AUTHOR_BOOST))
    return clauses


def pair_clauses(schema: tantivy.Schema, pair: str) -> list[tuple[tantivy.Query, float]]:
    """A phrase of two common words, one term of the pair fields ("of_the"), as search_engine asks for it
    beside author names."""
    return [(term_query(schema, field, pair), boost) for field, boost in PAIR_FIELDS]


def boosted(query: tantivy.Query, boost: float) -> tantivy.Query:
    """The query, its score multiplied by `boost` (as is for 1)."""
    return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)


def one_of(clauses: list[tuple[tantivy.Query, float]]) -> tantivy.Query:
    """Any of the clauses, each score multiplied by its boost."""
    boosted_clauses = [boosted(q, boost) for q, boost in clauses]
    if len(boosted_clauses) == 1:
        return boosted_clauses[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in boosted_clauses])


def author_word_key(stem: str, name: str) -> str:
    """The key of a common word (`stem`) typed as `name`, which author names hold too."""
    return f"{NAME_KEY}{stem}{NAME_KEY}{name}"


def kept_query(searcher: tantivy.Searcher, schema: tantivy.Schema, key: str) -> tantivy.Query:
    """The query a kept key ranks: a common word's (with its name among authors, for a name key), a phrase of
    two common words', or a prefix's."""
    if key.startswith(WORD_KEY):
        return one_of(word_clauses(schema, key[len(WORD_KEY):]))
    if key.startswith(NAME_KEY):
        stem, _, name = key[len(NAME_KEY):].partition(NAME_KEY)
        return one_of(word_terms(schema, stem, name))
    if key.startswith(PAIR_KEY):
        return one_of(pair_clauses(schema, key[len(PAIR_KEY):]))
    return prefix_query(searcher, schema, key)


def top_hits(searcher: tantivy.Searcher, query: tantivy.Query, limit: int, offset: int) -> list[tuple[int, float]]:
    """(paper id, score) best first: block-max WAND (count=False, else every match is visited)."""
    return scored_ids(searcher, searcher.search(query, limit, count=False, offset=offset).hits)


def scored_ids(searcher: tantivy.Searcher, hits: list[tuple[float, tantivy.DocAddress]]) -> list[tuple[int, float]]:
    """(paper id, score) of tantivy's hits, in their order."""
    if not hits:
        return []
    ids = searcher.fast_field_values("id", [address for _, address in hits])
    return [(int(pid), float(score)) for pid, (score, _) in zip(ids, hits, strict=True)]


def _common_keys(searcher: tantivy.Searcher) -> list[str]:
    """The keys to keep: 4-letter grams in TOP_SHARE of the papers or more, 3-letter ones whose terms'
    counts add up to that (a sum over-counts papers with two of them: at worst a prefix is kept that need
    not be), the stems of titles or abstracts in TOP_SHARE of the papers (and again with each author-name word
    that is one of their forms: _name_keys), and the pair terms ("of_the": a phrase of two common words, one
    term) of abstracts in TOP_SHARE of the papers."""
    floor = TOP_SHARE * searcher.num_docs
    # Pairs by their abstracts' count only: walking a pair field's dictionary costs ~2 us a term (0.47 s for
    # the abstracts' 233k at 1M), and no title pair reached 5% there (the most common: 1.2%). A pair common
    # in titles alone would be searched live, with the same answers.
    common: set[str] = {marker + term for marker, fields in ((WORD_KEY, ("title", "abstract")),
                                                             (PAIR_KEY, ("abstract_pairs",)))
                        for field in fields
                        for term, count in searcher.terms_with_prefix(field, "", limit=COMMON_WORDS_LOOKED_AT)
                        if count >= floor}
    for field, _ in PREFIX_FIELDS:
        starts: dict[str, int] = {}
        for term, count in searcher.terms_with_prefix(field, ""):
            if len(term) >= PREFIX_LEN and count >= floor:
                common.add(term)
            starts[term[:PREFIX_LEN - 1]] = starts.get(term[:PREFIX_LEN - 1], 0) + count
        common.update(start for start, count in starts.items() if count >= floor)
    common.update(_name_keys(searcher, {key[len(WORD_KEY):] for key in common if key.startswith(WORD_KEY)}))
    return sorted(common)


_STEM = stem_analyzer()


def _name_keys(searcher: tantivy.Searcher, stems: set[str]) -> set[str]:
    """The name keys of the author-name words whose stem is one of these common stems. Real author lists hold
    many common words ("Power", "Field", "Long", "A." and collaboration names), and a word typed as one of them
    would be searched live (1-8 ms at 1M against a look-up). The names looked at start with a stem's first two
    letters: the English stemmer changes only a word's end (a name missed here is searched live, exactly)."""
    keys = set()
    for start in sorted({stem[:2] for stem in stems}):
        for name, _ in searcher.terms_with_prefix("authors", start):
            analyzed = _STEM.analyze(name)
            if len(analyzed) == 1 and analyzed[0] in stems:
                keys.add(author_word_key(analyzed[0], name))
    return keys


def _rescored(
    searcher: tantivy.Searcher, schema: tantivy.Schema, gram: str, ids: list[int], by_id: dict[int, tantivy.Query]
) -> list[tuple[int, float]]:
    """These papers' scores for the prefix, best first, as the live query scores them (the id filter adds 0).
    The filter is one term query per id (term_set_query walks the whole id dictionary: 9 ms against 1 ms
    for 200 ids at 100k); `by_id` keeps them across prefixes, whose kept lists share most papers."""
    for pid in ids:
        if pid not in by_id:
            by_id[pid] = tantivy.Query.term_query(schema, "id", pid)
    only = tantivy.Query.const_score_query(
        tantivy.Query.boolean_query([(tantivy.Occur.Should, by_id[pid]) for pid in ids]), 0.0)
    query = tantivy.Query.boolean_query([(tantivy.Occur.Must, only),
                                         (tantivy.Occur.Must, kept_query(searcher, schema, gram))])
    return top_hits(searcher, query, KEEP, 0)


def _write(path: Path, kept: dict[str, list[tuple[int, float]]], changed: int, *, version: int | None,
           keys_changed: int, full_seconds: float, rescore_seconds: float) -> None:
    """A header line (what an update decides by, and the keys), the served pairs in binary (what readers
    load: no parsing), then the rankings as JSON, for the next update to re-score: parsing those takes
    ~50 ms at 100k papers (460 keys x 200 pairs), which a reader or an update that only decides need not spend."""
    partial = path / (TOP_FILE + ".partial")
    keys = sorted(kept)
    served = [kept[key][:TOP_K] for key in keys]
    block = b"".join(_pairs_bytes(hits) for hits in served)
    header = {"format": FORMAT, "generation": path.name, "version": version, "changed_since_full": changed,
              "changed_since_keys": keys_changed, "full_seconds": full_seconds, "rescore_seconds": rescore_seconds,
              "keys": keys, "served": [len(hits) for hits in served], "served_bytes": len(block)}
    partial.write_bytes(orjson.dumps(header) + b"\n" + block + orjson.dumps(kept))
    os.replace(partial, path / TOP_FILE)


def _pairs_bytes(hits: list[tuple[int, float]]) -> bytes:
    """The ids (int64), then the scores (float64), little-endian."""
    ids, scores = array("q", [pid for pid, _ in hits]), array("d", [score for _, score in hits])
    if sys.byteorder != "little":
        ids.byteswap()
        scores.byteswap()
    return ids.tobytes() + scores.tobytes()


class Served(Sequence[tuple[int, float]]):
    """A kept ranking's first TOP_K (paper id, score) pairs, read from the file's bytes as they are: 1,961 keys
    of 100 pairs at 1M were ~22 MB of tuples in every search worker, and ~0.1 s of JSON to parse after each
    commit of the index. A slice is a list of pairs, as the ranking's own."""

    __slots__ = ("_ids", "_scores")

    def __init__(self, ids: Sequence[int], scores: Sequence[float]) -> None:
        self._ids, self._scores = ids, scores

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> tuple[int, float]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, float]]: ...

    def __getitem__(self, index: int | slice) -> tuple[int, float] | list[tuple[int, float]]:
        if isinstance(index, slice):
            return list(zip(self._ids[index], self._scores[index], strict=True))
        return self._ids[index], self._scores[index]


def _served(block: bytes, keys: list[str], counts: list[int]) -> dict[str, Served]:
    view = memoryview(block)  # a bytes object's data is 8-aligned: casting slices at multiples of 8 is safe
    served, at = {}, 0
    for key, count in zip(keys, counts, strict=True):
        size = 8 * count
        ids, scores = view[at:at + size].cast("q"), view[at + size:at + 2 * size].cast("d")
        if sys.byteorder != "little":
            ids, scores = _swapped(ids, "q"), _swapped(scores, "d")
        served[key] = Served(ids, scores)
        at += 2 * size
    if at != len(block):
        raise ValueError("served pairs and their counts disagree")
    return served


def _swapped(view: memoryview, code: str) -> array:
    values = array(code, view.tobytes())
    values.byteswap()
    return values


def _usable_header(header: object, path: Path) -> bool:
    """This format, this generation, and every field readers and updates use of its type (a damaged file is
    then no file: ranked again, and searched live meanwhile)."""
    if not (isinstance(header, dict) and header.get("format") == FORMAT and header.get("generation") == path.name):
        return False
    keys, served = header.get("keys"), header.get("served")
    return (
        isinstance(keys, list) and all(isinstance(key, str) for key in keys)
        and isinstance(served, list) and len(served) == len(keys) and all(_count(n) for n in served)
        and _count(header.get("served_bytes")) and _count(header.get("changed_since_full"))
        and _count(header.get("changed_since_keys")) and (header.get("version") is None or _count(header["version"]))
        and all(isinstance(header.get(f), int | float) for f in ("full_seconds", "rescore_seconds"))
    )


def _count(value: object) -> bool:
    return type(value) is int and value >= 0


def read_header(path: Path) -> dict | None:
    """The kept file's header line (None: no usable file)."""
    try:
        with (path / TOP_FILE).open("rb") as kept:
            header = orjson.loads(kept.readline())
    except (OSError, orjson.JSONDecodeError):
        return None
    return header if _usable_header(header, path) else None


def _read(path: Path) -> dict | None:
    """The header with the rankings under "prefixes" (None: no usable file)."""
    try:
        first, _, rest = (path / TOP_FILE).read_bytes().partition(b"\n")
        header = orjson.loads(first)
        if not _usable_header(header, path):
            return None
        prefixes = orjson.loads(rest[header["served_bytes"]:])
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if not isinstance(prefixes, dict):
        return None
    return {**header, "prefixes": prefixes}


def write_common_prefixes(index: tantivy.Index, path: Path, *, version: int | None) -> int:
    """Rank every prefix found in TOP_SHARE of the papers or more into TOP_FILE (replaced atomically), for
    index `version`. Returns how many were ranked."""
    index.reload()
    searcher = index.searcher()
    return _rank_all(searcher, index.schema, path, _common_keys(searcher), read_header(path), version=version,
                     keys_changed=0)


def ranked_for(path: Path) -> int | None:
    """The index version the kept file was ranked for (None: no usable file)."""
    header = read_header(path)
    return header["version"] if header else None


def _rank_all(searcher: tantivy.Searcher, schema: tantivy.Schema, path: Path, grams: list[str],
              previous: dict | None, *, version: int | None, keys_changed: int) -> int:
    started = time.perf_counter()
    kept = _ranked(searcher, schema, grams)
    _write(path, kept, 0, version=version, keys_changed=keys_changed, full_seconds=time.perf_counter() - started,
           rescore_seconds=previous["rescore_seconds"] if previous else RESCORE_SECONDS_GUESS)
    return len(kept)


def _ranked(searcher: tantivy.Searcher, schema: tantivy.Schema, grams: list[str]) -> dict[str, list[tuple[int, float]]]:
    """Each prefix's best KEEP, on two threads: tantivy releases the GIL while it searches, and after an
    import the second core is idle (310 prefixes at 100k: 0.50 s -> 0.33-0.44 s, machine under load)."""
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        ranked = pool.map(lambda gram: top_hits(searcher, kept_query(searcher, schema, gram), KEEP, 0), grams)
        return dict(zip(grams, ranked, strict=True))


def _rescoring_costs_more(body: dict, grams: int, candidates: int) -> bool:
    """Would re-scoring `candidates` papers for each of `grams` prefixes take longer than a full ranking?"""
    return body["rescore_seconds"] * grams * candidates > body["full_seconds"]


def update_common_prefixes(index: tantivy.Index, path: Path, changed: list[int], *, version: int | None,
                           defer_full: bool = False) -> str:
    """After `changed` papers were applied to the index, for index `version`: re-score the candidates of
    each kept prefix, or rank everything again ("full") when the kept file is missing, of another
    generation or format, the changes since the last full ranking exceed FULL_SHARE, or re-scoring would
    take longer than the last full ranking took. `defer_full`: leave a full ranking to the caller's
    background process (write_common_prefixes) and the file as it is, of an older version. Returns "full",
    "rescored" or "deferred"."""
    body = read_header(path)
    if body is not None and version is not None and body["version"] != version - 1:
        # Ranked for another index version (a deferred ranking not written yet): the papers changed since are
        # not among its candidates, so re-scoring it would not be exact.
        body = None
    index.reload()
    searcher = index.searcher()
    since = (body["changed_since_full"] if body else 0) + len(changed)
    keys_changed = (body["changed_since_keys"] if body else 0) + len(changed)
    full = body is None or since > FULL_SHARE * searcher.num_docs
    if full and defer_full:
        return "deferred"  # before the keys are found: the background ranking finds them
    if body is None or keys_changed > KEYS_SHARE * searcher.num_docs:
        grams, keys_changed = _common_keys(searcher), 0
    else:
        grams = body["keys"]
    if full or _rescoring_costs_more(body, len(grams), KEEP + len(changed)):
        if defer_full:
            return "deferred"
        # this searcher, keys and file: not read again
        _rank_all(searcher, index.schema, path, grams, body, version=version, keys_changed=keys_changed)
        return "full"
    started = time.perf_counter()
    old: dict[str, list[list[float]]] = (_read(path) or {}).get("prefixes", {})
    kept: dict[str, list[tuple[int, float]]] = {}
    by_id: dict[int, tantivy.Query] = {}
    rescored = 0
    for gram in grams:
        hits = old.get(gram)
        if hits is not None:
            candidates = sorted({int(pid) for pid, _ in hits} | set(changed))
            rescored += len(candidates)
            hits = _rescored(searcher, index.schema, gram, candidates, by_id)
        if hits is None or len(hits) < MIN_KEPT:  # newly common, or its margin was unlisted
            hits = top_hits(searcher, kept_query(searcher, index.schema, gram), KEEP, 0)
        kept[gram] = hits
    took = time.perf_counter() - started
    _write(path, kept, since, version=version, keys_changed=keys_changed, full_seconds=body["full_seconds"],
           rescore_seconds=took / rescored if rescored else body["rescore_seconds"])
    return "rescored"


def load_top(path: Path, version: int | None) -> dict[str, Sequence[tuple[int, float]]]:
    """The kept rankings' served pairs for index `version` ({} when absent, stale, of another version or
    damaged: such prefixes are then searched live). `version` None: whatever version the file is of (bench
    tools)."""
    try:
        with (path / TOP_FILE).open("rb") as kept:
            header = orjson.loads(kept.readline())
            if not _usable_header(header, path) or (version is not None and header["version"] != version):
                return {}
            block = kept.read(header["served_bytes"])
        return dict(_served(block, header["keys"], header["served"]))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return {}
