"""Shared fixtures: a real SQLite file per test, migrated by Alembic, loaded from the real seeds."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import db as database
from corpus_db.store import migrate as migrations
from tests.paths import SEEDS


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh database file migrated to head."""
    path = tmp_path / "corpus.db"
    migrations.migrate(path)
    return path


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four seeds imported once per session; tests copy it instead of re-importing."""
    path = tmp_path_factory.mktemp("seeded") / "corpus.db"
    totals, results = run_import(path, [SourceTask.for_path(p) for p in expand_paths([SEEDS])])
    assert totals.sources_failed == 0, [r.error for r in results]
    return path


@pytest.fixture
def seeded_db(seeded_template: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded database (safe to write to)."""
    target = tmp_path / "seeded.db"
    source = sqlite3.connect(seeded_template)
    dest = sqlite3.connect(target)
    source.backup(dest)
    source.close()
    dest.close()
    return target


@pytest.fixture
def conn(seeded_db: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the private seeded copy."""
    connection = database.connect(seeded_db)
    yield connection
    connection.close()
