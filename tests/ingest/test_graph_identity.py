"""One paper per work across the open scholarly graphs: the same work as OpenAlex, Semantic Scholar,
Crossref, arXiv and BibTeX is one paper with five listings and every identifier; a title match never joins
papers whose identifiers disagree; an S2 abstract and its paper join on corpus id in either order."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import

GRAPH = Path(__file__).parent / "fixtures" / "cross_format" / "graph"
FILES = {
    "openalex-work.json": "openalex", "s2-paper.json": "semanticscholar", "crossref-work.json": "crossref",
    "arxiv-snapshot.jsonl": "arxiv-jsonl", "library.bib": "bibtex",
}
IDENTIFIERS = "arxiv_id, doi, openalex_id, s2_corpus_id, mag_id, dblp_key, pmid, pmcid"


@pytest.mark.parametrize("order", [list(FILES), list(reversed(FILES))], ids=["graphs-first", "arxiv-bibtex-first"])
def test_one_work_in_five_formats_is_one_paper_with_every_identifier(db_path: Path, order: list[str]) -> None:
    _, results = run_import(db_path, [SourceTask.for_path(GRAPH / name) for name in order])
    expected = [(FILES[name], "imported") for name in order]
    assert [(r.format, r.status) for r in results] == expected, [r.error for r in results]
    conn = sqlite3.connect(db_path)
    [paper] = conn.execute(f"SELECT id, title, {IDENTIFIERS} FROM papers").fetchall()
    assert paper[1:] == (
        "Deep Residual Learning for Image Recognition", "1512.03385", "10.1109/cvpr.2016.90", "W2194775991",
        "206594692", "2194775991", "conf/cvpr/HeZRS16", None, None,
    )
    formats = sorted(f for (f,) in conn.execute(
        "SELECT s.format FROM paper_sources ps JOIN sources s ON s.id = ps.source_id WHERE ps.paper_id = ?", (paper[0],)
    ))
    assert formats == sorted(FILES.values())


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def test_a_title_match_never_joins_papers_whose_graph_ids_disagree(db_path: Path, tmp_path: Path) -> None:
    works = [{"id": f"https://openalex.org/W{n}", "title": "Introduction", "ids": {"pmid": str(n)}} for n in (1, 2)]
    run_import(db_path, [SourceTask.for_path(_write(tmp_path / "works.jsonl", works))])
    dblp = tmp_path / "dblp.xml"
    dblp.write_text('<dblp><book key="books/x/A"><title>Introduction.</title><year>2000</year></book>'
                    '<book key="books/x/B"><title>Introduction.</title><year>2001</year></book></dblp>')
    run_import(db_path, [SourceTask.for_path(dblp)])
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT identity_key, openalex_id, pmid, dblp_key FROM papers ORDER BY id").fetchall()
    # The two OpenAlex works differ (their PMIDs do); each dblp book joins by title the first paper whose
    # identifiers do not contradict its own: the second book cannot join W1, which holds the first book's key.
    assert rows[:2] == [("openalex:W1", "W1", "1", "books/x/A"), ("openalex:W2", "W2", "2", "books/x/B")]
    assert len(rows) == 2


@pytest.mark.parametrize("abstracts_first", [True, False])
def test_s2_abstract_and_paper_join_on_corpus_id_in_either_order(
    db_path: Path, tmp_path: Path, abstracts_first: bool
) -> None:
    paper = _write(tmp_path / "papers.jsonl", [{"corpusid": 42, "externalids": {"CorpusId": "42", "DOI": None},
                                                "title": "A Paper", "authors": [{"name": "A. Author"}], "year": 2020}])
    abstract = _write(tmp_path / "abstracts.jsonl", [{"corpusid": 42, "openaccessinfo": {"externalids": {}},
                                                      "abstract": "What the paper says."}])
    order = [abstract, paper] if abstracts_first else [paper, abstract]
    _, results = run_import(db_path, [SourceTask.for_path(p) for p in order])
    assert [r.status for r in results] == ["imported", "imported"], [r.error for r in results]
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT title, title_key, abstract, s2_corpus_id, identity_key FROM papers").fetchall()
    assert rows == [("A Paper", "a paper", "What the paper says.", "42", "s2:42")]
    assert conn.execute("SELECT COUNT(*) FROM paper_sources").fetchone() == (2,)
    hits = conn.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'paper says'").fetchall()
    assert len(hits) == 1


def test_a_later_snapshot_partition_updates_the_works_it_repeats(db_path: Path, tmp_path: Path) -> None:
    # One sync source: the snapshot folder, whose partitions are read oldest first.
    from corpus_db.sync.config import parse_sources
    from corpus_db.sync.rounds import plan_sources

    old = tmp_path / "snapshot" / "works" / "updated_date=2024-01-01"
    new = tmp_path / "snapshot" / "works" / "updated_date=2024-02-01"
    old.mkdir(parents=True)
    new.mkdir(parents=True)
    work = {"id": "https://openalex.org/W5", "title": "Old title", "publication_date": "2020-01-01",
            "abstract_inverted_index": {"first": [0]}}
    _write(old / "part_000", [work, {"id": "https://openalex.org/W6", "title": "Untouched"}])
    _write(new / "part_000", [{**work, "title": "New title", "abstract_inverted_index": {"second": [0]}}])
    [entry] = parse_sources("sources:\n  - name: openalex\n    path: snapshot\n", "s.yml", tmp_path)
    assert entry.local_paths() == [old / "part_000", new / "part_000"]
    tasks = list(plan_sources([entry], db_path, tmp_path, None))  # type: ignore[arg-type]
    _, results = run_import(db_path, tasks)
    assert [r.status for r in results] == ["imported", "imported"], [r.error for r in results]
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT openalex_id, title, abstract FROM papers ORDER BY openalex_id").fetchall() == [
        ("W5", "New title", "second"), ("W6", "Untouched", None)
    ]


def test_dblp_preprint_and_published_records_are_one_paper(db_path: Path, tmp_path: Path) -> None:
    from tests.importers.test_dblp import DOC

    dblp = tmp_path / "dblp.xml"
    dblp.write_bytes(DOC)
    _, results = run_import(db_path, [SourceTask.for_path(dblp), SourceTask.for_path(GRAPH / "arxiv-snapshot.jsonl")])
    assert [r.status for r in results] == ["imported", "imported"], [r.error for r in results]
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT arxiv_id, doi, dblp_key FROM papers WHERE title LIKE 'Deep Residual%'").fetchall()
    assert rows == [("1512.03385", "10.1109/cvpr.2016.90", "conf/cvpr/HeZRS16")]


def test_openalex_merged_ids_are_honoured(db_path: Path, tmp_path: Path) -> None:
    old = _write(tmp_path / "old.jsonl", [{"id": "https://openalex.org/W1", "title": "A merged work"}])
    merged = tmp_path / "2024-01-15.csv"
    merged.write_text("merge_date,id,merge_into_id\n2024-01-15,W1,W2\n")
    new = _write(tmp_path / "new.jsonl", [{"id": "https://openalex.org/W2", "title": "A merged work, retitled"}])
    again = _write(tmp_path / "again.jsonl", [{"id": "https://openalex.org/W1", "title": "A merged work"}])
    _, results = run_import(db_path, [SourceTask.for_path(p) for p in (old, merged, new, again)])
    assert [(r.format, r.status) for r in results] == [
        ("openalex", "imported"), ("openalex-merged", "imported"), ("openalex", "imported"), ("openalex", "imported"),
    ], [r.error for r in results]
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT openalex_id, identity_key FROM papers").fetchall() == [("W2", "openalex:W2")]
    assert conn.execute("SELECT COUNT(*) FROM paper_sources").fetchone() == (3,)
    assert conn.execute("SELECT scheme, old_id, new_id FROM merged_ids").fetchall() == [("openalex_id", "W1", "W2")]
