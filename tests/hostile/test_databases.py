"""Databases that are not ours: a foreign SQLite file, a text file, random bytes, a directory, a database
from a newer corpus-db, one whose tables disagree with its stamp. Every command refuses each with one
sentence (no traceback) and leaves the file byte-identical."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile import cases
from tests.sync_support import run_cli


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE papers (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("INSERT INTO papers (title) VALUES ('theirs')")
    conn.commit()
    conn.close()


def _text(path: Path) -> None:
    path.write_text("just some notes\nnot a database\n")


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _newer(path: Path) -> None:
    _ours(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()


def _ours(path: Path) -> None:
    result = run_cli("migrate", path)
    assert result.returncode == 0, result.stderr


def _stamp_without_tables(path: Path) -> None:
    _ours(path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE paper_sources")
    conn.commit()
    conn.close()


KINDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "foreign-sqlite": (_foreign_sqlite, "did not create"),
    "text-file": (_text, "not a SQLite database"),
    "random-bytes": (_random, "not a SQLite database"),
    "newer-corpus-db": (_newer, "newer corpus-db"),
    "tables-disagree-with-stamp": (_stamp_without_tables, "disagree"),
}
COMMANDS = [("stats",), ("runs",), ("migrate",), ("import", "LISTING"), ("search", "scaling"), ("rejects",)]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_database_that_is_not_ours_is_refused_and_left_untouched(
    kind: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    make, message = KINDS[kind]
    db = tmp_path / "corpus.db"
    make(db)
    before = _digest(db)
    listing = tmp_path / "l.txt"
    listing.write_bytes(cases.listing([(cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]))
    args = [str(listing) if a == "LISTING" else a for a in command[1:]]
    result = run_cli(command[0], db, *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert _digest(db) == before
    assert not Path(f"{db}-wal").exists()


@pytest.mark.parametrize("command", [("stats",), ("migrate",), ("import", "LISTING")], ids=lambda c: c[0])
def test_a_directory_given_as_the_database_is_refused(command: tuple[str, ...], tmp_path: Path) -> None:
    folder = tmp_path / "folder.db"
    folder.mkdir()
    listing = tmp_path / "l.txt"
    listing.write_bytes(cases.listing([(cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]))
    args = [str(listing) if a == "LISTING" else a for a in command[1:]]
    result = run_cli(command[0], "--db", folder, *args)
    assert result.returncode != 0 and "is a directory" in result.stderr and "Traceback" not in result.stderr
    assert list(folder.iterdir()) == []
