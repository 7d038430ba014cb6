"""Every SQL example in the README runs as written against a corpus imported from the seeds: the fenced
```sql blocks statement by statement, and the `sqlite3 corpus.db "..."` / `sqlite-utils corpus.db "..."`
commands in shell blocks."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.paths import ROOT

FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
SHELL_SQL = re.compile(r'(?:sqlite3|sqlite-utils)\s+corpus\.db\s+"([^"]+)"', re.S)


def readme_sql() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found: list[str] = []
    for lang, body in FENCE.findall(text):
        if lang == "sql":
            found += [s.strip() for s in sqlite3_split(body) if s.strip()]
        elif lang in ("sh", "bash", ""):
            found += [" ".join(m.split()) for m in SHELL_SQL.findall(body)]
    return found


def sqlite3_split(script: str) -> list[str]:
    """Statements of a script (comments kept with the statement that follows them)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current)
            current = ""
    return statements + ([current] if current.strip() else [])


def test_the_readme_has_sql_examples() -> None:
    assert len(readme_sql()) >= 5


@pytest.mark.parametrize("statement", readme_sql())
def test_every_readme_sql_example_runs(statement: str, seeded_db: Path) -> None:
    conn = sqlite3.connect(seeded_db)
    try:
        conn.execute(statement).fetchall()
    finally:
        conn.close()
