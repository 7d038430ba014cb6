"""The corpus-db command as a user runs it: a real process, a real database file."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import SEEDS

CLI = [sys.executable, "-c", "from corpus_db.cli import main; main()"]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120
    )


def test_import_then_reimport_says_nothing_changed(tmp_path: Path) -> None:
    first = run("import", "corpus.db", str(SEEDS), "--tag", "seeds", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "389 inserted, 21 merged, 0 updated, 0 unchanged, 0 rejected" in first.stdout
    second = run("import", "corpus.db", str(SEEDS), cwd=tmp_path)
    assert second.returncode == 0
    assert "Nothing to do: all 4 sources are unchanged" in second.stdout


def test_default_database_comes_from_the_environment_then_the_directory(tmp_path: Path) -> None:
    [seed] = SEEDS.glob("001_*.txt")
    assert run("import", str(seed), cwd=tmp_path).returncode == 0
    assert (tmp_path / "corpus.db").exists()
    other = tmp_path / "elsewhere.db"
    assert run("import", str(seed), cwd=tmp_path, env={"CORPUS_DB": str(other)}).returncode == 0
    assert sqlite3.connect(other).execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 102


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    assert run("import", "corpus.db", str(SEEDS), cwd=tmp_path).returncode == 0
    return tmp_path


def test_search_prints_ranked_results_and_json(imported: Path) -> None:
    text = run("search", "mixture of experts", "-n", "3", cwd=imported)
    assert text.returncode == 0
    lines = [line for line in text.stdout.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert len(lines) == 3 and lines[0].startswith(" 1. ")
    as_json = json.loads(run("search", "corpus.db", "mixture of experts", "--json", cwd=imported).stdout)
    assert as_json["engine"] == "tantivy" and as_json["fallback_reason"] is None
    assert len(as_json["hits"]) == 20 and as_json["more"]
    assert {"id", "title", "snippet", "score", "authors", "tags", "repos", "sources"} <= set(as_json["hits"][0])


@pytest.mark.parametrize("typed", ['"unbalanced', "a AND (", "-", ":", "*", "))"])
def test_search_with_fts_syntax_never_crashes(imported: Path, typed: str) -> None:
    done = run("search", typed, cwd=imported)
    assert done.returncode == 0, done.stderr


def test_stats_and_runs(imported: Path) -> None:
    stats = json.loads(run("stats", "--json", cwd=imported).stdout)
    assert stats["papers"] == 389 and stats["listings"] == 410 and stats["papers_in_several_sources"] == 21
    history = run("runs", cwd=imported).stdout
    assert "ok" in history and "389 inserted" in history


def test_a_failed_source_exits_non_zero_with_the_file_and_line(imported: Path) -> None:
    bad = imported / "bad.txt"
    bad.write_text("Get trending papers in your email inbox!\nOnly a title\n")
    done = run("import", str(bad), cwd=imported)
    assert done.returncode == 1
    assert f"{bad}:2: title 'Only a title' has no abstract line after it" in done.stderr


def test_migrate_reports_the_revision(tmp_path: Path) -> None:
    from corpus_db.store.migrate import head_revision

    done = run("migrate", "new.db", cwd=tmp_path)
    assert done.returncode == 0
    assert f"new.db: schema empty -> {head_revision()}" in done.stdout


def test_every_command_has_help() -> None:
    import click

    from corpus_db.cli import cli

    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None and command.help, name
    done = subprocess.run([*CLI, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "import" in done.stdout and "search" in done.stdout


def test_progress_is_shown_on_a_terminal_only(tmp_path: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    done = subprocess.run(
        [*CLI, "import", "corpus.db", str(SEEDS)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=follower,
        text=True, timeout=120,
    )
    os.close(follower)
    shown = b""
    try:
        while chunk := os.read(leader, 65536):
            shown += chunk
    except OSError:
        pass  # the terminal closed: everything written has been read
    os.close(leader)
    assert done.returncode == 0
    assert b"Importing" in shown and b"100%" in shown
    piped = run("import", "other.db", str(SEEDS), cwd=tmp_path)
    assert "Importing" not in piped.stderr


def test_the_lazy_command_table_matches_what_the_modules_register() -> None:
    import importlib
    import pkgutil

    import corpus_db.cli
    from corpus_db.cli.app import COMMAND_MODULES, cli

    for module in pkgutil.iter_modules(corpus_db.cli.__path__):
        importlib.import_module(f"corpus_db.cli.{module.name}")
    assert {name: command.callback.__module__.rsplit(".", 1)[1] for name, command in cli.commands.items()} == (
        COMMAND_MODULES
    )
