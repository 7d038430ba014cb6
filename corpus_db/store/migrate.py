"""Alembic, driven from code: where the revisions are, the engine they run on, which revision a database
is at, and bringing it to head (under the writer lock when other commands may be running)."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_db.store.db import PAGE_SIZE, busy_timeout
from corpus_db.store.fts import FTS_TABLE
from corpus_db.store.guard import check_database
from corpus_db.store.lock import writer_lock

if TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.config import Config

# SQLAlchemy and Alembic are imported where migrations run, not here: they cost ~0.3 s at start-up,
# which every command (and every cron run that finds nothing to do) would otherwise pay.

# The newest revision in migrations/versions, so that an up-to-date database is recognised without
# loading Alembic (a test holds it equal to Alembic's own answer).
SCHEMA_HEAD = "0023"
MIGRATION_PATH_OPTION = "corpus_db.database_path"
MIGRATIONS_PACKAGE = "corpus_db.store.migrations"  # the top-level migrations/ folder links here


def migrations_dir() -> Path:
    """The Alembic script directory. One rule, checkout or wheel alike: the revisions are the package
    corpus_db.store.migrations (the top-level migrations/ folder is a link to it)."""
    return Path(str(resources.files(MIGRATIONS_PACKAGE)))


def alembic_config(path: str | Path) -> Config:
    """An Alembic config for the database at `path`, needing no alembic.ini on disk."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    # The path travels as its own option, not inside a URL: "?" and "#" would be read as URL syntax,
    # and configparser needs "%" doubled.
    config.set_main_option(MIGRATION_PATH_OPTION, str(Path(path)).replace("%", "%%"))
    return config


def migration_engine(path: str | Path) -> sa.Engine:
    """An engine for migrations: foreign keys OFF, else recreating a parent table in batch mode
    cascades deletes into its children without a word; and transactional DDL, so that each revision
    commits together with its stamp (env.py runs one transaction per revision): a kill -9 mid-migration
    leaves the database at the last revision that finished, never with tables and stamp apart."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    target = str(Path(path))
    # isolation_level=None: the sqlite3 module leaves transactions to us (it would commit before DDL).
    engine = sa.create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(target, isolation_level=None), poolclass=NullPool
    )

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")  # deferred: autogenerate only reads, and may run beside a reader

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.execute("PRAGMA foreign_keys = OFF")
        dbapi_conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # migrate usually creates the file
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")

    return engine


def include_in_autogenerate(name: str | None, type_: str, _parent: dict[str, str | None]) -> bool:
    """Keep the FTS index and its shadow tables out of autogenerate: SQLAlchemy cannot model them."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))


def schema_differences(path: str | Path) -> list[object]:
    """What autogenerate would change to bring the database to the models: empty when in step."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from corpus_db.store.schema import metadata

    engine = migration_engine(path)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": include_in_autogenerate})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision this version of corpus-db knows, as Alembic reads it."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(":memory:")).get_current_head()
    assert head is not None
    return head


def current_revision(path: str | Path) -> str | None:
    """The revision the database is at; None for a new database. Raises NotOurDatabaseError for a file
    corpus-db must not touch (see guard.py)."""
    return check_database(path)


def migrate(path: str | Path, revision: str = "head") -> None:
    """Upgrade the database to `revision` (creating it if needed)."""
    from alembic import command

    check_database(path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(path), revision)


def downgrade(path: str | Path, revision: str) -> None:
    """Downgrade the database to `revision` ("base" removes every table)."""
    from alembic import command

    check_database(path)
    command.downgrade(alembic_config(path), revision)


def downgrade_steps(path: str | Path, revision: str) -> list[str]:
    """The revisions a downgrade to `revision` would undo, newest first, as "id: what it added"."""
    from alembic.script import ScriptDirectory

    current = check_database(path)
    if current is None:
        return []
    scripts = ScriptDirectory.from_config(alembic_config(path))
    target = None if revision == "base" else revision
    steps = []
    for script in scripts.iterate_revisions(current, target):
        if script.revision == target:
            continue
        steps.append(f"{script.revision}: {(script.doc or '').strip().splitlines()[0] if script.doc else ''}")
    return steps


def ensure_migrated(path: str | Path) -> bool:
    """Bring the database to head if it is behind; True when anything was run."""
    if current_revision(path) == SCHEMA_HEAD:
        return False
    migrate(path)
    return True


def migrate_if_behind(db_path: str | Path) -> bool:
    """Bring the schema to head under the writer lock, so that a `serve` or `publish` starting during
    a sync never migrates beside it; True when anything was run."""
    if Path(db_path).exists() and current_revision(db_path) == SCHEMA_HEAD:
        return False  # the common case takes no lock
    with writer_lock(db_path):
        return ensure_migrated(db_path)
