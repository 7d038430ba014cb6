"""The smaller failures found on the way: impossible dates, file names that are not UTF-8, pipes and
devices named as dumps, a folder source that holds the database, a list where a format name belongs,
and a query that starts with a dash."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from corpus_db.model import PaperRecord
from corpus_db.rules.merge import record_fields
from corpus_db.sync.config import SourcesFileError, load_sources
from corpus_db.sync.rounds import sync_once
from tests.hostile import cases
from tests.sync_support import run_cli, write_sources


@pytest.mark.parametrize(
    ("written", "stored"),
    [("0000-00-00", None), ("2024-13-45", "2024"), ("2023-02-29", "2023-02"), ("2024-02-29", "2024-02-29"),
     ("2024", "2024"), ("soon", None)],
)
def test_impossible_dates_are_never_stored(written: str, stored: str | None) -> None:
    fields = record_fields(PaperRecord(title="A title", position=1, raw="x", published=written))
    assert fields["published"] == stored


def test_a_file_name_that_is_not_utf8_imports_and_the_run_closes(tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as fh:
        fh.write(cases.listing([(cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]))
    db = tmp_path / "corpus.db"
    result = run_cli("import", db, folder)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM import_runs").fetchone() == ("ok",)
    assert conn.execute("SELECT locator FROM sources").fetchone()[0].endswith("caf\\xe9.txt")


def test_a_pipe_or_a_device_is_not_a_dump(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = run_cli("import", tmp_path / "corpus.db", fifo, "/dev/zero", timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("not a regular file") == 2 and "no such file" not in result.stderr


def test_a_folder_source_holding_the_database_skips_its_files(tmp_path: Path) -> None:
    (tmp_path / "listing.txt").write_bytes(cases.listing([(cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]))
    sources = write_sources(tmp_path / "sources.yml", [{"name": "here", "path": "."}])
    db = tmp_path / "corpus.db"
    for _ in range(2):  # the second round sees corpus.db, its -wal, -shm and .lock beside the dumps
        totals, results = sync_once(db, sources)
        assert totals.sources_failed == 0, [r.error for r in results]
    assert [Path(r.locator).name for r in results] == ["listing.txt"]


def test_a_list_for_a_format_is_a_clear_error(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.yml", [{"name": "x", "path": ".", "format": ["bibtex"]}])
    with pytest.raises(SourcesFileError, match="unknown format"):
        load_sources(sources)
    checked = run_cli("sync", "--sources", sources, "--check")
    assert checked.returncode != 0 and "Traceback" not in checked.stderr and "unknown format" in checked.stderr


def test_a_query_starting_with_a_dash_goes_after_double_dash(seeded_db: Path) -> None:
    assert run_cli("search", seeded_db, "-a").returncode == 2
    result = run_cli("search", seeded_db, "--", "-attention")
    assert result.returncode == 0 and "Traceback" not in result.stderr
