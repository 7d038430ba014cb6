"""What a small update of the search index costs (issue 12): on a copy of an imported corpus, the index
is built, then N papers are edited in SQL (as a re-import edits them) and the index update is timed, with
its common-prefix ranking apart: the full ranking every update used to pay against re-scoring the kept
candidates. Then rounds of edits and deletes up to FULL_SHARE of the corpus, each followed by a check
that every kept prefix's served TOP_K equals what a full ranking gives now. It reports, never asserts.

    PYTHONPATH=. python bench/search_update.py --db DIR/corpus.db [--edits 50] [--rounds 20]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from corpus_db.store import search_top
from corpus_db.store.lock import writer_lock
from corpus_db.store.search_index import index_root, open_index, read_state, update


def _edit(db: Path, count: int, deletes: int, rng: random.Random) -> list[int]:
    """Give `count` papers another paper's abstract (new words, new lengths); delete `deletes` papers
    from the top of the kept lists, the margin's worst case."""
    conn = sqlite3.connect(db)
    ids = [pid for (pid,) in conn.execute("SELECT id FROM papers")]
    chosen = rng.sample(ids, count)
    with conn:
        for pid in chosen:
            conn.execute("UPDATE papers SET abstract = (SELECT abstract FROM papers WHERE id = ?) || ' revised' "
                         "WHERE id = ?", (rng.choice(ids), pid))
        if deletes:
            path = index_root(db) / read_state(conn).generation
            kept = search_top.load_top(path, None)
            tops = sorted({hits[0][0] for hits in kept.values() if hits})[:deletes]
            conn.executemany("DELETE FROM papers WHERE id = ?", [(pid,) for pid in tops])
    conn.close()
    return chosen


def _version(db: Path) -> int:
    """The index version now: a full ranking for it is what the next update re-scores."""
    conn = sqlite3.connect(db)
    try:
        return read_state(conn).version
    finally:
        conn.close()


def _timed_update(db: Path) -> float:
    with writer_lock(db, timeout=600):
        started = time.perf_counter()
        result = update(db)
        assert result.action == "applied", result
        return time.perf_counter() - started


def _wrong_prefixes(path: Path) -> int:
    """Kept prefixes whose served TOP_K ids differ from a full ranking's now."""
    index = open_index(path)
    index.reload()
    searcher = index.searcher()
    kept = search_top.load_top(path, None)
    return sum(
        [pid for pid, _ in hits[:search_top.TOP_K]]
        != [pid for pid, _ in search_top.top_hits(searcher, search_top.kept_query(searcher, index.schema, gram),
                                                   search_top.TOP_K, 0)]
        for gram, hits in kept.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="an imported corpus.db (copied, never written)")
    parser.add_argument("--work", type=Path, help="folder for the copy (default: beside --db)")
    parser.add_argument("--scratch", action="store_true", help="--db is a scratch copy: edit it in place (1M)")
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20, help="rounds of --edits edits for the answer check")
    args = parser.parse_args()
    work = args.work or args.db.parent / "search-update"
    db = args.db
    if not args.scratch:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        db = work / "corpus.db"
        source = sqlite3.connect(args.db)
        source.execute(f"VACUUM INTO '{db}'")
        source.close()
    rng = random.Random(12)
    with writer_lock(db, timeout=600):
        started = time.perf_counter()
        built = update(db, rebuild=True)
    papers = built.papers
    print(f"index build: {time.perf_counter() - started:.1f} s, {papers:,} papers")
    path = index_root(db) / built.generation

    # Before: every update ranked every common prefix (FULL_SHARE 0 gives exactly that); after: re-scoring when
    # the kept timings say it is cheaper than a full ranking.
    share = search_top.FULL_SHARE
    timings: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    actions: dict[str, list[str]] = {"before": [], "after": []}
    for _ in range(3):
        for mode in ("before", "after"):
            search_top.FULL_SHARE = 0.0 if mode == "before" else share
            # each starts from a full ranking
            search_top.write_common_prefixes(open_index(path), path, version=_version(db))
            changed = _edit(db, args.edits, 0, rng)
            whole = _timed_update(db)
            started = time.perf_counter()
            # the ranking alone, again
            action = search_top.update_common_prefixes(open_index(path), path, changed, version=None)
            assert mode == "after" or action == "full", action
            timings[mode].append((whole, time.perf_counter() - started))
            actions[mode].append(action)
    search_top.FULL_SHARE = share
    count = len(search_top.load_top(path, None))
    print(f"{args.edits} edited papers, {count} common prefixes, medians of 3: whole index update / its ranking")
    for mode, label in (("before", "full ranking (before)"), ("after", "the cheaper of the two (after)")):
        print(f"  {label:36} {statistics.median(w for w, _ in timings[mode]):6.2f} s / "
              f"{statistics.median(r for _, r in timings[mode]):6.3f} s  ({', '.join(actions[mode])})")

    search_top.write_common_prefixes(open_index(path), path, version=_version(db))
    changed_total = worst = 0
    for round_ in range(args.rounds):
        _edit(db, args.edits, 5, rng)
        _timed_update(db)
        changed_total += args.edits + 5
        wrong = _wrong_prefixes(path)
        worst = max(worst, wrong)
        since = search_top.read_header(path)["changed_since_full"]
        print(f"  round {round_ + 1}: {changed_total:,} changed papers ({changed_total / papers:.2%}), "
              f"{'full ranking' if since == 0 else 're-scored'}, "
              f"prefixes whose top {search_top.TOP_K} differs from a full ranking now: {wrong}")
    print(f"answer check: worst round {worst} wrong prefixes")
    if not args.scratch:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
