"""Alembic owns the schema: every revision upgrades a populated database without losing rows and
downgrades; the models and the migrated database agree; migrations ship in the wheel."""

import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from corpus_db.store import fts
from corpus_db.store import migrate as migrations
from tests.paths import ROOT

FOUNDATION_TABLES = ["paper_repos", "paper_sources", "paper_tags", "papers", "repos", "sources", "tags"]


def counts(path: Path, tables: list[str]) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()


def test_autogenerate_finds_no_difference_from_the_models(db_path: Path) -> None:
    assert migrations.schema_differences(db_path) == []


def test_head_revision_is_where_migrate_leaves_a_new_database(db_path: Path) -> None:
    assert migrations.current_revision(db_path) == migrations.head_revision()


def test_down_and_up_one_step_keeps_every_row_and_the_fts_triggers(seeded_db: Path) -> None:
    before = counts(seeded_db, FOUNDATION_TABLES)
    assert before["papers"] == 389
    migrations.downgrade(seeded_db, "0001")
    assert counts(seeded_db, FOUNDATION_TABLES) == before
    migrations.migrate(seeded_db)
    assert counts(seeded_db, FOUNDATION_TABLES) == before
    conn = sqlite3.connect(seeded_db)
    assert fts.triggers_present(conn) == set(fts.TRIGGERS)
    fts.integrity_check(conn)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert migrations.schema_differences(seeded_db) == []


def test_upgrade_downgrade_base_upgrade_on_a_populated_database(seeded_db: Path) -> None:
    migrations.downgrade(seeded_db, "base")
    conn = sqlite3.connect(seeded_db)
    names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
    conn.close()
    assert names <= {"alembic_version"}
    migrations.migrate(seeded_db)
    assert migrations.schema_differences(seeded_db) == []
    assert counts(seeded_db, ["papers"]) == {"papers": 0}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    # A new user's `pip install` shows what the build backend warns about: it must have nothing to say.
    backend_warnings = [line for line in (done.stdout + done.stderr).splitlines() if "Warning:" in line]
    assert backend_warnings == []
    [built] = out.glob("corpus_db-*.whl")
    return built


def test_the_wheel_ships_migrations_and_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "corpus_db/store/migrations/env.py",
        "corpus_db/store/migrations/script.py.mako",
        "corpus_db/store/migrations/versions/0001_initial.py",
        "corpus_db/store/migrations/versions/0002_authors_dates_listing_state.py",
        "corpus_db/store/migrations/versions/0003_import_run_process.py",
        "corpus_db/store/migrations/versions/0004_views.py",
        "corpus_db/store/migrations/versions/0005_record_hash_index.py",
        "corpus_db/rules/data/taxonomy.yml",
    ):
        assert required in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_migrations_run_from_the_installed_wheel_not_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    target = tmp_path / "from-wheel.db"
    script = (
        "import corpus_db, sys; from corpus_db.store import migrate as db;"
        f"assert corpus_db.__file__.startswith({str(site)!r}), corpus_db.__file__;"
        f"db.migrate({str(target)!r}); print(db.current_revision({str(target)!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == migrations.head_revision()


def test_the_migrated_fts_index_is_the_one_corpus_db_expects(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'papers_fts'").fetchone()[0]
    squeeze = lambda text: " ".join(text.replace("IF NOT EXISTS ", "").split())  # noqa: E731
    assert squeeze(sql) == squeeze(fts.CREATE_FTS)
    assert fts.triggers_present(conn) == set(fts.TRIGGERS)
    rank = conn.execute("SELECT v FROM papers_fts_config WHERE k = 'rank'").fetchone()[0]
    assert rank == fts.RANK_FUNCTION


def test_the_recorded_schema_head_is_alembics_head() -> None:
    assert migrations.head_revision() == migrations.SCHEMA_HEAD
