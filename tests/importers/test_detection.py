"""Detection decides from the structure of a dump's first record, however long, and never takes one
format for another: every real sample is detected as its own format and refused by every other sniffer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_db.importers import FORMATS, detect_format
from corpus_db.ingest.files import read_head
from tests.paths import REALDATA

FIXTURES = Path(__file__).parent / "fixtures"
GRAPH = Path(__file__).parent.parent / "ingest" / "fixtures" / "cross_format" / "graph"
BY_FOLDER = {
    "bibtex": "bibtex", "crossref": "crossref", "csl_json": "csl-json", "dblp": "dblp",
    "hf_daily_papers": "hf-daily", "openalex": "openalex", "pubmed": "pubmed", "ris": "ris",
    "semanticscholar": "semanticscholar",
}
BY_NAME = {
    "atom-au-del_maestro.xml": "arxiv-atom", "atom-wrapped-error-400.json": "arxiv-atom-json",
    "atom-wrapped-q_testing.json": "arxiv-atom-json", "kaggle-snapshot-first200.jsonl": "arxiv-jsonl",
    "oai-pmh-cs-page1.xml": "arxiv-oai", "api-papers-page.json": "pwc",
    "evaluation-tables-nlp-progress.json": "pwc-evaluation",
}
NOT_DUMPS = {"SOURCES.md", "dblp.dtd"}


def samples() -> list[tuple[Path, str]]:
    if not REALDATA.is_dir():
        return []
    files = sorted(p for p in REALDATA.rglob("*") if p.is_file() and p.name not in NOT_DUMPS)
    found = [(p, BY_NAME.get(p.name) or BY_FOLDER[p.relative_to(REALDATA).parts[0]]) for p in files]
    fixtures = [(FIXTURES / "openalex-api-page.json", "openalex"), (FIXTURES / "s2-api-page.json", "semanticscholar"),
                (GRAPH / "openalex-work.json", "openalex"), (GRAPH / "s2-paper.json", "semanticscholar"),
                (GRAPH / "crossref-work.json", "crossref"),
                (FIXTURES / "openalex-merged-ids.csv.gz", "openalex-merged")]
    return found + fixtures


@pytest.mark.realdata
@pytest.mark.parametrize(("path", "expected"), samples(), ids=lambda v: getattr(v, "name", v))
def test_each_sample_is_its_own_format_and_no_other(path: Path, expected: str) -> None:
    head = read_head(path)
    accepted = [name for name, importer in FORMATS.items() if name != "listing" and importer.sniff(head, str(path))]
    assert accepted == [expected]
    assert detect_format(head, str(path)).name == expected


def _hf_entry(authors: int) -> dict[str, object]:
    people = [{"_id": f"{n:024x}", "name": f"Author Number {n}", "hidden": False} for n in range(authors)]
    return {"paper": {"id": "2501.00001", "authors": people, "publishedAt": "2025-01-02T00:00:00.000Z",
                      "title": "A paper with a very long author list", "summary": "text", "upvotes": 3,
                      "discussionId": "x"},
            "publishedAt": "2025-01-02T00:00:00.000Z", "title": "A paper with a very long author list",
            "numComments": 1}


def test_a_first_record_longer_than_any_fixed_window_is_still_recognised(tmp_path: Path) -> None:
    # Hundreds of authors push every HF-specific key past the first 64 KB (real daily files did this).
    path = tmp_path / "2025-01-02.json"
    path.write_text(json.dumps([_hf_entry(3000), _hf_entry(1)]))
    head = read_head(path)
    assert json.dumps(_hf_entry(3000)).encode()[:100] in head and len(head) > 200_000
    assert detect_format(head, str(path)).name == "hf-daily"


def test_a_current_openalex_api_page_is_not_csl_json(tmp_path: Path) -> None:
    # `type: article` and `authorships[].author` made the old text sniffer call it CSL-JSON.
    head = read_head(FIXTURES / "openalex-api-page.json")
    assert not FORMATS["csl-json"].sniff(head, "page.json")
    assert detect_format(head, "page.json").name == "openalex"


def test_the_registry_names_each_importer_by_its_own_name_in_sniffing_order() -> None:
    from corpus_db.importers import FORMAT_NAMES, importer_named

    assert list(FORMATS) == list(FORMAT_NAMES) and FORMAT_NAMES[-1] == "listing"
    assert all(importer_named(name) is FORMATS[name] and FORMATS[name].name == name for name in FORMAT_NAMES)
    with pytest.raises(KeyError):
        importer_named("no-such-format")


def test_a_worker_preparing_one_format_imports_no_other_format_module() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from corpus_db.ingest import worker\n"
        "from corpus_db.importers import importer_named\n"
        "importer_named('arxiv-jsonl')\n"
        "print(sorted(m for m in sys.modules if m.startswith('corpus_db.importers.')))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "corpus_db.importers.arxiv_jsonl" in loaded
    others = ("bibtex", "crossref", "dblp", "pubmed", "ris")
    assert not any(f"corpus_db.importers.{other}'" in loaded for other in others), loaded
