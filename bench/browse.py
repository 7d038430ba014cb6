"""The browse section of the benchmarks: a real `corpus-db serve` on the bench corpus (plus the generator's
Hugging Face days, whose free keywords make tens of thousands of tags), and every page kind a user reaches
from the home page fetched with a real HTTP client: 20 distinct pages per kind after one warm-up, one
request at a time, p50/p95 per kind beside the 300 ms goal.

    PYTHONPATH=. python bench/run.py --only import,browse               # 100k
    PYTHONPATH=. python bench/run.py --size 1000000 --only import,browse
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time
import urllib.parse
from collections.abc import Callable, Sequence
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

GOAL_MS = 300.0
PAGES_PER_KIND = 20
HF_DAYS = 300  # 15,000 listing entries with keywords, as a year and a half of real daily files
CANNED = ("papers_with_tag", "papers_of_year", "papers_with_code", "papers_from_source", "papers_added_since",
          "new_since_last_sync", "newest_papers", "papers_per_tag", "multi_source_papers", "shared_repos",
          "import_history")


def _rows(db: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _fill(paths: list[str], extra: Callable[[int], str]) -> list[str]:
    """Exactly PAGES_PER_KIND distinct paths: the given ones, then more from extra(i)."""
    out = list(dict.fromkeys(paths))[:PAGES_PER_KIND]
    i = 0
    while len(out) < PAGES_PER_KIND:
        candidate = extra(i)
        if candidate not in out:
            out.append(candidate)
        i += 1
    return out


def page_kinds(db: Path, queries: list[str], seed: int) -> dict[str, list[str]]:
    """20 distinct paths for each page kind, chosen from the corpus (the biggest tags, sources, authors)."""
    rng = random.Random(seed)
    q = urllib.parse.quote
    base = "/corpus"
    max_id = _rows(db, "SELECT max(id) FROM papers")[0][0]
    papers = [rng.randrange(1, max_id + 1) for _ in range(PAGES_PER_KIND)]
    # Tags around 50k papers at 1M (the biggest at 100k): first pages, and pages deep in the biggest one.
    tags = _rows(db, "SELECT id, paper_count FROM tags ORDER BY abs(paper_count - 50000), paper_count DESC LIMIT 10")
    big = tags[0][0]
    deep = [r[0] for r in _rows(db, "SELECT paper_id FROM paper_tags WHERE tag_id = ? ORDER BY random() LIMIT 10",
                                (big,))]
    authors = [r[0] for r in _rows(db, "SELECT author_id FROM paper_authors GROUP BY author_id "
                                       "ORDER BY count(*) DESC LIMIT 20")]
    sources = [r[0] for r in _rows(db, "SELECT id FROM sources ORDER BY record_count DESC, id LIMIT 20")]
    repos = [r[0] for r in _rows(db, "SELECT repo_id FROM paper_repos GROUP BY repo_id ORDER BY count(*) DESC "
                                     "LIMIT 20")]
    years = [r[0] for r in _rows(db, "SELECT DISTINCT year FROM papers WHERE year IS NOT NULL ORDER BY year DESC "
                                     "LIMIT 5")]
    months = [r[0] for r in _rows(db, "SELECT DISTINCT substr(published, 1, 7) FROM papers INDEXED BY "
                                      "ix_papers_published_id WHERE published > '1' ORDER BY 1 DESC LIMIT 5")]
    tag_names = [r[0] for r in _rows(db, "SELECT name FROM tags ORDER BY paper_count DESC LIMIT 20")]
    runs = [r[0] for r in _rows(db, "SELECT id FROM import_runs ORDER BY id DESC LIMIT 20")]
    overview = ([f"{base}/-/papers", f"{base}/-/papers?has_code=1"]
                + [f"{base}/-/papers?tag={t}" for t, _ in tags[:6]]
                + [f"{base}/-/papers?year={y}" for y in years[:3]]
                + [f"{base}/-/papers?month={m}" for m in months[:3]]
                + [f"{base}/-/papers?tag={t}&year={y}" for (t, _), y in zip(tags[:3], years, strict=False)]
                + [f"{base}/-/papers?tag={t}&has_code=1" for t, _ in tags[:3]])
    kinds = {
        "database index": _fill([base, "/"], lambda i: f"{base}?_={i}"),
        "search results": [f"{base}/search?q={q(text)}" for text in queries[:PAGES_PER_KIND]],
        "paper": [f"{base}/papers/{i}" for i in papers],
        "tag (~50k papers at 1M)": _fill([f"{base}/tags/{t}" for t, _ in tags]
                                         + [f"{base}/tags/{big}?after={a}&page=2" for a in deep],
                                         lambda i: f"{base}/tags/{big}?after={deep[0] - i - 1}"),
        "author": [f"{base}/authors/{a}" for a in authors],
        "source": _fill([f"{base}/sources/{s}" for s in sources], lambda i: f"{base}/sources/{sources[0]}?year={i}"),
        "repo": [f"{base}/repos/{r}" for r in repos],
        "overview with facets": _fill(overview, lambda i: f"{base}/-/papers?tag={tags[i % len(tags)][0]}&page={i}"),
        "charts": _fill([f"{base}/-/charts", "/-/charts"], lambda i: f"{base}/-/charts?_={i}"),
        "new since last sync": _fill([f"{base}/-/new"] + [f"{base}/-/new?run={r}" for r in runs],
                                     lambda i: f"{base}/-/new?page={i}"),
    }
    for name in CANNED:
        if name == "papers_with_tag":
            paths = [f"{base}/{name}?tag={q(t)}&page={1 + i % 3}" for i, t in enumerate(tag_names)]
        elif name == "papers_of_year":
            paths = [f"{base}/{name}?year={years[i % len(years)]}&page={1 + i}" for i in range(PAGES_PER_KIND)]
        elif name == "papers_from_source":
            paths = [f"{base}/{name}?source={s}&page={1 + i % 4}" for i, s in enumerate(sources)]
        elif name == "papers_added_since":
            paths = [f"{base}/{name}?since=2000-01-01&page={1 + i}" for i in range(PAGES_PER_KIND)]
        elif name == "papers_per_tag":
            paths = [f"{base}/{name}?kind={k}&page={1 + i}" for i in range(7)
                     for k in ("curated", "keyword", "")][:PAGES_PER_KIND]
        else:
            paths = [f"{base}/{name}?page={1 + i}" for i in range(PAGES_PER_KIND)]
        kinds[f"canned: {name}"] = _fill(paths, lambda i, name=name: f"{base}/{name}?page={100 + i}")
    return kinds


def _get(conn: HTTPConnection, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(port: int, kinds: dict[str, list[str]]) -> dict[str, tuple[float, float, int]]:
    """(p50 ms, p95 ms, non-200 answers) per kind: one warm-up fetch of the kind's first page, then each page."""
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    results = {}
    for kind, paths in kinds.items():
        _get(conn, paths[0])
        times, bad = [], 0
        for path in paths:
            status, ms = _get(conn, path)
            times.append(ms)
            bad += status not in (200, 302)
        results[kind] = (_percentile(times, 0.5), _percentile(times, 0.95), bad)
    conn.close()
    return results


def add_hf_days(db: Path, hf_dir: Path, import_dump: Callable[..., Any], generate: Any, seed: int) -> int:
    """Import the generator's HF daily files (keywords, authors, GitHub links) into the bench corpus, as a
    year and a half of real daily files would be: the tags people see come from them."""
    count = _rows(db, "SELECT count(*) FROM papers")[0][0]
    first = max(0, count - HF_DAYS * 50 // 2)  # half of the entries are papers the corpus knows
    days = generate.write_hf_days(hf_dir, HF_DAYS, seed=seed, first=first)
    import_dump(db, *days)
    return len(days)


def run_browse(db: Path, cli: Sequence[str], env: dict[str, str], root: Path, free_port: Callable[[], int],
               wait_for: Callable[[int, str], None], report: Any, queries: list[str], seed: int) -> None:
    """Serve db with `corpus-db serve` and report p50/p95 per page kind."""
    kinds = page_kinds(db, queries, seed)
    port = free_port()
    log_path = db.parent / "browse-serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([*cli, "serve", str(db), "--port", str(port)], env=env, cwd=root,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(port, "/corpus")
            results = measure(port, kinds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for kind, (p50, p95, bad) in results.items():
        note = f"p50 {p50:,.0f} ms" + (f"; {bad} answers not 200" if bad else "")
        report.add(f"browse {kind} p95", p95, "ms", goal=f"< {GOAL_MS:.0f} ms", met=p95 < GOAL_MS and not bad,
                   note=note)
