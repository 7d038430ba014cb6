"""Alembic environment: runs revisions against the SQLite file named in the config."""

from __future__ import annotations

from alembic import context

from corpus_db.store.migrate import MIGRATION_PATH_OPTION, include_in_autogenerate, migration_engine
from corpus_db.store.schema import metadata

config = context.config


def run_migrations_online() -> None:
    path = config.get_main_option(MIGRATION_PATH_OPTION)
    assert path, f"corpus-db migrations need the database path in the {MIGRATION_PATH_OPTION} option"
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = migration_engine(path)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        include_name=include_in_autogenerate,
        compare_type=True,
        transaction_per_migration=True,  # each revision and its stamp commit together (see migration_engine)
        on_version_apply=_check_foreign_keys,
    )
    with context.begin_transaction():
        context.run_migrations()


def _check_foreign_keys(*, ctx: object, **_: object) -> None:
    """Inside each revision's transaction: a batch rebuild with foreign keys off can leave dangling rows;
    refuse to commit them."""
    problems = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()  # type: ignore[attr-defined]
    if problems:
        raise RuntimeError(f"migration left rows with broken foreign keys: {problems[:5]}")


if context.is_offline_mode():
    raise SystemExit("corpus-db migrations run online only (against a SQLite file)")
run_migrations_online()
