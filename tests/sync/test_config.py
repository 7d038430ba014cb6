"""The sources file: the repository's own, relative paths, and a message for every kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_db.sync.config import SourcesFileError, load_sources, parse_sources
from corpus_db.units import parse_duration, parse_size
from tests.paths import ROOT, SEEDS
from tests.sync_support import run_cli


def test_the_repository_sources_file_names_the_seeds() -> None:
    (entry,) = load_sources(ROOT / "sources.yml")
    assert (entry.name, entry.kind, entry.format, entry.tags) == ("seeds", "glob", "listing", ("seeds",))
    assert entry.local_paths() == sorted(SEEDS.glob("*.txt"))
    assert len(entry.local_paths()) == 4


def test_relative_locations_are_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "dumps").mkdir()
    (tmp_path / "dumps" / "a.txt").write_text("Get trending papers in your email inbox!\n")  # a listing
    (tmp_path / "dumps" / "notes.md").write_text("not a dump\n")
    (tmp_path / "dumps" / ".hidden").write_text("x")
    text = """
sources:
  - name: dir
    path: dumps
  - name: one
    path: dumps/a.txt
    tags: single-tag
  - name: feed
    url: https://example.org/feed.txt?day=1
"""
    entries = parse_sources(text, "s.yml", tmp_path)
    assert [e.local_paths() for e in entries[:2]] == [[tmp_path / "dumps" / "a.txt"]] * 2
    assert entries[1].tags == ("single-tag",)
    assert (entries[2].kind, entries[2].location, entries[2].local_paths()) == (
        "url", "https://example.org/feed.txt?day=1", []
    )


BAD_ENTRIES = [
    ("- name: a\n  path: x\n  tag: [t]\n", "unknown key 'tag'"),
    ("- path: x\n", "needs a name"),
    ("- name: a\n", "needs exactly one of path, glob, url, found none"),
    ("- name: a\n  path: x\n  url: http://h/x\n", "needs exactly one of path, glob, url, found path, url"),
    ("- name: a\n  url: ftp://h/x\n", "url 'ftp://h/x' is not an http(s) URL"),
    ("- name: a\n  path: https://h/x\n", "looks like a URL: use url:"),
    ("- name: a\n  path: x\n  format: nosuch\n", "unknown format 'nosuch'"),
    ("- name: a\n  path: x\n  tags: [1, '']\n", "tags must be a list of non-empty strings"),
    ("- just a string\n", "expected a mapping"),
]


@pytest.mark.parametrize(("yaml_text", "problem"), BAD_ENTRIES)
def test_a_bad_entry_is_named_by_file_line_and_number(tmp_path: Path, yaml_text: str, problem: str) -> None:
    good = "- name: ok\n  path: x\n"
    path = tmp_path / "sources.yml"
    path.write_text("# comment\nsources:\n" + good + yaml_text)
    with pytest.raises(SourcesFileError) as err:
        load_sources(path)
    message = str(err.value)
    assert message.startswith(f"{path}:5: entry 2")  # the second entry starts on line 5
    assert problem in message


def test_every_problem_is_reported_at_once_and_duplicate_names_too(tmp_path: Path) -> None:
    text = "sources:\n- name: a\n  path: x\n- name: a\n  path: y\n- name: b\n"
    with pytest.raises(SourcesFileError) as err:
        parse_sources(text, "s.yml", tmp_path)
    lines = str(err.value).splitlines()
    assert lines == [
        "s.yml:4: entry 2 (a): name 'a' is already used by entry 1",
        "s.yml:6: entry 3 (b): needs exactly one of path, glob, url, found none",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sources: [\n", "s.yml:2: not valid YAML"),
        ("", "expected a non-empty list"),
        ("sources: []\n", "expected a non-empty list"),
        ("source:\n- name: a\n", "unknown top-level key 'source'"),
    ],
)
def test_a_broken_file_says_what_is_wrong(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(SourcesFileError, match=problem):
        parse_sources(text, "s.yml", tmp_path)


def test_sync_check_lists_or_rejects_without_touching_a_database(tmp_path: Path) -> None:
    db_path = tmp_path / "never.db"
    ok = run_cli("sync", db_path, "--check", "--sources", ROOT / "sources.yml")
    assert ok.returncode == 0, ok.stderr
    assert "1. seeds: glob" in ok.stdout and "4 file(s) there now" in ok.stdout
    bad = tmp_path / "bad.yml"
    bad.write_text("sources:\n- name: a\n  glob: '*.txt'\n  format: nope\n")
    result = run_cli("sync", "--check", "--sources", bad)
    assert result.returncode == 1
    assert f"{bad}:2: entry 1 (a): unknown format 'nope'" in result.stderr
    assert not db_path.exists()


def test_durations_and_sizes_as_written_on_a_command_line() -> None:
    assert [parse_duration(t) for t in ("30m", "1h", "1d", "1h30m", "0.5s", "90s")] == [
        1800, 3600, 86400, 5400, 0.5, 90
    ]
    assert [parse_size(t) for t in ("1000", "500MB", "500M", "2GiB", "1.5k")] == [
        1000, 500 * 1024**2, 500 * 1024**2, 2 * 1024**3, 1536
    ]
    for bad in ("", "1x", "h", "0m", "-1h"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    with pytest.raises(ValueError):
        parse_size("lots")
