"""A hostile record costs only itself: deep nesting in every format, expansion bombs inside a record,
link text that was quadratic, control characters and oversized fields become rejects (or are cleaned),
and every good record around them imports."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.rules.repos import find_links
from corpus_db.store import fts
from tests.hostile import cases
from tests.hostile.cases import Case


def _rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _good_listing(folder: Path) -> Path:
    path = folder / "good.txt"
    path.write_bytes(cases.listing([("A Good Paper Nobody Listed Before", "Its abstract, short and complete.")]))
    return path


def _import_case(case: Case, folder: Path, db: Path) -> list:
    bad = cases.write_case(case, folder)
    _totals, results = run_import(db, [SourceTask.for_path(bad), SourceTask.for_path(_good_listing(folder))])
    return results


REJECT_CASES = {c.name: c for c in cases.deep_nesting_cases() + cases.reject_cases() if c.outcome == "rejects"}


@pytest.mark.parametrize("name", sorted(REJECT_CASES))
def test_one_bad_record_is_rejected_and_the_rest_imports(name: str, db_path: Path, tmp_path: Path) -> None:
    results = _import_case(REJECT_CASES[name], tmp_path, db_path)
    assert [r.status for r in results] == ["imported", "imported"], [r.error for r in results]
    assert results[0].counts.rejected >= 1
    assert results[0].counts.inserted >= 1
    rejects = _rows(db_path, "SELECT position, line, reason, excerpt FROM rejected_records")
    assert len(rejects) == results[0].counts.rejected
    assert all(reason and len(excerpt) <= 300 for _, _, reason, excerpt in rejects)
    fts.integrity_check(sqlite3.connect(db_path))


def test_deep_json_value_is_rejected_with_its_line(db_path: Path, tmp_path: Path) -> None:
    [case] = [c for c in cases.deep_nesting_cases() if c.name == "deep-jsonl"]
    results = _import_case(case, tmp_path, db_path)
    assert results[0].counts.inserted == 20 and results[0].counts.rejected == 1
    [(line, reason)] = _rows(db_path, "SELECT line, reason FROM rejected_records")
    assert line == 11 and "nested" in reason


def test_a_commented_bibtex_entry_is_not_a_paper(db_path: Path, tmp_path: Path) -> None:
    [case] = [c for c in cases.reject_cases() if c.name == "bibtex-commented-entry"]
    _import_case(case, tmp_path, db_path)
    titles = {t for (t,) in _rows(db_path, "SELECT title FROM papers")}
    assert "Ghost Paper" not in titles and cases.GOOD_TITLE in titles


def test_pwc_evaluation_row_without_title_costs_only_that_row(db_path: Path, tmp_path: Path) -> None:
    [case] = [c for c in cases.reject_cases() if c.name == "pwc-eval-row-without-title"]
    results = _import_case(case, tmp_path, db_path)
    assert results[0].counts.inserted == 199 and results[0].counts.rejected == 1


def test_string_bomb_is_capped(db_path: Path, tmp_path: Path) -> None:
    [case] = [c for c in cases.bomb_cases() if c.name == "bibtex-string-bomb"]
    results = _import_case(case, tmp_path, db_path)
    assert results[0].status == "imported", results[0].error
    assert results[0].counts.inserted >= 1
    longest = _rows(db_path, "SELECT MAX(length(raw_record)) FROM paper_sources")[0][0]
    assert longest < 1_000_000
    assert any("expands" in r for (r,) in _rows(db_path, "SELECT reason FROM rejected_records"))


@pytest.mark.parametrize("case", cases.quadratic_cases(), ids=lambda c: c.name)
def test_trailing_punctuation_after_links_is_trimmed_in_one_pass(case: Case, db_path: Path, tmp_path: Path) -> None:
    # No timing here (benchmarks time things): with a quadratic trim these took 14 s and 30 s; the
    # pytest-timeout of the suite would stop a regression.
    results = _import_case(case, tmp_path, db_path)
    assert results[0].status == "imported" and results[0].counts.inserted == 1, results[0].error
    assert _rows(db_path, "SELECT url FROM repos") != []


def test_link_finding_is_linear_in_trailing_punctuation() -> None:
    # Past the stored-field caps, but find_links itself must stay linear (1 MB of dots took 30 s).
    [(written, repo)] = find_links("Code at https://github.com/a/b" + ")" * 100_000 + "." * 1_000_000)
    assert repo.url == "https://github.com/a/b" and written == "https://github.com/a/b"


def test_control_and_bidi_characters_never_reach_the_database(db_path: Path, tmp_path: Path) -> None:
    [case] = cases.control_char_cases()
    _import_case(case, tmp_path, db_path)
    for (title,) in _rows(db_path, "SELECT title FROM papers"):
        assert not any(ch in title for ch in cases.CONTROL_CHARS), repr(title)


def test_a_field_longer_than_the_cap_is_a_reject(db_path: Path, tmp_path: Path) -> None:
    [case] = cases.oversize_cases()
    results = _import_case(case, tmp_path, db_path)
    assert results[0].counts.inserted == 1 and results[0].counts.rejected == 1
    [(reason,)] = _rows(db_path, "SELECT reason FROM rejected_records")
    assert "title" in reason and "long" in reason
