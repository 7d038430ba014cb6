"""The search index's analyzers: how titles, abstracts and author names become terms. The index registers
them (search_index), queries analyze what people type with them (search_engine), and the kept rankings
find the author-name words that are also common words with them (search_top)."""

from __future__ import annotations

import tantivy


def stem_analyzer() -> tantivy.TextAnalyzer:
    """Titles and abstracts: words of letters and digits, lower-cased, accents folded, English-stemmed
    (FTS5's porter unicode61 remove_diacritics, as near as tantivy has: its stemmer is Porter2)."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def name_analyzer() -> tantivy.TextAnalyzer:
    """Author names and prefixes: the same words, not stemmed (a name is not an English word)."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def words_analyzer() -> tantivy.TextAnalyzer:
    """The made-up terms of the prefix and pair fields: one string per field, split on spaces."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.remove_long(80))
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )
