"""The user's four seeds, imported into a real SQLite file, asserted on whole rows."""

import sqlite3
from pathlib import Path

from corpus_db.ingest.files import expand_paths
from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import fts
from tests.paths import SEEDS


def scalar(conn: sqlite3.Connection, sql: str, *args: object) -> object:
    return conn.execute(sql, args).fetchone()[0]


def test_410_listings_become_389_papers(conn: sqlite3.Connection) -> None:
    assert scalar(conn, "SELECT COUNT(*) FROM papers") == 389
    assert scalar(conn, "SELECT COUNT(*) FROM paper_sources") == 410
    assert scalar(conn, "SELECT COUNT(*) FROM sources") == 4
    assert scalar(conn, "SELECT SUM(record_count) FROM sources") == 410


def test_21_papers_are_listed_by_two_dumps(conn: sqlite3.Connection) -> None:
    cross = conn.execute(
        "SELECT paper_id FROM paper_sources GROUP BY paper_id HAVING COUNT(DISTINCT source_id) = 2"
    ).fetchall()
    assert len(cross) == 21
    assert scalar(conn, "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM paper_sources GROUP BY paper_id)") == 2


def test_a_cross_listed_paper_has_one_row_and_two_sources(conn: sqlite3.Connection) -> None:
    rows = conn.execute(
        """SELECT p.title, p.identity_key, s.locator, s.listing_date, ps.position, ps.line, ps.listed
           FROM papers p JOIN paper_sources ps ON ps.paper_id = p.id JOIN sources s ON s.id = ps.source_id
           WHERE p.title LIKE 'MultiModN%' ORDER BY s.locator"""
    ).fetchall()
    title = "MultiModN- Multimodal, Multi-Task, Interpretable Modular Networks"
    key = "title:multimodn multimodal multi task interpretable modular networks"
    assert [(r[0], r[1], Path(r[2]).name, r[3], r[4], r[5], r[6]) for r in rows] == [
        (title, key, "000_bc4d534a03c887fc.txt", None, 32, 65, 1),
        (title, key, "002_919d2edd4d79882b.txt", "Mar 14", 69, 283, 1),
    ]


def test_raw_records_keep_the_input(conn: sqlite3.Connection) -> None:
    raw = scalar(conn, "SELECT raw_record FROM paper_sources WHERE line = 3")
    assert raw.startswith("Multi-Granularity Language-Guided Training for Multi-Object Tracking\nMost existing")


def test_listing_dates_come_from_the_dumps(conn: sqlite3.Connection) -> None:
    dates = {Path(loc).name[:3]: d for loc, d in conn.execute("SELECT locator, listing_date FROM sources")}
    assert dates == {"000": None, "001": "Jun 6", "002": "Mar 14", "003": "Mar 14"}


def test_long_abstracts_are_kept_whole_and_flagged(conn: sqlite3.Connection) -> None:
    assert scalar(conn, "SELECT COUNT(*) FROM papers WHERE abstract_truncated") == 47
    assert scalar(conn, "SELECT MIN(LENGTH(abstract)) FROM papers WHERE abstract_truncated") >= 1800
    assert scalar(conn, "SELECT MAX(LENGTH(abstract)) FROM papers") == 1919


def test_repo_links_of_every_awkward_shape_are_stored_canonically(conn: sqlite3.Connection) -> None:
    rows = {
        url: (kind, link)
        for url, kind, link in conn.execute(
            "SELECT r.url, r.kind, pr.link FROM repos r JOIN paper_repos pr ON pr.repo_id = r.id"
        )
    }
    expected = {
        "https://github.com/mtu-bench-team/mtu-bench": ("code", "https: //github.com/MTU-Bench-Team/MTU-Bench.git"),
        "https://github.com/damo-nlp-sg/multimodal_textbook": (
            "code", "https://github.com/DAMO-NLP-SG/multimodal_textbook"),
        "https://github.com/amirgholami/zeroq": ("code", "https://github.com/amirgholami/ZeroQ"),
        "https://github.com/jeffwillette/umbc": ("code", "github.com/jeffwillette/umbc"),
        "https://github.com/mindspore-lab/models": (
            "code", "https://github.com/mindspore-lab/models/tree/master/research/huawei-noah/SLAB"),
        "https://github.com/huanglizi/mgll": ("code", "https://github.com/HUANGLIZI/MGLL"),
        "https://huggingface.co/datasets/nvidia/granary": ("dataset", "https://hf.co/datasets/nvidia/Granary"),
        "https://huggingface.co/spaces/opencompass/open_lmm_reasoning_leaderboard": (
            "space", "https://huggingface.co/spaces/opencompass/Open_LMM_Reasoning_Leaderboard"),
        "https://huggingface.co/collections/ibm-granite": (
            "collection", "https://huggingface.co/collections/ibm-granite"),
        "https://multibooth.github.io": ("project", "https://multibooth.github.io/"),
    }
    for url, row in expected.items():
        assert rows[url] == row
    assert scalar(conn, "SELECT COUNT(*) FROM repos") == scalar(conn, "SELECT COUNT(DISTINCT url) FROM repos") == 145


def test_taxonomy_tags_say_where_they_came_from(conn: sqlite3.Connection) -> None:
    moe = conn.execute(
        """SELECT p.title FROM papers p JOIN paper_tags pt ON pt.paper_id = p.id JOIN tags t ON t.id = pt.tag_id
           WHERE t.name = 'mixture-of-experts' AND pt.origin = 'taxonomy'"""
    ).fetchall()
    titles = {t for (t,) in moe}
    assert "MH-MoE:Multi-Head Mixture-of-Experts" in titles
    assert "R2-T2: Re-Routing in Test-Time for Multimodal Mixture-of-Experts" in titles
    assert len(titles) == 31
    assert {o for (o,) in conn.execute("SELECT DISTINCT origin FROM paper_tags")} == {"taxonomy"}


def test_tag_option_tags_everything_a_dump_lists_even_when_unchanged(seeded_db: Path) -> None:
    [path] = SEEDS.glob("002_*.txt")
    _totals, results = run_import(seeded_db, [SourceTask.for_path(path, tags=["march-listing"])])
    assert results[0].status == "unchanged"
    conn = sqlite3.connect(seeded_db)
    assert scalar(
        conn,
        """SELECT COUNT(*) FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id
           WHERE t.name = 'march-listing' AND pt.origin = 'import'""",
    ) == 88


def test_importing_the_same_dumps_again_changes_nothing(seeded_db: Path) -> None:
    conn = sqlite3.connect(seeded_db)
    before = conn.execute("SELECT * FROM papers ORDER BY id").fetchall()
    totals, results = run_import(seeded_db, [SourceTask.for_path(p) for p in expand_paths([SEEDS])])
    assert [r.status for r in results] == ["unchanged"] * 4
    assert (totals.counts.inserted, totals.counts.merged, totals.counts.updated) == (0, 0, 0)
    assert totals.counts.unchanged == 410
    assert conn.execute("SELECT * FROM papers ORDER BY id").fetchall() == before


def test_forced_reimport_keeps_rows_and_the_fts_index_consistent(seeded_db: Path) -> None:
    conn = sqlite3.connect(seeded_db)
    before = conn.execute("SELECT * FROM papers ORDER BY id").fetchall()
    match = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'mixture experts' ORDER BY rank"
    hits_before = conn.execute(match).fetchall()
    totals, _ = run_import(seeded_db, [SourceTask.for_path(p) for p in expand_paths([SEEDS])], force=True)
    assert totals.counts.unchanged == 410 and totals.counts.inserted == 0
    assert conn.execute("SELECT * FROM papers ORDER BY id").fetchall() == before
    fts.integrity_check(conn)
    assert conn.execute(match).fetchall() == hits_before
    assert scalar(conn, "SELECT COUNT(*) FROM papers_fts_docsize") == 389


def test_every_import_is_recorded_as_a_run(seeded_db: Path) -> None:
    conn = sqlite3.connect(seeded_db)
    row = conn.execute(
        "SELECT status, sources_total, inserted, merged, updated, unchanged, rejected, finished_at FROM import_runs"
    ).fetchone()
    assert row[:7] == ("ok", 4, 389, 21, 0, 0, 0)
    assert row[7] is not None
