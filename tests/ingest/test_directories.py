"""Importing a folder: subfolders too (unless --no-recursive), notes and pictures skipped with one
summary line, no symlink followed out of the tree."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_db.ingest.files import list_dumps
from tests.paths import REALDATA, SEEDS

CLI = [sys.executable, "-c", "from corpus_db.cli import main; main()"]
GRAPH = Path(__file__).resolve().parent / "fixtures" / "cross_format" / "graph"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "dumps"
    (root / "graphs" / "deeper").mkdir(parents=True)
    shutil.copy(GRAPH / "openalex-work.json", root / "graphs" / "openalex-work.json")
    shutil.copy(GRAPH / "crossref-work.json", root / "graphs" / "deeper" / "crossref-work.json")
    [seed] = SEEDS.glob("001_*.txt")
    shutil.copy(seed, root / "listing.txt")
    (root / "SOURCES.md").write_text("# where these came from\n")
    (root / "notes.txt").write_text("remember to import the rest\n")
    (root / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / ".hidden.json").write_text("[]")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.json").write_text(json.dumps({"id": "https://openalex.org/W9", "title": "Not in the tree"}))
    os.symlink(outside / "secret.json", root / "link.json")
    os.symlink(outside, root / "linked-folder")
    return root


def test_recursive_listing_skips_what_is_not_a_dump(tree: Path) -> None:
    listing = list_dumps([tree])
    assert [p.relative_to(tree).as_posix() for p in listing.files] == [
        "graphs/deeper/crossref-work.json", "graphs/openalex-work.json", "listing.txt",
    ]
    assert sorted(p.name for p, _ in listing.skipped) == ["SOURCES.md", "figure.png", "link.json", "linked-folder",
                                                          "notes.txt"]
    assert listing.summary() == ("skipped 5 files that are not dumps (1 .md files, 1 .png files, "
                                 "2 symlinks out of the folder, 1 text files no format recognises)")
    assert [p.name for p in list_dumps([tree], recursive=False).files] == ["listing.txt"]


def test_cli_imports_a_tree_with_one_summary_line(tree: Path, tmp_path: Path) -> None:
    env = {**os.environ}
    done = subprocess.run([*CLI, "import", str(tmp_path / "c.db"), str(tree)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("skipped 5 files that are not dumps") == 1
    conn = sqlite3.connect(tmp_path / "c.db")
    formats = sorted(f for (f,) in conn.execute("SELECT format FROM sources"))
    assert formats == ["crossref", "listing", "openalex"]
    assert conn.execute("SELECT COUNT(*) FROM papers WHERE title = 'Not in the tree'").fetchone() == (0,)
    flat = subprocess.run([*CLI, "import", str(tmp_path / "d.db"), str(tree), "--no-recursive"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert flat.returncode == 0, flat.stderr
    assert sqlite3.connect(tmp_path / "d.db").execute("SELECT COUNT(*) FROM sources").fetchone() == (1,)


@pytest.mark.realdata
def test_the_realdata_folder_lists_every_dump_and_skips_its_notes() -> None:
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is absent")
    listing = list_dumps([REALDATA])
    assert sorted(p.name for p, _ in listing.skipped) == ["SOURCES.md", "dblp.dtd"]
    assert len(listing.files) == sum(1 for p in REALDATA.rglob("*") if p.is_file()) - 2


def test_an_openalex_snapshot_root_lists_its_merged_ids_and_partitions(tmp_path: Path) -> None:
    works = tmp_path / "data" / "works"
    for day in ("2024-01-01", "2023-12-01"):
        (works / f"updated_date={day}").mkdir(parents=True)
        (works / f"updated_date={day}" / "part_000.gz").write_bytes(b"")
    (works / "manifest").write_text('{"entries": []}')
    (tmp_path / "data" / "merged_ids" / "works").mkdir(parents=True)
    merged = tmp_path / "data" / "merged_ids" / "works" / "2024-01-01.csv.gz"
    merged.write_bytes(gzip.compress(b"merge_date,id,merge_into_id\n2024-01-01,W1,W2\n"))
    (tmp_path / "data" / "merged_ids" / "works" / "other.csv").write_text("a,b\n1,2\n")
    listing = list_dumps([tmp_path / "data"])
    assert [p.relative_to(tmp_path / "data").as_posix() for p in listing.files] == [
        "merged_ids/works/2024-01-01.csv.gz",  # merge rules first: works/ sorts after merged_ids/
        "works/updated_date=2023-12-01/part_000.gz", "works/updated_date=2024-01-01/part_000.gz",
    ]
    assert listing.summary() == (
        "skipped 2 files that are not dumps (1 manifest files, 1 text files no format recognises)"
    )
