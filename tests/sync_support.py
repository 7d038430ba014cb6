"""Helpers for the sync tests: the CLI as a real subprocess of this checkout, generated listing dumps,
sources files, and row counts."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from tests.paths import ROOT

LISTING_HEADER = "Get trending papers in your email inbox once a day!\nSubscribe\n"
_WORDS = [
    "model", "learning", "graph", "neural", "transformer", "diffusion", "vision", "language", "robot", "policy",
    "sparse", "dense", "attention", "retrieval", "benchmark", "dataset", "agent", "memory", "token", "scaling",
]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: this checkout first on the path (the shared venv has
    another checkout installed in editable mode)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("CORPUS_DB", None)
    env.update(extra)
    return env


def cli_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "corpus_db", *map(str, args)]


def run_cli(*args: str | Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m corpus_db ARGS` to completion, capturing its output."""
    return subprocess.run(
        cli_command(*args), env=cli_env(**env), capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def listing_record(number: int, *, words: int = 40, seed: int = 0, abstract: str | None = None) -> tuple[str, str]:
    """A synthetic (title, abstract) pair whose title is unique by `number`."""
    rnd = random.Random(number * 7919 + seed)
    title = f"Synthetic Study {number} of {' '.join(rnd.choice(_WORDS) for _ in range(4)).title()}"
    if abstract is None:
        abstract = " ".join(rnd.choice(_WORDS) for _ in range(words)) + f" marker{number}."
    return title, abstract


def write_listing(path: Path, records: Sequence[tuple[str, str]]) -> Path:
    """A dump in the listing text format: page chrome, then a title line and an abstract line per paper."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(LISTING_HEADER)
        for title, abstract in records:
            fh.write(f"{title}\n{abstract}\n")
    return path


def generated_records(count: int, *, start: int = 0, words: int = 40) -> list[tuple[str, str]]:
    return [listing_record(n, words=words) for n in range(start, start + count)]


def write_sources(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"sources": entries}, sort_keys=False), encoding="utf-8")
    return path


def count(db_path: Path, sql: str, params: Sequence[Any] = ()) -> Any:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def fetch_all(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def table_counts(db_path: Path) -> dict[str, int]:
    tables = ["papers", "sources", "paper_sources", "tags", "paper_tags", "repos", "paper_repos", "authors"]
    return {t: count(db_path, f"SELECT COUNT(*) FROM {t}") for t in tables}


def wal_size(db_path: Path) -> int:
    """The bytes in the database's WAL, 0 when there is none: SQLite removes it when the last connection
    closes, so it can vanish between a check that it exists and the stat() after it."""
    try:
        return os.stat(f"{db_path}-wal").st_size
    except FileNotFoundError:
        return 0
