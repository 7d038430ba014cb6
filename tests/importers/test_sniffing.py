"""Each sniffer accepts its own formats' real files and no other file in ../shared/realdata or the seeds."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from corpus_db.importers import FORMATS, detect_format
from tests.importers.test_hf_daily import COUNTS as HF_COUNTS
from tests.paths import REALDATA, SEEDS

HEAD = 64 * 1024
MINE = ("hf-daily", "pwc", "pwc-links", "pwc-evaluation", "csl-json")
FIXTURES = Path(__file__).parent / "fixtures"

# The format each file is in, for the formats these sniffers own; every other file must be rejected by all.
OWN = {
    **{f"hf_daily_papers/{day}.json": "hf-daily" for day in HF_COUNTS},
    "paperswithcode/api-papers-page.json": "pwc",
    "paperswithcode/evaluation-tables-nlp-progress.json": "pwc-evaluation",
    "csl_json/csl-26-items.csl.json": "csl-json",
    "csl_json/zotero-bbt-12-ml-items.json": "csl-json",
}
FIXTURE_FORMATS = {
    "pwc-papers-with-abstracts.json": "pwc",
    "pwc-links-between-papers-and-code.json": "pwc-links",
    "pwc-evaluation-tables.json": "pwc-evaluation",
}


def sample_files() -> list[tuple[Path, str | None]]:
    realdata = sorted(p for p in REALDATA.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    seeds = sorted(SEEDS.glob("*.txt"))
    fixtures = [(FIXTURES / name, fmt) for name, fmt in FIXTURE_FORMATS.items()]
    return [(p, OWN.get(p.relative_to(REALDATA).as_posix())) for p in realdata] + [(p, None) for p in seeds] + fixtures


def sniffed_by(path: Path) -> list[str]:
    head = path.read_bytes()[:HEAD]
    return [name for name in MINE if FORMATS[name].sniff(head, str(path))]


@pytest.mark.realdata
def test_realdata_is_there() -> None:
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is absent")
    present = {p.relative_to(REALDATA).as_posix() for p in REALDATA.rglob("*") if p.is_file()}
    assert set(OWN) <= present
    assert any(p.parts[0] in ("arxiv", "bibtex") for p in map(Path, present))  # other formats to reject


@pytest.mark.parametrize(("path", "expected"), sample_files(), ids=lambda value: getattr(value, "name", value))
def test_sniffers(path: Path, expected: str | None) -> None:
    assert sniffed_by(path) == ([expected] if expected else [])
    if expected:
        assert detect_format(path.read_bytes()[:HEAD], str(path)).name == expected


def test_seeds_exist() -> None:
    assert list(SEEDS.glob("*.txt")), f"no seeds in {SEEDS}"


def test_sniffing_a_gunzipped_head() -> None:
    # The caller gunzips before sniffing; the head of a large dump is cut mid-record.
    data = gzip.decompress(gzip.compress((FIXTURES / "pwc-links-between-papers-and-code.json").read_bytes()))
    assert sniffed_by_bytes(data[:700]) == ["pwc-links"]


def sniffed_by_bytes(head: bytes) -> list[str]:
    return [name for name in MINE if FORMATS[name].sniff(head, "dump.json")]


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"[]",
        b'{"url": "x", "status_code": 400, "body": "<feed>"}',
        b'{"id":"0704.0001","submitter":"A","title":"T","doi":null}\n',
        b"@article{key, title={T}}",
        b'[{"title": "T", "authors": [{"type": "user"}]}]',
    ],
)
def test_rejects_other_heads(head: bytes) -> None:
    assert sniffed_by_bytes(head) == []
