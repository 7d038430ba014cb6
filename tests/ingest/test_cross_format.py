"""One paper per work: the same paper from a listing page, HF daily papers JSON, the arXiv snapshot,
a CSL library and a BibTeX library (preprint by eprint, published version by DOI only) is one row."""

import sqlite3
from pathlib import Path

from corpus_db.ingest.run import SourceTask, run_import
from tests.paths import SEEDS

FIXTURES = Path(__file__).parent / "fixtures" / "cross_format"
ARXIV_ID = "2402.07871"


def test_the_same_work_in_five_formats_is_one_paper(seeded_db: Path) -> None:
    files = ["2024-02-13.hf.json", "arxiv-snapshot.jsonl", "library.csl.json", "library.bib"]
    totals, results = run_import(seeded_db, [SourceTask.for_path(FIXTURES / f) for f in files])
    assert [(r.format, r.status) for r in results] == [
        ("hf-daily", "imported"), ("arxiv-jsonl", "imported"), ("csl-json", "imported"), ("bibtex", "imported")
    ], [r.error for r in results]
    assert totals.counts.inserted == 0  # every record found the paper the seeds listed
    conn = sqlite3.connect(seeded_db)
    assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 389
    paper = conn.execute(
        "SELECT id, identity_key, arxiv_id, doi, title, published, venue FROM papers WHERE arxiv_id = ?", (ARXIV_ID,)
    ).fetchone()
    pid = paper[0]
    assert paper[1:] == (
        f"arxiv:{ARXIV_ID}", ARXIV_ID, "10.5555/example.moe.2024", "Scaling Laws for Fine-Grained Mixture of Experts",
        "2024-02-12", "Proceedings of a Machine Learning Venue",
    )
    formats = [f for (f,) in conn.execute(
        """SELECT s.format FROM paper_sources ps JOIN sources s ON s.id = ps.source_id
           WHERE ps.paper_id = ? ORDER BY ps.id""", (pid,)
    )]
    assert formats == ["listing", "hf-daily", "arxiv-jsonl", "csl-json", "bibtex", "bibtex"]
    [seed] = SEEDS.glob("000_*.txt")
    assert conn.execute(
        "SELECT ps.line FROM paper_sources ps JOIN sources s ON s.id = ps.source_id"
        " WHERE s.locator = ? AND paper_id = ?",
        (str(seed.resolve()), pid),
    ).fetchone() == (19,)
    byline = conn.execute(
        """SELECT a.name, pa.raw_name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
           WHERE pa.paper_id = ? ORDER BY pa.position""", (pid,)
    ).fetchall()
    assert byline == [
        ("Jakub Krajewski", "Jakub Krajewski"), ("Jan Ludziejewski", "Jan Ludziejewski"),
        ("Kamil Adamczewski", "Kamil Adamczewski"),
    ]
    tags = {(t, o) for t, o in conn.execute(
        "SELECT t.name, pt.origin FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.paper_id = ?", (pid,)
    )}
    assert {("cs.LG", "source"), ("granularity", "source"), ("mixture-of-experts", "taxonomy")} <= tags
    repos = conn.execute(
        "SELECT r.url, pr.origin FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id WHERE pr.paper_id = ?", (pid,)
    ).fetchall()
    assert repos == [("https://github.com/llm-random/llm-random", "hf:githubRepo")]


def test_arxiv_first_then_listing_still_joins(db_path: Path) -> None:
    [seed] = SEEDS.glob("000_*.txt")
    run_import(db_path, [SourceTask.for_path(FIXTURES / "arxiv-snapshot.jsonl")])
    totals, _ = run_import(db_path, [SourceTask.for_path(seed)])
    assert (totals.counts.inserted, totals.counts.merged) == (118, 1)
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM paper_sources WHERE paper_id = 1").fetchone()[0] == 2


def test_gzipped_dumps_are_read_transparently(db_path: Path, tmp_path: Path) -> None:
    import gzip

    [seed] = SEEDS.glob("001_*.txt")
    packed = tmp_path / "listing.txt.gz"
    packed.write_bytes(gzip.compress(seed.read_bytes()))
    renamed = tmp_path / "snapshot.data"  # gzip is recognised by its bytes, not its name
    renamed.write_bytes(gzip.compress((FIXTURES / "arxiv-snapshot.jsonl").read_bytes()))
    _, results = run_import(db_path, [SourceTask.for_path(packed), SourceTask.for_path(renamed)])
    assert [(r.format, r.status, r.counts.records) for r in results] == [
        ("listing", "imported", 102), ("arxiv-jsonl", "imported", 1)
    ]
