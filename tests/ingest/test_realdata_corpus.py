"""Every real third-party dump in ../shared/realdata imported together into one corpus."""

import json
import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import fts
from tests.paths import REALDATA, SEEDS

# Records per file, as ../shared/realdata/SOURCES.md states them (pwc-evaluation: distinct papers).
EXPECTED_RECORDS = {
    "arxiv/atom-au-del_maestro.xml": 10,
    "arxiv/atom-wrapped-q_testing.json": 100,
    "arxiv/kaggle-snapshot-first200.jsonl": 200,
    "arxiv/oai-pmh-cs-page1.xml": 1000,
    "bibtex/iclr-2018.bib": 336,
    "bibtex/jepa.bib": 93,
    "csl_json/csl-26-items.csl.json": 26,
    "csl_json/zotero-bbt-12-ml-items.json": 12,
    "hf_daily_papers/2024-05-27.json": 13,
    "hf_daily_papers/2024-08-02.json": 16,
    "hf_daily_papers/2024-12-11.json": 26,
    "hf_daily_papers/2025-01-10.json": 9,
    "hf_daily_papers/2025-01-21.json": 1,
    "hf_daily_papers/2025-03-17.json": 12,
    "hf_daily_papers/2025-06-25.json": 14,
    "hf_daily_papers/2025-09-30.json": 50,
    "hf_daily_papers/2025-12-11.json": 14,
    "hf_daily_papers/2026-04-10.json": 35,
    "hf_daily_papers/2026-04-16.json": 22,
    "hf_daily_papers/2026-08-21.json": 17,
    "paperswithcode/api-papers-page.json": 50,
    "paperswithcode/evaluation-tables-nlp-progress.json": 322,
    # The open scholarly graphs (issue 11).
    "openalex/snapshot-works-1000.jsonl.gz": 1000,
    "semanticscholar/s2ag-papers-sample.jsonl.gz": 100,
    "semanticscholar/s2ag-abstracts-sample.jsonl.gz": 100,
    "crossref/api-works-cursor-page.json": 2,
    "crossref/public-data-file-abstracts.json.gz": 2,
    "crossref/public-data-file-no-abstracts.json.gz": 2,
    "dblp/dblp-sample-series-cogtech.xml": 1288,
    "dblp/dblp-head-reference-vision.xml": 131,
    "pubmed/efetch-pmid-29768149.xml": 1,
    "pubmed/pubmed-2024-sample.xml.gz": 4,
    "ris/scopus-export.ris": 6,
    "ris/embase-export.ris": 6,
    "ris/pubmed-via-zotero.ris": 6,
}
IDENTIFIERS = ("arxiv_id", "doi", "openalex_id", "s2_corpus_id", "pmid", "pmcid", "dblp_key", "mag_id")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is absent (../shared/realdata is not beside this checkout)")
    path = tmp_path_factory.mktemp("realdata") / "corpus.db"
    files = expand_paths([SEEDS]) + [REALDATA / name for name in EXPECTED_RECORDS]
    files.append(REALDATA / "arxiv" / "atom-wrapped-error-400.json")
    _, results = run_import(path, [SourceTask.for_path(p) for p in files])
    failed = [r for r in results if r.status == "failed"]
    assert [Path(r.locator).name for r in failed] == ["atom-wrapped-error-400.json"]
    return path


def test_every_file_imports_with_the_counts_its_sources_note_implies(corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    counts = {loc: n for loc, n in conn.execute("SELECT locator, record_count FROM sources")}
    for name, expected in EXPECTED_RECORDS.items():
        assert counts[str((REALDATA / name).resolve())] == expected, name
    listed = dict(conn.execute("SELECT s.locator, COUNT(*) FROM paper_sources ps JOIN sources s ON s.id = "
                               "ps.source_id GROUP BY s.locator"))
    assert listed == counts


def test_one_row_per_distinct_work(corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    groups = conn.execute(
        f"""SELECT title_key, json_group_array(json_array({", ".join(IDENTIFIERS)})) FROM papers
           GROUP BY title_key HAVING COUNT(*) > 1"""
    ).fetchall()
    for title_key, ids in groups:
        # Papers sharing a title are kept apart only when their identifiers say they are different works:
        # any two of them disagree on some identifier (S2 abstracts waiting for their paper have no title).
        rows = json.loads(ids)
        for i, first in enumerate(rows):
            for second in rows[i + 1:]:
                differ = any(a and b and a != b for a, b in zip(first, second, strict=True))
                assert differ or not title_key, (title_key, first, second)


def test_a_paper_on_two_hf_days_is_one_paper_with_two_listings(corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    rows = conn.execute(
        """SELECT s.locator FROM papers p JOIN paper_sources ps ON ps.paper_id = p.id
           JOIN sources s ON s.id = ps.source_id WHERE p.arxiv_id = '2604.07429' ORDER BY s.locator"""
    ).fetchall()
    assert [Path(loc).name for (loc,) in rows] == ["2026-04-10.json", "2026-04-16.json"]


def test_zotero_preprint_and_published_versions_are_joined(corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    zotero = str((REALDATA / "csl_json" / "zotero-bbt-12-ml-items.json").resolve())
    per_paper = conn.execute(
        """SELECT ps.paper_id, COUNT(*) FROM paper_sources ps JOIN sources s ON s.id = ps.source_id
           WHERE s.locator = ? GROUP BY ps.paper_id""",
        (zotero,),
    ).fetchall()
    assert sorted(n for _, n in per_paper) == [2] * 6


def test_hf_authors_dates_repos_and_keywords_arrive(corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    assert conn.execute("SELECT COUNT(*) FROM paper_repos WHERE origin = 'hf:githubRepo'").fetchone()[0] > 0
    assert conn.execute("SELECT COUNT(*) FROM paper_authors").fetchone()[0] > 5000
    assert conn.execute("SELECT COUNT(*) FROM papers WHERE published IS NOT NULL").fetchone()[0] > 1500
    fts.integrity_check(conn)


def test_the_graph_identifiers_arrive(corpus: Path) -> None:
    conn = sqlite3.connect(corpus)
    counts = {key: conn.execute(f"SELECT COUNT({key}) FROM papers").fetchone()[0] for key in IDENTIFIERS[2:]}
    assert counts["openalex_id"] == 1000
    assert counts["s2_corpus_id"] == 200  # papers and abstracts samples do not share a corpus id
    assert counts["dblp_key"] >= 1288 + 131 - 10 and counts["pmid"] >= 695
    s2_abstract = conn.execute("SELECT title, abstract FROM papers WHERE s2_corpus_id = '128598635'").fetchone()
    assert s2_abstract[0] == "" and s2_abstract[1].startswith("The Bouguer gravity")
