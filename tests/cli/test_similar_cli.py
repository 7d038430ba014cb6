"""`corpus-db similar`, `recommend` and `embed` as a user runs them, and what they say without the extra."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.similar_support import blocked_env, cli, kaggle_records, requires_extra, write_jsonl


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 200 real Kaggle arXiv records, imported with a tag on the first 30, then embedded."""
    folder = tmp_path_factory.mktemp("similar-cli")
    records = kaggle_records()
    db = folder / "corpus.db"
    first = write_jsonl(folder / "liked.jsonl", records[:30])
    rest = write_jsonl(folder / "rest.jsonl", records[30:])
    assert run("import", str(db), str(first), "--tag", "liked").returncode == 0
    assert run("import", str(db), str(rest)).returncode == 0
    return db


@requires_extra
def test_embed_then_similar_by_arxiv_id_doi_and_id(embedded: Path) -> None:
    done = run("embed", str(embedded))
    assert done.returncode == 0, done.stderr
    assert "200 papers embedded, 0 unchanged; 200 vectors in 1 cell." in done.stdout
    # Nothing changed since: nothing is embedded again (papers written in the second the last pass began
    # are checked again by their text hash, and found unchanged).
    assert run("embed", str(embedded)).stdout.startswith("0 papers embedded, ")
    by_arxiv = run("similar", str(embedded), "arXiv:0704.0001v2", "--json")
    assert by_arxiv.returncode == 0, by_arxiv.stderr
    hits = json.loads(by_arxiv.stdout)
    assert len(hits) == 20
    assert set(hits[0]) == {"id", "score", "title", "arxiv_id", "doi", "year"}
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert "0704.0001" not in {h["arxiv_id"] for h in hits}
    by_doi = run("similar", str(embedded), "https://doi.org/10.1103/PhysRevD.76.013009", "--json")
    assert json.loads(by_doi.stdout) == hits
    text = run("similar", str(embedded), "0704.0001", "-n", "3")
    assert text.stdout.count("\n") == 3 and text.stdout.startswith(" 1. 0.")


@requires_extra
def test_recommend_for_a_tag_leaves_out_its_papers(embedded: Path) -> None:
    run("embed", str(embedded))
    liked = {r["id"] for r in kaggle_records()[:30]}
    out = run("recommend", str(embedded), "--tag", "liked", "--json")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert len(hits) == 20 and not liked & {h["arxiv_id"] for h in hits}
    missing = run("recommend", str(embedded), "--tag", "no-such-tag")
    assert missing.returncode == 1 and "no tag named 'no-such-tag'" in missing.stderr


@requires_extra
def test_unknown_paper_and_database_without_vectors_are_clear_errors(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    assert run("import", str(db), str(write_jsonl(tmp_path / "a.jsonl", kaggle_records()[:5]))).returncode == 0
    unknown = run("similar", str(db), "2999.99999")
    assert unknown.returncode == 1 and "no paper with id, arXiv id or DOI '2999.99999'" in unknown.stderr
    first = run("similar", str(db), "0704.0001")
    assert first.returncode == 1 and "run `corpus-db embed" in first.stderr
    assert "Traceback" not in unknown.stderr + first.stderr


def test_without_the_extra_the_commands_say_how_to_install_it(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    env = blocked_env(tmp_path)
    assert run("import", str(db), str(write_jsonl(tmp_path / "a.jsonl", kaggle_records()[:5])), env=env).returncode == 0
    for args in (("similar", str(db), "0704.0001"), ("recommend", str(db), "--tag", "x"), ("embed", str(db))):
        out = run(*args, env=env)
        assert out.returncode == 0, out.stderr
        assert "pip install 'corpus-db[similar]'" in out.stderr
        assert "Traceback" not in out.stderr
