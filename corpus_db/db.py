"""Opening the database: the default path, connection pragmas, the write lock, and migrations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_db.fts import FTS_TABLE

if TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.config import Config

# SQLAlchemy and Alembic are imported where migrations run, not here: they cost ~0.3 s at start-up,
# which every command (and every cron run that finds nothing to do) would otherwise pay.

DEFAULT_DB_ENV = "CORPUS_DB"
DEFAULT_DB_NAME = "corpus.db"
BUSY_TIMEOUT_ENV = "CORPUS_DB_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 60.0  # seconds a writer waits for another writer before giving up
# A paper's row (~1.7 KB) and its source record (~2.2 KB) do not pack on 4 KB pages: one row per page
# and the rest left empty. 16 KB pages hold 4-7 such rows: 8.1 -> 6.5 KB a paper on disk, fewer pages
# to write and checkpoint. It applies only when the file is created (no-op on an existing database).
PAGE_SIZE = 16384
# The newest revision in migrations/versions, so that an up-to-date database is recognised without
# loading Alembic (a test holds it equal to Alembic's own answer).
SCHEMA_HEAD = "0005"
MIGRATION_PATH_OPTION = "corpus_db.database_path"


class DatabaseBusyError(RuntimeError):
    """Another process held the write lock for longer than we were willing to wait."""


def default_db_path() -> Path:
    """$CORPUS_DB, else corpus.db in the current directory."""
    return Path(os.environ.get(DEFAULT_DB_ENV, DEFAULT_DB_NAME))


def busy_timeout() -> float:
    """How long a writer waits for the lock, from $CORPUS_DB_BUSY_TIMEOUT (seconds)."""
    return float(os.environ.get(BUSY_TIMEOUT_ENV, DEFAULT_BUSY_TIMEOUT))


def connect(path: str | Path, *, timeout: float | None = None) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL so readers never block on a
    writer, foreign keys enforced."""
    wait = busy_timeout() if timeout is None else timeout
    conn = sqlite3.connect(str(path), timeout=wait, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before WAL: it cannot change once WAL is on
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def connect_read_only(path: str | Path) -> sqlite3.Connection:
    """A connection that cannot write, whatever characters the path holds (as a percent-encoded URI)."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=busy_timeout())


def db_path_of(conn: sqlite3.Connection) -> str:
    """The file behind a connection's main database."""
    return str(conn.execute("PRAGMA database_list").fetchone()[2])


@contextmanager
def write_transaction(conn: sqlite3.Connection, path: str | Path) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE (take the write lock now, not halfway through) ... COMMIT, or ROLLBACK on error."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseBusyError(
                f"{path}: another corpus-db process is writing to this database; waited "
                f"{busy_timeout():g}s for it (use --wait SECONDS or set ${BUSY_TIMEOUT_ENV} to wait longer)"
            ) from None
        raise
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrations_dir() -> Path:
    """The Alembic script directory: in a source checkout its own migrations/ (an editable install of
    another checkout would map corpus_db.migrations to that checkout's revisions); installed, the copy
    shipped inside the package."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "migrations" / "env.py").is_file():
        return root / "migrations"
    return Path(str(resources.files("corpus_db.migrations")))


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
    cascades deletes into its children without a word."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    target = str(Path(path))
    engine = sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(target), poolclass=NullPool)

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

    from corpus_db.schema import metadata

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
    """The revision the database is at; None for a new or unmanaged database."""
    if not Path(path).exists():
        return None
    conn = sqlite3.connect(str(path), timeout=busy_timeout())
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None  # no alembic_version table: never migrated
    finally:
        conn.close()
    return row[0] if row else None


def migrate(path: str | Path, revision: str = "head") -> None:
    """Upgrade the database to `revision` (creating it if needed)."""
    from alembic import command

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(path), revision)


def downgrade(path: str | Path, revision: str) -> None:
    """Downgrade the database to `revision` ("base" removes every table)."""
    from alembic import command

    command.downgrade(alembic_config(path), revision)


def ensure_migrated(path: str | Path) -> bool:
    """Bring the database to head if it is behind; True when anything was run."""
    if current_revision(path) == SCHEMA_HEAD:
        return False
    migrate(path)
    return True
