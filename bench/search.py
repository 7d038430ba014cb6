"""The ranked-search section of the benchmark (issue 12): per query kind, p50/p95 of the tantivy index
and of FTS5 in the same run, through the CLI path (store.search) and through the Datasette search
endpoint (real HTTP, concurrent keep-alive connections); overlap and score mass against FTS5's top 20
(scored by FTS5's own bm25); the index build against the FTS5 rebuild; whether threads search in
parallel (the GIL). It reports, never asserts."""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

from timeline import process_tree

from corpus_db.store.db import connect
from corpus_db.store.fts import FTS_TABLE
from corpus_db.store.lock import writer_lock
from corpus_db.store.search import MMAP_BYTES, search_connection, to_match_query
from corpus_db.store.search_index import folder_size, index_root, read_state, update
from corpus_db.web.search_workers import WORKERS_ENV, configured_workers

TOP = 20
REPEATS = 3  # timings per query on the CLI path; the median counts
BM25 = f"bm25({FTS_TABLE}, 10.0, 1.0)"  # FTS5's own score, titles weighing ten times abstracts
HTTP_SECONDS = 5  # per query kind and engine
CLIENTS = 8
FTS5_ONCE_FROM = 500_000  # papers
TICK = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def _by_kind(values: list[Any], kinds: Sequence[str]) -> dict[str, list[Any]]:
    return {kind: values[k::len(kinds)] for k, kind in enumerate(kinds)}


def _cpu_seconds() -> float:
    """User + system CPU of this process, every thread (tantivy indexes on threads of its own)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build_figures(db: Path, report: Any) -> None:
    """The FTS5 rebuild (rolled back) and a tantivy rebuild beside the current index, in the same run."""
    conn = sqlite3.connect(db, isolation_level=None)
    started, cpu = time.perf_counter(), _cpu_seconds()
    conn.execute("BEGIN")
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    conn.execute("ROLLBACK")
    fts_seconds, fts_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    conn.close()
    with writer_lock(db, timeout=3600):  # after a bulk import the first build may still be running
        cpu = _cpu_seconds()
        result = update(db, rebuild=True)
        build_cpu = _cpu_seconds() - cpu
    report.add("FTS5 rebuild (same corpus, rolled back)", fts_seconds, "s", note=f"CPU {fts_cpu:.1f} s")
    ratio = result.seconds / fts_seconds
    report.add("tantivy index build (beside, then swap)", result.seconds, "s", goal="<= FTS5 rebuild",
               met=ratio <= 1.0, note=f"{ratio:.2f}x FTS5; CPU {build_cpu:.1f} s ({build_cpu / fts_cpu:.2f}x FTS5's), "
                                      f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    report.add("tantivy index size", folder_size(index_root(db) / result.generation) / 1e6, "MB",
               note=f"{result.papers:,} papers")


def cli_times(db: Path, queries: list[str], engine: str | None, repeats: int = REPEATS,
              authors: list[str | None] | None = None) -> list[float]:
    """Per query, the median of `repeats` timings: on a shared machine one timing is as much the
    neighbours' load as the query's own cost; a slow query stays slow in every round. `authors`: each
    query's author filter (the search page's author field)."""
    conn = connect(db)
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    asked = list(zip(queries, authors or [None] * len(queries), strict=True))
    try:
        for query, author in asked[:20]:  # warm the page cache, as a running service would be
            search_connection(conn, query, db_path=db, limit=TOP, engine=engine, author=author)
        rounds = []
        for _ in range(repeats):
            times = []
            for query, author in asked:
                started = time.perf_counter()
                page = search_connection(conn, query, db_path=db, limit=TOP, engine=engine, author=author)
                times.append((time.perf_counter() - started) * 1000)
                if engine is None and page.engine != "tantivy":
                    raise RuntimeError(f"the index did not answer: {page.fallback_reason}")
            rounds.append(times)
        return [sorted(timings)[len(timings) // 2] for timings in zip(*rounds, strict=True)]
    finally:
        conn.close()


def quality(db: Path, queries: list[str], authors: Sequence[str] | None = None) -> tuple[list[float], list[float]]:
    """Per query: the share of FTS5's top 20 that tantivy's top 20 holds, and the bm25 mass (FTS5's
    own score, title weight 10) of tantivy's top 20 over that of FTS5's. With `authors` (one a query), both
    top 20s are those within that author's papers (FTS5's through search's fallback, which filters as the
    index does)."""
    conn = connect(db)
    overlap, mass = [], []

    def scores(match: str, ids: list[int]) -> dict[int, float]:
        return dict(conn.execute(
            f"SELECT rowid, {BM25} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? "
            "AND rowid IN (SELECT value FROM json_each(?))", (match, json.dumps(ids))).fetchall())

    try:
        for number, query in enumerate(queries):
            author = authors[number] if authors else None
            match = to_match_query(query)
            ours = [h.id for h in search_connection(conn, query, db_path=db, limit=TOP, author=author)]
            if author is None:
                theirs = conn.execute(f"SELECT rowid, {BM25} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? "
                                      "ORDER BY rank LIMIT ?", (match, TOP)).fetchall()
            else:
                ids = [h.id for h in search_connection(conn, query, db_path=db, limit=TOP, author=author,
                                                       engine="fts5")]
                theirs = list(scores(match, ids).items())
            scored = scores(match, ours)
            best = -sum(score for _, score in theirs)
            overlap.append(len({pid for pid, _ in theirs} & set(ours)) / len(theirs) if theirs else 1.0)
            mass.append(-sum(scored.values()) / best if best else 1.0)
    finally:
        conn.close()
    return overlap, mass


def thread_scaling(db: Path, queries: list[str]) -> float:
    """Queries per second with two threads over one: near 2 on two cores when searches release the GIL."""
    def run(threads: int) -> float:
        conns = [connect(db) for _ in range(threads)]

        def work(conn: sqlite3.Connection) -> None:
            for query in queries:
                search_connection(conn, query, db_path=db, limit=TOP)

        started = time.perf_counter()
        workers = [threading.Thread(target=work, args=(c,)) for c in conns]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        for c in conns:
            c.close()
        return threads * len(queries) / (time.perf_counter() - started)

    run(1)
    return run(2) / run(1)


def load(port: int, paths: list[str], seconds: float, clients: int) -> tuple[list[float], int, float]:
    """`clients` threads with keep-alive connections GET `paths` in turn for `seconds`: (latencies in ms,
    errors, elapsed seconds)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        n = offset
        while time.monotonic() < stop:
            n += 1
            started = time.perf_counter()
            try:
                conn.request("GET", paths[n % len(paths)])
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn = HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                errors[0] += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i * 7,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - started


Loader = Callable[[int, list[str], int, int], tuple[int, float, float, float, int]]
Serve = Callable[..., subprocess.Popen[bytes]]
FLOOR_PATH = "/-/bench-floor"  # bench/floor_plugin: a route that does nothing, Datasette's own cost


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and its living descendants (the server and its search
    workers), from /proc: what a request costs the machine, whatever the load's wall figures say."""
    total = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def load_tool_cpu_seconds() -> float:
    """CPU of this process and its waited-for children: the load tool, which shares the cores (wrk, a
    child; or the Python client threads, here). The server is waited for only after its loads."""
    usages = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def capacity_note(server_ms: float, tool_ms: float, requests: float, seconds: float) -> str:
    """CPU per request and the request rate this machine's cores could serve at that cost. With CLIENTS
    closed-loop connections the mean latency is CLIENTS / rate (Little's law): a 10 ms mean needs CLIENTS
    x 100 req/s, and a 10 ms p95 more (the p95 lies above the mean), so the ceiling says whether the
    latency goal is within these cores' reach at this cost a request."""
    cores = os.cpu_count() or 1
    ceiling = cores * 1000 / (server_ms + tool_ms)
    return (f"CPU a request {server_ms:.2f} ms server and search workers + {tool_ms:.2f} ms load tool: "
            f"{cores} cores serve at most {ceiling:,.0f} req/s (measured {requests / seconds:,.0f}; "
            f"mean latency {CLIENTS * seconds / requests * 1000:.1f} ms; a 10 ms mean needs {CLIENTS * 100:,} req/s)")


def search_workers_default() -> int:
    """How many search workers `corpus-db serve` starts here when not told ($CORPUS_DB_SEARCH_WORKERS unset)."""
    told = os.environ.pop(WORKERS_ENV, None)
    try:
        return configured_workers()
    finally:
        if told is not None:
            os.environ[WORKERS_ENV] = told


def http_figures(db: Path, queries: list[str], kinds: Sequence[str], report: Any, serve: Serve, port: int,
                 loader: Loader, tool: str) -> None:
    """Every kind's queries against /corpus/search.json with CLIENTS keep-alive connections: the index
    through the default worker processes, through two, and in Datasette's process; with the default
    workers also the HTML page (/corpus/search) and FTS5 (`_engine=fts5`); first the framework's floor,
    a plugin route that does nothing, under the same load. Each line gives the CPU a request of the
    server's process tree and of the load tool. The database is served where it lies: it must be named
    corpus.db."""
    by_kind = _by_kind(queries, kinds)
    # The default (cores + 1 workers: 3 on this 2-core machine), two workers as in earlier rounds, and "0":
    # searching in Datasette's process.
    configurations: tuple[tuple[str, str | None], ...] = (
        (f"default, {search_workers_default()} workers", None), ("2 workers", "2"), ("in-process", "0"))
    for label, workers in configurations:
        server = serve(db, port, workers=workers)
        try:
            first = workers is None
            # The JSON endpoint; with the default workers also the HTML page people see (rendered in
            # Datasette's process) and FTS5.
            runs = [("tantivy", "/corpus/search.json?q={}")]
            if first:
                runs += [("tantivy HTML page", "/corpus/search?q={}"),
                         ("FTS5", "/corpus/search.json?q={}&_engine=fts5")]
                requests, seconds, p50, p95, errors = loader(port, [FLOOR_PATH], HTTP_SECONDS, CLIENTS)
                report.add("  datasette floor (a route that does nothing) p50", p50, "ms",
                           note=f"p95 {p95:.1f} ms, {requests / seconds:,.0f} req/s, {errors} errors, "
                                f"{CLIENTS} connections, {tool}")
            for engine, template in runs:
                for kind, subset in by_kind.items():
                    paths = [template.format(urllib.parse.quote(q)) for q in subset]
                    server_cpu, tool_cpu = tree_cpu_seconds(server.pid), load_tool_cpu_seconds()
                    requests, seconds, p50, p95, errors = loader(port, paths, HTTP_SECONDS, CLIENTS)
                    served = max(requests, 1)
                    server_ms = (tree_cpu_seconds(server.pid) - server_cpu) * 1000 / served
                    tool_ms = (load_tool_cpu_seconds() - tool_cpu) * 1000 / served
                    report.add(f"  datasette {engine} ({label}) {kind} p50", p50, "ms",
                               goal="p95 <= 10 ms" if engine.startswith("tantivy") else "",
                               met=p95 <= 10 if engine.startswith("tantivy") else None,
                               note=f"p95 {p95:.1f} ms, {requests / seconds:,.0f} req/s, {errors} errors, "
                                    f"{CLIENTS} connections, {tool}; "
                                    + capacity_note(server_ms, tool_ms, served, seconds))
        finally:
            server.terminate()
            server.wait(timeout=30)


def _two_over_one(work: Callable[[], int]) -> float:
    def run(threads: int) -> float:
        counts: list[int] = []
        started = time.perf_counter()
        workers = [threading.Thread(target=lambda: counts.append(work())) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return sum(counts) / (time.perf_counter() - started)

    run(1)
    return run(2) / run(1)


def hashing_scaling() -> float:
    """The control for gil_scaling: sha256 over 1 MB releases the GIL, so two threads over one shows
    how much of a second core the machine gives us at that moment."""
    import hashlib

    block = b"x" * 1_000_000

    def work() -> int:
        for _ in range(300):
            hashlib.sha256(block).digest()
        return 300

    return _two_over_one(work)


def gil_scaling(db: Path, queries: list[str]) -> float:
    """tantivy's search call alone, two threads over one: near 2 when the bindings release the GIL."""
    from corpus_db.store import search_engine
    from corpus_db.store.typed_query import parse

    conn = connect(db)
    opened, _ = search_engine.current_index(conn, db)
    conn.close()
    if opened is None:
        return float("nan")
    parsed = [parse(q) for q in queries]

    def work() -> int:
        for _ in range(5):
            for clauses in parsed:
                search_engine.ranked_ids(opened, clauses, limit=TOP, offset=0, author=None)
        return 5 * len(parsed)

    return _two_over_one(work)


def bench_search(db: Path, queries: list[str], kinds: Sequence[str], report: Any, serve: Serve | None = None,
                 port: int = 0, loader: Loader | None = None, tool: str = "", build: bool = True) -> None:
    """The whole section, on a corpus-db database that an import has filled. build=False keeps the
    index already beside it (a second look at the same 1M database without a 15-minute build)."""
    print(f"search: tantivy index vs FTS5, {len(queries)} queries ({', '.join(kinds)})", flush=True)
    if build:
        build_figures(db, report)
    state = read_state(sqlite3.connect(db))
    if state is None:
        raise RuntimeError("no search index was built")
    papers = state.papers
    for label, engine in (("tantivy", None), ("FTS5", "fts5")):
        # FTS5's prefix queries take seconds at 1M: timed once there, three times below.
        repeats = 1 if engine and papers >= FTS5_ONCE_FROM else REPEATS
        times = cli_times(db, queries, engine, repeats=repeats)
        p95 = percentile(times, 0.95)
        report.add(f"CLI path {label} p95 (top 20, rows, snippets; median of {repeats})", p95, "ms",
                   goal="<= 10 ms" if engine is None else "", met=p95 <= 10 if engine is None else None,
                   note=f"p50 {percentile(times, 0.5):.2f} ms")
        for kind, subset in _by_kind(times, kinds).items():
            kind_p95 = percentile(subset, 0.95)
            report.add(f"  {label} {kind} p50", percentile(subset, 0.5), "ms",
                       goal="p95 <= 10 ms" if engine is None else "", met=kind_p95 <= 10 if engine is None else None,
                       note=f"p95 {kind_p95:.2f} ms")
    overlap, mass = quality(db, queries)
    for kind in kinds:
        k_overlap, k_mass = _by_kind(overlap, kinds)[kind], _by_kind(mass, kinds)[kind]
        mean_mass = sum(k_mass) / len(k_mass)
        report.add(f"  {kind}: FTS5 bm25 mass of tantivy's top 20", mean_mass, "share", goal=">= 0.97",
                   met=mean_mass >= 0.97,
                   note=f"overlap with FTS5's top 20 {sum(k_overlap) / len(k_overlap):.0%}; "
                        f"lowest mass {min(k_mass):.2f}")
    report.add("two search threads / one (throughput)", thread_scaling(db, queries[:100]), "x",
               note="the whole CLI path (rows, snippets in Python hold the GIL)")
    report.add("two threads / one, tantivy's search call alone", gil_scaling(db, queries), "x",
               note=f"near the control when the bindings release the GIL, near 1 when they hold it; control "
                    f"(sha256, releases the GIL) {hashing_scaling():.2f}x")
    if serve is not None and loader is not None:
        http_figures(db, queries, kinds, report, serve, port, loader, tool)
