"""Common prefixes ranked once: a 3-4 letter prefix found in a fifth of the papers or more has an IDF
near zero, so WAND prunes almost nothing and the query costs tens of ms at 1M papers. Its best TOP_K are
ranked after each commit of the index, before the new version is named, and kept in the generation
folder; search_engine answers the first pages of such a prefix from there."""

from __future__ import annotations

import json
import os
from pathlib import Path

import tantivy

TITLE_BOOST = 10.0  # a title match weighs ten times an abstract match, as in FTS5's bm25(10.0, 1.0)
TOP_SHARE = 0.2
TOP_K = 100  # five pages of 20
TOP_FILE = "common-prefixes.json"
PREFIX_FIELDS = (("title_prefix", TITLE_BOOST), ("abstract_prefix", 1.0))


def prefix_term_query(schema: tantivy.Schema, gram: str) -> tantivy.Query:
    """A 3-4 letter prefix as one term of the prefix fields, titles weighing ten times abstracts."""
    return tantivy.Query.boolean_query([
        (tantivy.Occur.Should, tantivy.Query.boost_query(
            tantivy.Query.term_query(schema, field, gram, index_option="freq"), boost))
        for field, boost in PREFIX_FIELDS
    ])


def top_hits(searcher: tantivy.Searcher, query: tantivy.Query, limit: int, offset: int) -> list[tuple[int, float]]:
    """(paper id, score) best first: block-max WAND (count=False, else every match is visited)."""
    result = searcher.search(query, limit, count=False, offset=offset)
    if not result.hits:
        return []
    ids = searcher.fast_field_values("id", [address for _, address in result.hits])
    return [(int(pid), float(score)) for pid, (score, _) in zip(ids, result.hits, strict=True)]


def write_common_prefixes(index: tantivy.Index, path: Path) -> int:
    """Rank every prefix found in TOP_SHARE of the papers or more into TOP_FILE (replaced atomically).
    Returns how many were ranked."""
    index.reload()
    searcher = index.searcher()
    floor = TOP_SHARE * searcher.num_docs
    grams = {term for field, _ in PREFIX_FIELDS
             for term, count in searcher.terms_with_prefix(field, "") if count >= floor}
    kept = {gram: top_hits(searcher, prefix_term_query(index.schema, gram), TOP_K, 0) for gram in sorted(grams)}
    partial = path / (TOP_FILE + ".partial")
    partial.write_text(json.dumps(kept), encoding="utf-8")
    os.replace(partial, path / TOP_FILE)
    return len(kept)


def load_top(path: Path) -> dict[str, list[tuple[int, float]]]:
    """The kept rankings ({} when absent: such prefixes are then searched live)."""
    try:
        kept = json.loads((path / TOP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {prefix: [(int(pid), float(score)) for pid, score in hits] for prefix, hits in kept.items()}
