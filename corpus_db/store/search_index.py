"""The ranked-search index: a tantivy index in a folder beside the database (`corpus.db.search/`),
derived from SQLite and rebuildable from it at any time.

Consistency: triggers queue changed paper ids in search_outbox within the writing transaction
(search_outbox.py). Under the writer lock, update() applies the queue to the index and commits it
(tantivy swaps its meta.json atomically), and only then, in one SQLite transaction, empties the queue
and bumps search_index.version. A full build goes into a new generation folder and becomes current
by that same SQLite transaction naming it. A kill -9 anywhere leaves the old state (queue still full:
readers use FTS5) or the new one; the next write command repeats the work, which is idempotent."""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Protocol

import tantivy

from corpus_db.store import paper_cards, search_top
from corpus_db.store import search_outbox as outbox
from corpus_db.store.db import connect, utc_now
from corpus_db.store.search_analyzers import name_analyzer, stem_analyzer, words_analyzer
from corpus_db.store.search_top import PREFIX_LEN
from corpus_db.store.transaction import write_transaction

AUTHOR_SEPARATOR = "\x1f"
# Bumped whenever the fields change: a generation of another layout is rebuilt, never queried.
LAYOUT = "v7"  # v6: 4-letter prefix grams only; v7: the pair fields hold stems
# ASCII punctuation becomes a space before splitting into words, in C (str.translate), not per word.
_PUNCTUATION = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"})
# A queue this large against the corpus is cheaper to rebuild than to apply one paper at a time.
REBUILD_SHARE = 0.5
# From this many papers a full rebuild after an import runs in the background (see refresh()), and so does
# an update of BACKGROUND_MIN_CHANGES papers or more: 10k changed papers of a 1M corpus took 2.0-2.2 s to
# apply (the documents' fields in Python 1.2-1.4 s, the commit 0.4-0.5 s), 15% of a 1%-edited re-import.
BACKGROUND_MIN_PAPERS = 50_000
BACKGROUND_MIN_CHANGES = 2_000
INLINE_ENV = "CORPUS_DB_INDEX_INLINE"  # "1": always update within the command (tests, benchmarks)
WRITER_HEAP = 128_000_000  # bytes, split between the indexing threads; flushed to a segment when full
_CHUNK = 2_000


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, ASCII punctuation taken as a space: split in C, not per word."""
    return text.lower().translate(_PUNCTUATION).split()


def prefixes(items: list[str]) -> str:
    """Each word's first 4 letters (a 3-letter word as it is): a 4-letter prefix is then one term (its
    frequency summed over the words it starts, as FTS5 counts a prefix), a 3-letter one the few terms
    it starts here. 3-letter grams as well made tantivy index 1.9x the tokens of this field."""
    return " ".join([w[:PREFIX_LEN] for w in items if len(w) >= PREFIX_LEN - 1])


# A word as written -> its stem, for the words whose stem is common: the pair fields' vocabulary.
CommonForms = dict[str, str]


def pairs(items: list[str], forms: CommonForms) -> str:
    """Adjacent words whose stems are both common, as stem_stem: such a phrase is then one term, scored and
    pruned like a word. Stems, because the phrase query matches stems: with the words as written, "neural
    network" missed every paper saying "neural networks" (58 of FTS5's 126 papers in the real samples). A
    phrase with a rarer word is cheap with positions (the rare word bounds the candidates), and indexing
    every pair made the term dictionary, and the build, several times larger."""
    stems = list(map(forms.get, items))  # None for a word whose stem is not common
    return " ".join([f"{a}_{b}" for a, b in pairwise(stems) if a and b])


COMMON_FILE = "common-forms.tsv"
COMMON_WORDS = 500  # the stems found in most papers of a sample: pairs of them are the slow phrases
COMMON_SAMPLE = 20_000
_WORD_STEMMER = stem_analyzer()


def stem_of_word(word: str) -> str:
    """The stem the phrase query gives a word; "" when the tokenizer cuts it in two ("a—b")."""
    stems = _WORD_STEMMER.analyze(word)
    return stems[0] if len(stems) == 1 else ""


def common_forms(conn: sqlite3.Connection) -> CommonForms:
    """The stems found in the most papers of a sample, with every form of them the sample writes (a form
    the sample never wrote starts no pair: the price of looking words up instead of stemming each one,
    which cost the build 15% more CPU)."""
    stem_of: dict[str, str] = {}  # the sample's vocabulary
    counts: Counter[str] = Counter()
    for title, abstract in conn.execute(f"SELECT title, coalesce(abstract, '') FROM papers LIMIT {COMMON_SAMPLE}"):
        found = set(words(f"{title} {abstract}"))  # one split: the space joins no two words
        # Not `found - stem_of.keys()`: that walks the whole vocabulary for every paper (10 s of 12 at 20k).
        for word in [word for word in found if word not in stem_of]:
            stem_of[word] = stem_of_word(word)
        stems = set(map(stem_of.__getitem__, found))  # in C, where a set comprehension steps in Python
        stems.discard("")
        counts.update(stems)
    common = {stem for stem, _ in counts.most_common(COMMON_WORDS)}
    return {word: stem for word, stem in stem_of.items() if stem in common}


def save_common(path: Path, forms: CommonForms) -> None:
    (path / COMMON_FILE).write_text("".join(f"{w}\t{s}\n" for w, s in sorted(forms.items())), encoding="utf-8")


def load_common_forms(path: Path) -> CommonForms:
    """The common forms a generation was built with (its pair fields hold pairs of these only)."""
    lines = (path / COMMON_FILE).read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if "\t" in line)


def load_common(path: Path) -> frozenset[str]:
    """The common stems of a generation (a typed phrase of two of them is one pair term)."""
    return frozenset(load_common_forms(path).values())


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name="corpus_stem", index_option="position")
    builder.add_text_field("abstract", tokenizer_name="corpus_stem", index_option="position")
    builder.add_text_field("authors", tokenizer_name="corpus_name", index_option="position")
    for field in ("title_prefix", "abstract_prefix", "title_pairs", "abstract_pairs"):
        builder.add_text_field(field, tokenizer_name="corpus_words", index_option="freq")
    return builder.build()


def register_analyzers(index: tantivy.Index) -> None:
    """Custom analyzers are not stored in the index: every opener registers them."""
    index.register_tokenizer("corpus_stem", stem_analyzer())
    index.register_tokenizer("corpus_name", name_analyzer())
    index.register_tokenizer("corpus_words", words_analyzer())


def index_root(db_path: str | Path) -> Path:
    """The folder beside the database that holds the index generations."""
    return Path(f"{db_path}.search")


@dataclass
class IndexState:
    """The row of search_index: which generation is current, and its version."""

    generation: str
    version: int
    papers: int
    built_at: str
    updated_at: str


def read_state(conn: sqlite3.Connection) -> IndexState | None:
    row = conn.execute(
        f"SELECT generation, version, papers, built_at, updated_at FROM {outbox.STATE_TABLE} WHERE id = 1"
    ).fetchone()
    return IndexState(*row) if row else None


@dataclass
class IndexUpdate:
    """What update() did."""

    action: str  # "none", "applied", "rebuilt"
    papers: int  # papers written to the index
    seconds: float
    generation: str | None
    size_bytes: int = 0
    ranking: str = ""  # the kept rankings of common prefixes: "full", "rescored", "deferred" (see refresh)
    cards: int = 0  # paper cards filled (paper_cards.refill)
    cards_seconds: float = 0.0


ROWS_SQL = f"""
SELECT p.id, p.title, coalesce(p.abstract, ''),
  (SELECT group_concat(a.name, '{AUTHOR_SEPARATOR}') FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
   WHERE pa.paper_id = p.id)
FROM papers p
"""


def _documents(
    rows: Iterator[tuple[int, str, str, str | None]], schema: tantivy.Schema, forms: CommonForms
) -> Iterator[tantivy.Document]:
    for paper_id, title, abstract, authors in rows:
        title_words, abstract_words = words(title), words(abstract)
        fields: dict[str, object] = {
            "id": paper_id, "title": title, "abstract": abstract,
            "title_prefix": prefixes(title_words), "abstract_prefix": prefixes(abstract_words),
            "title_pairs": pairs(title_words, forms), "abstract_pairs": pairs(abstract_words, forms),
        }
        if authors:
            fields["authors"] = authors.split(AUTHOR_SEPARATOR)  # values apart: no phrase spans two names
        yield tantivy.Document.from_dict(fields, schema)


def _threads() -> int:
    # The second core, where there is one: tantivy indexes on its own threads while Python reads SQLite.
    return max(1, min(2, os.cpu_count() or 1))


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def build_generation(conn: sqlite3.Connection, root: Path) -> tuple[str, int]:
    """Index every paper into a new generation folder; returns (its name, papers). Not yet current."""
    generation = f"{LAYOUT}-{int(time.time())}-{secrets.token_hex(4)}"
    path = root / generation
    path.mkdir(parents=True)
    index = tantivy.Index(_schema(), str(path), reuse=False)
    register_analyzers(index)
    writer = index.writer(WRITER_HEAP, _threads())
    papers = 0
    forms = common_forms(conn)
    save_common(path, forms)
    for document in _documents(conn.execute(ROWS_SQL), index.schema, forms):
        writer.add_document(document)
        papers += 1
    writer.commit()
    writer.wait_merging_threads()
    return generation, papers


def open_index(path: Path) -> tantivy.Index:
    """Open a generation folder for reading or writing (raises ValueError/OSError when it cannot)."""
    if not (path / "meta.json").is_file() or not (path / COMMON_FILE).is_file():
        raise FileNotFoundError(f"{path}: no search index here")
    index = tantivy.Index.open(str(path))
    register_analyzers(index)
    return index


def rows_of(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, str, str, str | None]]:
    """ROWS_SQL's rows of these papers (those that exist)."""
    return conn.execute(ROWS_SQL + " WHERE p.id IN (SELECT value FROM json_each(?))", (str(ids),)).fetchall()


DocumentSource = tuple[str, str, str | None]  # a row's title, abstract and authors: what its document is made of


def add_documents(writer: tantivy.IndexWriter, schema: tantivy.Schema, forms: CommonForms,
                  rows: list[tuple[int, str, str, str | None]]) -> dict[int, DocumentSource]:
    """Add the rows' documents; returns what each paper's was made from."""
    for document in _documents(iter(rows), schema, forms):
        writer.add_document(document)
    return {paper_id: (title, abstract, authors) for paper_id, title, abstract, authors in rows}


@dataclass
class Handover:
    """An update begun before its changes were committed (search_early.py), for _apply to finish: the index,
    its uncommitted writer, and what each handed-over paper's document was made from (None: deleted)."""

    index: tantivy.Index
    writer: tantivy.IndexWriter
    indexed: dict[int, DocumentSource | None]


class EarlyIndex(Protocol):
    """search_early.EarlyIndex, as update() sees it (the dependency goes that way only)."""

    def take_over(self, generation: str) -> Handover | None: ...

    def abandon(self) -> None: ...


_NOT_HANDED_OVER = object()


def _apply(conn: sqlite3.Connection, path: Path, ids: list[int], early: EarlyIndex | None = None) -> tuple[int, int]:
    """Delete and re-add the queued papers (idempotent: a repeat gives the same index). Returns (papers
    written, papers the index holds now: one document a paper). With `early`, the writer it began during
    the import is taken over: a paper handed over with the row it has now is done already."""
    work = early.take_over(path.name) if early is not None else None
    if work is not None:
        index, writer, indexed = work.index, work.writer, work.indexed
        ids = sorted({*ids, *indexed})  # every handed-over paper is queued; were one not, it is checked all the same
    else:
        index = open_index(path)
        # A large update is indexed on both cores, as a build is: 10k papers of the 1M corpus took 1.68-1.75 s
        # instead of 1.86-2.25 s (the commit 0.28 s instead of 0.84-1.13: one thread's queue of documents was
        # the longer pole). A small one stays on one thread, which leaves one new segment, not one per thread.
        writer = index.writer(WRITER_HEAP, _threads() if len(ids) >= _CHUNK else 1)
        indexed = {}
    forms = load_common_forms(path)
    written = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        rows = rows_of(conn, chunk)
        stale = [row for row in rows if indexed.get(row[0], _NOT_HANDED_OVER) != (row[1], row[2], row[3])]
        present = {row[0] for row in rows}
        gone = [pid for pid in chunk if pid not in present and indexed.get(pid, _NOT_HANDED_OVER) is not None]
        if stale or gone:
            writer.delete_documents_by_query(
                tantivy.Query.term_set_query(index.schema, "id", [row[0] for row in stale] + gone))
        add_documents(writer, index.schema, forms, stale)
        written += len(rows)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return written, index.searcher().num_docs


def _rank_common_prefixes(path: Path, version: int, changed: list[int] | None = None, *,
                          defer_full: bool = False) -> str:
    """All of them after a build (changed None); after an update, only the candidates the changes touch,
    or all of them (maybe left to a background process: "deferred"). For index `version`."""
    if changed is None:
        search_top.write_common_prefixes(open_index(path), path, version=version)
        return "full"
    return search_top.update_common_prefixes(open_index(path), path, changed, version=version, defer_full=defer_full)


def _commit_state(conn: sqlite3.Connection, db_path: Path, generation: str, papers: int, *, rebuilt: bool) -> None:
    now = utc_now()
    with write_transaction(conn, db_path):
        # Nothing else writes while the writer lock is held: the whole queue is what was applied.
        conn.execute(f"DELETE FROM {outbox.OUTBOX_TABLE}")
        conn.execute(
            f"""INSERT INTO {outbox.STATE_TABLE} (id, generation, version, papers, built_at, updated_at)
                VALUES (1, :generation, 1, :papers, :now, :now)
                ON CONFLICT (id) DO UPDATE SET generation = :generation, version = version + 1,
                  papers = :papers, updated_at = :now,
                  built_at = CASE WHEN :rebuilt THEN :now ELSE built_at END""",
            {"generation": generation, "papers": papers, "now": now, "rebuilt": rebuilt},
        )


def _remove_other_generations(root: Path, keep: str) -> None:
    """Old generations and folders left by a killed build (readers that still have one open keep
    their files: unlinked files live on until closed)."""
    if not root.is_dir():
        return
    for child in root.iterdir():
        if child.name != keep and child.is_dir():
            shutil.rmtree(child, ignore_errors=True)


def _usable(path: Path) -> bool:
    if not path.name.startswith(LAYOUT + "-"):
        return False
    try:
        open_index(path)
    except (OSError, ValueError):
        return False
    return True


def update(db_path: str | Path, *, rebuild: bool = False, defer_ranking: bool = False,
           early: EarlyIndex | None = None) -> IndexUpdate:
    """Bring the index up to date with the database, then the paper cards (paper_cards.refill: after the index,
    which searches wait for, while a paper without a card is read the slower way). The caller holds the
    writer lock. `defer_ranking`: when an update of a corpus of BACKGROUND_MIN_PAPERS or more calls for
    ranking every common prefix again, leave that to rank_kept() (ranking "deferred"). `early`: the work a
    write command began on the update during its import (search_early.py), taken over when it fits."""
    db_path = Path(db_path)
    conn = connect(db_path)
    try:
        if not outbox.has_outbox(conn):
            return IndexUpdate("none", 0, 0.0, None)
        with write_transaction(conn, db_path):
            outbox.ensure_triggers(conn)  # a batch migration may have dropped them
            if paper_cards.has_cards(conn):
                paper_cards.ensure_triggers(conn)
        result = _update_index(conn, db_path, rebuild=rebuild, defer_ranking=defer_ranking, early=early)
        started = time.perf_counter()
        result.cards = paper_cards.refill(conn, db_path)
        result.cards_seconds = time.perf_counter() - started
        return result
    finally:
        if early is not None:
            early.abandon()  # not taken over (a rebuild, nothing queued, a failure): its writer goes now
        conn.close()


def _update_index(conn: sqlite3.Connection, db_path: Path, *, rebuild: bool, defer_ranking: bool,
                  early: EarlyIndex | None) -> IndexUpdate:
    started = time.perf_counter()
    root = index_root(db_path)
    state = read_state(conn)
    queued = [pid for (pid,) in conn.execute(f"SELECT paper_id FROM {outbox.OUTBOX_TABLE}")]
    # The corpus's size when the index last took it in: count(*) read a 1M corpus's smallest index,
    # 0.4 s when its pages were not cached. Thresholds only; the state gets the index's own count.
    papers = state.papers if state else conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    current = root / state.generation if state else None
    version = state.version + 1 if state else 1  # what _commit_state makes it
    full = (
        rebuild
        or current is None
        or outbox.REBUILD_ALL in queued
        or len(queued) > max(_CHUNK, papers * REBUILD_SHARE)
        or not _usable(current)
    )
    if full:
        if early is not None:
            early.abandon()
        generation, written = build_generation(conn, root)
        _rank_common_prefixes(root / generation, version)
        _commit_state(conn, db_path, generation, written, rebuilt=True)
        _remove_other_generations(root, generation)
        return IndexUpdate("rebuilt", written, time.perf_counter() - started, generation,
                           folder_size(root / generation))
    assert state is not None and current is not None
    _remove_other_generations(root, state.generation)
    if not queued:
        # Nothing to apply, but maybe no ranking of the common prefixes for this version: one was
        # deferred and its process killed, or an upgrade changed the kept file's format.
        ranking = ""
        if search_top.ranked_for(current) != state.version:
            ranking = "deferred" if defer_ranking and papers >= BACKGROUND_MIN_PAPERS else "full"
            if ranking == "full":
                _rank_for_a_new_version(conn, db_path, state, current)
        return IndexUpdate("none", 0, time.perf_counter() - started, state.generation, ranking=ranking)
    written, papers = _apply(conn, current, sorted(queued), early)
    ranking = _rank_common_prefixes(current, version, sorted(queued),
                                    defer_full=defer_ranking and papers >= BACKGROUND_MIN_PAPERS)
    _commit_state(conn, db_path, state.generation, papers, rebuilt=False)
    return IndexUpdate("applied", written, time.perf_counter() - started, state.generation, ranking=ranking)


def copy_current(db_path: str | Path, conn: sqlite3.Connection, target_db: Path) -> Path | None:
    """Copy the current generation beside `target_db` (for a published snapshot); None when there is
    no index to copy. The caller holds the writer lock, so the generation does not change meanwhile."""
    state = read_state(conn) if outbox.has_outbox(conn) else None
    if state is None:
        return None
    source = index_root(db_path) / state.generation
    if not _usable(source):
        return None
    target_root = index_root(target_db)
    target = target_root / state.generation
    shutil.rmtree(target_root, ignore_errors=True)
    target_root.mkdir(parents=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".tantivy-*.lock"))
    return target


def describe(result: IndexUpdate) -> str:
    cards = f"; {result.cards} paper cards filled in {result.cards_seconds:.2f}s" if result.cards else ""
    if result.action == "none":
        ranked = ", common prefixes ranked again" if result.ranking == "full" else ""
        return f"search index: up to date{ranked}{cards}"
    if result.action == "rebuilt":
        return (f"search index: rebuilt ({result.papers} papers, {result.size_bytes / 1e6:.1f} MB) "
                f"in {result.seconds:.2f}s{cards}")
    return f"search index: {result.papers} changed papers applied in {result.seconds:.2f}s{cards}"


def _background_work(db_path: Path) -> str | None:
    """What a background process is to do, when a full rebuild of a big corpus is queued (a bulk load) or
    BACKGROUND_MIN_CHANGES or more of a big corpus's papers are, or as many of its paper cards are to fill;
    else None: the update runs inline."""
    conn = connect(db_path)
    try:
        if not outbox.has_outbox(conn):
            return None
        queued_all = conn.execute(
            f"SELECT 1 FROM {outbox.OUTBOX_TABLE} WHERE paper_id = {outbox.REBUILD_ALL}").fetchone()
        cards = paper_cards.stale_count(conn)  # None: all of them
        if queued_all or cards is None:
            big = conn.execute("SELECT count(*) FROM papers").fetchone()[0] >= BACKGROUND_MIN_PAPERS
            return ("rebuilding" if queued_all else "filling every paper card") if big else None
        state = read_state(conn)
        if state is None or state.papers < BACKGROUND_MIN_PAPERS:  # no index yet: update() builds one
            return None
        queued = conn.execute(f"SELECT count(*) FROM {outbox.OUTBOX_TABLE}").fetchone()[0]
        if queued >= BACKGROUND_MIN_CHANGES:
            return f"applying {queued} changed papers"
        return f"filling {cards} paper cards" if cards >= BACKGROUND_MIN_CHANGES else None
    finally:
        conn.close()


RANK_KEPT = "--rank-kept"  # main()'s flag for rank_kept()


def start_in_background(db_path: Path, *flags: str) -> int:
    """Start `python -m corpus_db.store.search_index [FLAGS] DB` on its own: it waits for the writer lock,
    which the caller still holds and is about to release. Returns its pid."""
    log = index_root(db_path).with_name(index_root(db_path).name + ".log")
    with log.open("ab") as out:
        child = subprocess.Popen([sys.executable, "-m", "corpus_db.store.search_index", *flags, str(db_path)],
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    return child.pid


def rank_kept(db_path: str | Path) -> str:
    """Rank every common prefix of the current index, when its kept file is of another version (an update
    left it, "deferred"), and name a new version for it: readers that found no ranking for the old one
    (and searched live) load it at once. The caller holds the writer lock. Idempotent, and nothing to do
    while changes wait in the queue (the update that applies them ranks)."""
    db_path = Path(db_path)
    conn = connect(db_path)
    try:
        state = read_state(conn) if outbox.has_outbox(conn) else None
        if state is None or conn.execute(f"SELECT 1 FROM {outbox.OUTBOX_TABLE} LIMIT 1").fetchone():
            return "kept rankings: nothing to do (no index, or changes not yet applied)"
        path = index_root(db_path) / state.generation
        if not _usable(path) or search_top.ranked_for(path) == state.version:
            return "kept rankings: nothing to do (no usable index, or already ranked)"
        started = time.perf_counter()
        ranked = _rank_for_a_new_version(conn, db_path, state, path)
        return f"kept rankings: {ranked} common prefixes ranked in {time.perf_counter() - started:.2f}s"
    finally:
        conn.close()


def _rank_for_a_new_version(conn: sqlite3.Connection, db_path: Path, state: IndexState, path: Path) -> int:
    """Rank every common prefix for the next version, then name that version (the ranking first: a kill
    in between leaves a file readers ignore). Returns how many were ranked."""
    ranked = search_top.write_common_prefixes(open_index(path), path, version=state.version + 1)
    with write_transaction(conn, db_path):
        conn.execute(f"UPDATE {outbox.STATE_TABLE} SET version = version + 1, updated_at = ? "
                     "WHERE id = 1 AND version = ?", (utc_now(), state.version))
    return ranked


def refresh(db_path: str | Path, *, background: bool = True, early: EarlyIndex | None = None) -> str:
    """update() after a write command: a failure here must not fail the import that already committed.
    The queue stays, so searches use FTS5 and the next command (or `corpus-db index`) tries again.
    A full rebuild of a big corpus (after a bulk load) runs in a process of its own, so that the import
    command ends when its data is committed; searches use FTS5 until the new index is in place. So does
    an update of many of a big corpus's papers (a re-import that edited 1% of a million), with FTS5
    answering until it is applied, and a full ranking of the common prefixes after a smaller update of a
    big corpus (rank_kept): the update's papers are searchable at once, and those prefixes are searched
    live, with the same answers, until their ranking is written. `early`: see update()."""
    db_path = Path(db_path)
    try:
        inline = not background or os.environ.get(INLINE_ENV) == "1"
        doing = None if inline else _background_work(db_path)
        if doing is not None:
            if early is not None:
                early.abandon()  # its writer's lock must go before the background process opens one
            pid = start_in_background(db_path)
            meanwhile = ("results read their papers' authors, tags and repos without cards until it is done"
                         if doing.startswith("filling") else "searches use FTS5 until it is done")
            return f"search index: {doing} in the background (pid {pid}, log {index_root(db_path)}.log); {meanwhile}"
        result = update(db_path, defer_ranking=not inline, early=early)
        if result.ranking != "deferred":
            return describe(result)
        pid = start_in_background(db_path, RANK_KEPT)
        return (f"{describe(result)}; common prefixes ranking in the background (pid {pid}), "
                "searched live until then")
    except (OSError, ValueError, RuntimeError, sqlite3.Error) as exc:
        return (f"search index not updated ({type(exc).__name__}: {exc}); "
                "searches use FTS5 until `corpus-db index` succeeds")


def main(argv: list[str] | None = None) -> int:
    """`python -m corpus_db.store.search_index [--rank-kept] DB`: the background rebuild, or ranking, that
    refresh() starts."""
    from corpus_db.store.lock import writer_lock

    args = argv if argv is not None else sys.argv[1:]
    *flags, db_path = args
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    with writer_lock(db_path, timeout=24 * 3600):  # however long the import that started it still runs
        done = rank_kept(db_path) if flags == [RANK_KEPT] else describe(update(db_path))
        print(f"[{started}] {db_path}: {done}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
