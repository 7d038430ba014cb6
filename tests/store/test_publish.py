"""`corpus-db publish`: the snapshot holds every row, its FTS index passes the strict integrity check,
it needs no -wal, and Datasette serves it as an immutable file with the inspect file's counts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from datasette.app import Datasette

from corpus_db.cli import cli
from corpus_db.store import fts
from tests.web_support import SERVE_SETTINGS, counts, metadata


def test_publish_writes_a_complete_checked_snapshot_that_datasette_serves_immutable(
    seeded_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site" / "corpus.db"
    result = CliRunner().invoke(cli, ["publish", str(seeded_db), str(out)])
    assert result.exit_code == 0, result.output
    assert "MiB" in result.output and "written in" in result.output and "datasette serve -i" in result.output
    inspect_file = tmp_path / "site" / "corpus-inspect.json"
    assert out.is_file() and inspect_file.is_file()
    assert not out.with_name("corpus.db.tmp").exists()

    # Every table row is there; the FTS segment tables differ only because publish merges the index.
    merged = {"papers_fts_data", "papers_fts_idx"}
    live, snapshot = counts(seeded_db), counts(out)
    assert {k: v for k, v in snapshot.items() if k not in merged} == {k: v for k, v in live.items() if k not in merged}
    assert snapshot["papers"] == snapshot["papers_fts_docsize"] == 389
    conn = sqlite3.connect(out)
    fts.integrity_check(conn)  # raises if the index disagrees with papers
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    views = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert "paper_overview" in views
    conn.close()

    inspect_data = json.loads(inspect_file.read_text())
    assert inspect_data["corpus"]["tables"]["papers"]["count"] == 389


async def test_datasette_serves_the_snapshot_with_i_and_inspect_file(seeded_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "site" / "corpus.db"
    assert CliRunner().invoke(cli, ["publish", str(seeded_db), str(out)]).exit_code == 0
    inspect_data = json.loads((tmp_path / "site" / "corpus-inspect.json").read_text())
    # As `datasette -i OUT --inspect-file ...` builds it: the file only as immutable.
    ds = Datasette([], immutables=[str(out)], inspect_data=inspect_data, metadata=metadata(), settings=SERVE_SETTINGS)
    try:
        assert not ds.databases["corpus"].is_mutable
        table = (await ds.client.get("/corpus/papers.json?_size=1")).json()
        assert table["filtered_table_rows_count"] == 389
        hits = (await ds.client.get("/corpus/search.json?q=mixture+of+experts&_shape=array")).json()
        assert hits and "mixture" in hits[0]["title"].lower()
        assert (await ds.client.get("/-/charts")).status_code == 200
    finally:
        for db in ds.databases.values():
            db.close()


def test_publish_refuses_to_overwrite_without_force(seeded_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "corpus.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["publish", str(seeded_db), str(out)]).exit_code == 0
    refused = runner.invoke(cli, ["publish", str(seeded_db), str(out)])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert runner.invoke(cli, ["publish", str(seeded_db), str(out), "--force"]).exit_code == 0
