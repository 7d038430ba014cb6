"""`corpus-db export QUERY --format ...`: the papers a search finds, as clean CSV, JSON, BibTeX or RIS."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from corpus_db.cli import cli


def test_export_json_csv_bibtex_ris(seeded_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(seeded_db), "granularity", "--format", "json", "-n", "5"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 5 and all("[" not in r["title"] for r in rows) and isinstance(rows[0]["tags"], list)
    table = list(csv.DictReader(io.StringIO(runner.invoke(cli, ["export", str(seeded_db), "granularity"]).output)))
    assert [r["title"] for r in table[:5]] == [r["title"] for r in rows]
    out = tmp_path / "papers.bib"
    result = runner.invoke(cli, ["export", str(seeded_db), "granularity", "--format", "bibtex", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text().count("\n@") + 1 == len(table)
    ris = runner.invoke(cli, ["export", str(seeded_db), "granularity", "--format", "ris"]).output
    assert ris.count("ER  - ") == len(table)


def test_export_explains_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "none.db"), "x"])
    assert result.exit_code == 1 and "no such database" in result.output
