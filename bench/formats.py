"""The scholarly-graph formats at scale: a generated OpenAlex snapshot folder
(`works/updated_date=.../part_NNN.gz`) and a generated dblp.xml, each imported by the CLI in a
subprocess whose peak RSS is measured (goal: flat, < 300 MB, at 1M works and at 1 GB of dblp.xml).

    PYTHONPATH=. python bench/formats.py openalex bench-data/openalex -n 100000   # write a snapshot
    PYTHONPATH=. python bench/formats.py dblp bench-data/dblp.xml --mb 100        # write a dblp.xml
    PYTHONPATH=. python bench/run.py --only formats --formats-works 1000000 --dblp-mb 1024
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from corpus_db.ingest.worker import WORKER_MIN_BYTES_ENV

DEFAULT_SEED = 20240527
WORKS_PER_PART = 100_000
_WORDS = [
    "learning", "model", "graph", "network", "neural", "deep", "data", "method", "results", "show", "propose",
    "training", "task", "image", "language", "representation", "attention", "transformer", "robust", "efficient",
    "quantum", "field", "energy", "protein", "cell", "gene", "clinical", "patients", "trial", "treatment",
    "analysis", "system", "control", "optimal", "stochastic", "bayesian", "inference", "sampling", "theory",
    "bounds",
]
_NAMES = ("Müller", "Zhang", "Smith", "García", "Nguyen", "Kowalski", "Öztürk", "Sato", "Rossi", "Dubois")
_GIVEN = ("Anna", "Wei", "John", "María", "Linh", "Piotr", "Ayla", "Hiro", "Luca", "Chloé")


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 12))).capitalize()


def openalex_work(seed: int, i: int) -> dict[str, Any]:
    """Work i of the synthetic snapshot (current schema, ~1.6 KB as JSON)."""
    rng = random.Random(seed * 1_000_003 + i)
    words = [rng.choice(_WORDS) for _ in range(rng.randint(60, 140))]
    index: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        index.setdefault(word, []).append(position)
    year = 1990 + i % 35
    wid = f"https://openalex.org/W{3_000_000_000 + i}"
    doi = f"https://doi.org/10.5555/bench.{seed}.{i}"
    arxiv = f"https://arxiv.org/abs/{(year % 100):02d}{1 + i % 12:02d}.{i % 100000:05d}" if i % 5 == 0 else None
    locations = [{"is_oa": False, "landing_page_url": doi, "pdf_url": None,
                  "source": {"id": f"https://openalex.org/S{i % 5000}",
                             "display_name": f"Journal of {_WORDS[i % 40]}"}}]
    if arxiv:
        locations.append({"is_oa": True, "landing_page_url": arxiv, "pdf_url": arxiv.replace("/abs/", "/pdf/"),
                          "source": {"display_name": "arXiv (Cornell University)"}})
    return {
        "id": wid, "doi": doi, "title": _title(rng), "display_name": None, "publication_year": year,
        "publication_date": f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "ids": {"openalex": wid, "doi": doi, "mag": str(3_000_000_000 + i), "pmid": None},
        "type": "article", "primary_location": locations[0], "locations": locations,
        "open_access": {"is_oa": bool(arxiv), "oa_url": arxiv},
        "authorships": [
            {"author_position": "middle", "author": {"id": f"https://openalex.org/A{rng.randint(1, 10**9)}",
                                                     "display_name": f"{rng.choice(_GIVEN)} {rng.choice(_NAMES)}"},
             "institutions": [{"id": None, "display_name": f"University of {rng.choice(_WORDS).capitalize()}"}]}
            for _ in range(rng.randint(1, 6))
        ],
        "topics": [{"display_name": f"{rng.choice(_WORDS).capitalize()} studies", "score": 0.9}],
        "concepts": [{"display_name": rng.choice(_WORDS), "score": 0.5} for _ in range(3)],
        "abstract_inverted_index": index, "updated_date": f"2024-01-0{1 + i % 3}T00:00:00",
    }


def write_openalex(folder: Path, count: int, *, seed: int = DEFAULT_SEED) -> list[Path]:
    """A snapshot folder of `count` works in part files of WORKS_PER_PART, gzipped JSON lines."""
    parts: list[Path] = []
    for part, start in enumerate(range(0, count, WORKS_PER_PART)):
        path = folder / "works" / f"updated_date=2024-01-{1 + part // 10:02d}" / f"part_{part % 10:03d}.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
            for i in range(start, min(count, start + WORKS_PER_PART)):
                out.write(json.dumps(openalex_work(seed, i), ensure_ascii=False) + "\n")
        parts.append(path)
    return parts


def _dblp_records(seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    for i in range(10**12):
        authors = "".join(f"<author>{rng.choice(_GIVEN)} M&uuml;ller {i % 97:04d}</author>"
                          for _ in range(rng.randint(1, 5)))
        kind = ("article", "inproceedings")[i % 2]
        venue = f"<journal>J. {rng.choice(_WORDS)}</journal>" if kind == "article" else "<booktitle>CONF</booktitle>"
        link = f"https://doi.org/10.5555/dblp.{i}" if i % 3 else f"https://arxiv.org/abs/2101.{i % 99999:05d}"
        ee = f"<ee>{link}</ee>"
        yield (f'<{kind} key="{"journals" if kind == "article" else "conf"}/x/K{i}" mdate="2024-01-01">{authors}'
               f"<title>{_title(rng)}.</title>{venue}<year>{1990 + i % 35}</year>{ee}</{kind}>\n").encode("latin-1")
        if i % 50 == 0:
            yield f'<www key="homepages/x/{i}"><author>Someone {i}</author><title>Home Page</title></www>\n'.encode()


def write_dblp(path: Path, megabytes: int, *, seed: int = DEFAULT_SEED) -> int:
    """A dblp.xml of about `megabytes` MB (ISO-8859-1, named entities, no DOCTYPE); its record count."""
    limit = megabytes * 1_000_000
    written = records = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<dblp>\n')
        for record in _dblp_records(seed):
            out.write(record)
            written += len(record)
            records += not record.startswith(b"<www")
            if written >= limit:
                break
        out.write(b"</dblp>\n")
    return records


def bench_formats(report: Any, work: Path, data_root: Path, works: int, dblp_mb: int,
                  run: Callable[[Sequence[str]], Any], cli: list[str], fresh_db: Callable[[Path], float]) -> None:
    """Import the generated snapshot folder and dblp.xml; report rate and peak RSS of each import."""
    print(f"scholarly-graph formats (OpenAlex snapshot {works:,} works, dblp.xml {dblp_mb:,} MB)", flush=True)
    snapshot = data_root / f"openalex-{works}"
    if not snapshot.exists():
        partial = snapshot.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        write_openalex(partial, works)
        partial.rename(snapshot)
    dblp = data_root / f"dblp-{dblp_mb}mb.xml"
    if not dblp.exists():
        write_dblp(dblp.with_suffix(".partial"), dblp_mb)
        dblp.with_suffix(".partial").rename(dblp)
    for label, dump, goal in (("openalex snapshot folder", snapshot, f"{works:,} works"),
                              ("dblp.xml", dblp, f"{dblp.stat().st_size / 1e6:,.0f} MB")):
        db = work / "formats.db"
        db.unlink(missing_ok=True)
        fresh_db(db)
        # One process does it all (no worker): its peak RSS is that of parsing and writing together, where
        # wait4 would otherwise see only the writer's half.
        result = run(["env", f"{WORKER_MIN_BYTES_ENV}={10**15}", *cli, "import", str(db), str(dump)])
        conn = sqlite3.connect(db)
        papers = conn.execute("SELECT COUNT(*) FROM paper_sources").fetchone()[0]
        conn.close()
        report.add(f"import {label}", papers / result.seconds, "records/s", note=f"{papers:,} records; {goal}")
        report.add(f"  peak RSS, {label}", result.max_rss_mb, "MB", goal="< 300 MB", met=result.max_rss_mb < 300)
        db.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("openalex", "dblp"))
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", type=int, default=100_000, help="works (openalex)")
    parser.add_argument("--mb", type=int, default=100, help="size in MB (dblp)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.kind == "openalex":
        print("\n".join(map(str, write_openalex(args.out, args.n, seed=args.seed))))
    else:
        print(write_dblp(args.out, args.mb, seed=args.seed), "records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
