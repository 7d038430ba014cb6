"""Shared by the web tests: a corpus file Datasette names `corpus`, and a Datasette built like `corpus-db serve`."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette

from tests.paths import ROOT

METADATA_FILE = ROOT / "datasette-metadata.yml"
# The settings corpus-db serve passes (see corpus_db.cli.web.datasette_command).
SERVE_SETTINGS = {"sql_time_limit_ms": 3000, "max_returned_rows": 1000, "facet_time_limit_ms": 500,
                  "suggest_facets": False}


def metadata() -> dict[str, Any]:
    return yaml.safe_load(METADATA_FILE.read_text())


def copy_as_corpus(source: Path, directory: Path) -> Path:
    """A copy of `source` at directory/corpus.db: Datasette names a database after the file stem, and
    the metadata describes `corpus`."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "corpus.db"
    src, dest = sqlite3.connect(source), sqlite3.connect(target)
    src.backup(dest)
    src.close()
    dest.close()
    return target


def make_datasette(path: Path, **kwargs: Any) -> Datasette:
    return Datasette([str(path)], metadata=metadata(), settings=SERVE_SETTINGS, **kwargs)


def counts(path: Path) -> dict[str, int]:
    """Rows per table (not views), to prove nothing changed."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()
