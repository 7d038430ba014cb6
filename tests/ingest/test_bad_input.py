"""Bad input: a clear error naming the file and the line or entry; nothing of that source is written;
what the database held before is intact; the rest of the batch goes on."""

import sqlite3
from pathlib import Path

import pytest

from corpus_db.ingest.run import SourceTask, run_import
from corpus_db.store import fts
from tests.paths import REALDATA, SEEDS

CHROME = "Get trending papers in your email inbox!\n"  # what makes text a listing page
CROSS = Path(__file__).parent / "fixtures" / "cross_format"


def snapshot(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    tables = ["papers", "sources", "paper_sources", "paper_tags", "paper_repos", "paper_authors"]
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    finally:
        conn.close()


def truncated(source: Path, target: Path, fraction: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


BAD_FILES = {
    "listing-dangling-title": (lambda d: _write(d / "listing.txt", f"{CHROME}Title\nAbstract.\nDangling title\n"),
                               r"listing.txt:4: title 'Dangling title' has no abstract"),
    "listing-bad-utf8": (lambda d: _write_bytes(d / "bad.txt", b"Get trending papers\nTitle\n\xff\xfeabs\n"),
                         r"bad.txt:3: not UTF-8"),
    "hf-truncated": (lambda d: truncated(CROSS / "2024-02-13.hf.json", d / "2024-02-13.json"), r"2024-02-13.json"),
    # One record without a title is a reject (tests/hostile); a source of nothing but rejects fails whole.
    "jsonl-every-title-missing": (
        lambda d: _write(d / "snap.jsonl", (CROSS / "arxiv-snapshot.jsonl").read_text().replace(
            '"title": "Scaling Laws for Fine-Grained Mixture of Experts", ', '') * 12),
        r"snap.jsonl: 12 of 12 records rejected.*line 1: .*title"),
    "bibtex-truncated": (lambda d: truncated(CROSS / "library.bib", d / "library.bib", 0.8), r"library.bib:\d+: "),
    "oai-truncated": (lambda d: truncated(_real("arxiv/oai-pmh-cs-page1.xml"), d / "oai.xml", 0.3), r"oai.xml:\d+: "),
    "pwc-truncated": (lambda d: truncated(_real("paperswithcode/api-papers-page.json"), d / "pwc.json"), r"pwc.json"),
    "hf-latin1": (
        lambda d: _write_bytes(d / "hf.json", (CROSS / "2024-02-13.hf.json").read_text().replace(
            "Scaling Laws for Fine-Grained Mixture of Experts", "Sc\u00e4ling").encode("latin-1")),
        r"hf.json.*UTF-8"),
    "csl-truncated": (lambda d: truncated(CROSS / "library.csl.json", d / "lib.csl.json"), r"lib.csl.json"),
}


def _real(relative: str) -> Path:
    path = REALDATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/realdata is not beside this checkout)")
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_dump_is_rejected_whole_and_the_batch_goes_on(case: str, seeded_db: Path, tmp_path: Path) -> None:
    make, message = BAD_FILES[case]
    bad = make(tmp_path)
    good = _write(tmp_path / "good.txt", f"{CHROME}A Paper Nobody Listed Before\nIts abstract, short and complete.\n")
    before = snapshot(seeded_db)
    totals, results = run_import(seeded_db, [SourceTask.for_path(bad), SourceTask.for_path(good)])
    assert [r.status for r in results] == ["failed", "imported"]
    assert results[0].error is not None
    assert str(bad) in results[0].error
    assert __import__("re").search(message, results[0].error), results[0].error
    assert totals.counts.rejected >= 1
    conn = sqlite3.connect(seeded_db)
    assert conn.execute("SELECT COUNT(*) FROM sources WHERE locator = ?", (str(bad),)).fetchone()[0] == 0
    after = snapshot(seeded_db)
    # Everything that was there is still there, unchanged; only the good file's rows were added.
    for table, rows in before.items():
        assert set(rows) <= set(after[table]), table
    assert len(after["papers"]) == len(before["papers"]) + 1
    run = conn.execute("SELECT status, sources_failed, message FROM import_runs ORDER BY id DESC").fetchone()
    assert run[0] == "partial" and run[1] == 1 and str(bad) in run[2]
    fts.integrity_check(conn)


def test_real_error_feed_is_an_error_not_a_paper(db_path: Path) -> None:
    feed = REALDATA / "arxiv" / "atom-wrapped-error-400.json"
    if not feed.exists():
        pytest.skip(f"{feed} is absent (../shared/realdata is not beside this checkout)")
    _totals, [result] = run_import(db_path, [SourceTask.for_path(feed)])
    assert result.status == "failed" and "400" in (result.error or "")
    assert sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0


def test_a_missing_file_is_reported_and_the_rest_imports(db_path: Path, tmp_path: Path) -> None:
    [seed] = SEEDS.glob("000_*.txt")
    totals, results = run_import(db_path, [SourceTask.for_path(tmp_path / "nope.txt"), SourceTask.for_path(seed)])
    assert [r.status for r in results] == ["failed", "imported"]
    assert "nope.txt: no such file" in (results[0].error or "")
    assert totals.status == "partial"
