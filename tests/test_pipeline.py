"""Large dumps are parsed and prepared in a worker process: same rows as in-process, same errors,
and no worker left behind."""

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from corpus_db.imports import SourceTask, run_import
from corpus_db.pipeline import WORKER_MIN_BYTES_ENV
from tests.paths import SEEDS

TABLES = {
    "papers": "SELECT identity_key, arxiv_id, doi, title, abstract, abstract_truncated, published, venue FROM papers",
    "paper_sources": "SELECT record_key, position, line, raw_record, record_hash FROM paper_sources",
    "tags": "SELECT p.identity_key, t.name, pt.origin FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id"
    " JOIN papers p ON p.id = pt.paper_id",
    "repos": "SELECT p.identity_key, r.url, pr.origin, pr.link FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id"
    " JOIN papers p ON p.id = pr.paper_id",
    "authors": "SELECT p.identity_key, pa.position, a.name, pa.raw_name FROM paper_authors pa"
    " JOIN authors a ON a.id = pa.author_id JOIN papers p ON p.id = pa.paper_id",
}


def contents(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {name: sorted(conn.execute(sql).fetchall(), key=repr) for name, sql in TABLES.items()}
    finally:
        conn.close()


def test_worker_and_in_process_store_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for label, threshold in (("worker", "0"), ("inline", str(10**12))):
        monkeypatch.setenv(WORKER_MIN_BYTES_ENV, threshold)
        db = tmp_path / f"{label}.db"
        totals, results = run_import(db, [SourceTask.for_path(p) for p in sorted(SEEDS.glob("*.txt"))])
        assert totals.status == "ok", [r.error for r in results]
        assert totals.counts.inserted == 389
    assert contents(tmp_path / "worker.db") == contents(tmp_path / "inline.db")
    assert multiprocessing.active_children() == []


def test_a_parse_error_in_the_worker_names_the_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, "0")
    bad = tmp_path / "bad.txt"
    body = "".join(f"Title {i}\nAbstract number {i}.\n" for i in range(2000))
    bad.write_text(body + "A dangling title\n", encoding="utf-8")
    db = tmp_path / "corpus.db"
    _, [result] = run_import(db, [SourceTask.for_path(bad)])
    assert result.status == "failed"
    assert result.error == f"{bad}:4001: title 'A dangling title' has no abstract line after it"
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0
    assert multiprocessing.active_children() == []


def test_a_record_without_title_is_reported_from_the_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKER_MIN_BYTES_ENV, "0")
    dump = tmp_path / "snap.jsonl"
    dump.write_text(
        '{"id": "2401.00001", "title": "  ", "abstract": "x", "authors_parsed": [], "update_date": "2024-01-01",'
        ' "versions": []}\n'
    )
    _, [result] = run_import(tmp_path / "corpus.db", [SourceTask.for_path(dump)])
    assert result.status == "failed"
    assert (result.error or "").startswith(f"{dump}:1: ") and "title" in (result.error or "")
