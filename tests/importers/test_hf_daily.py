"""Hugging Face daily-papers responses in every schema era."""

from __future__ import annotations

import json

import pytest

from corpus_db.importers import hf_daily
from corpus_db.importers.hf_daily import IMPORTER
from corpus_db.model import RepoLink
from tests.importers.support import (
    CountingStream,
    insert_bad_byte,
    json_array_chunks,
    only_reject,
    parse_bytes,
    parse_until_error,
    records_and_rejects,
)
from tests.paths import realdata

COUNTS = {
    "2024-05-27": 13,
    "2024-08-02": 16,
    "2024-12-11": 26,
    "2025-01-10": 9,
    "2025-01-21": 1,
    "2025-03-17": 12,
    "2025-06-25": 14,
    "2025-09-30": 50,
    "2025-12-11": 14,
    "2026-04-10": 35,
    "2026-04-16": 22,
    "2026-08-21": 17,
}


def load(day: str) -> list:
    path = realdata(f"hf_daily_papers/{day}.json")
    with path.open("rb") as fh:
        return list(hf_daily.parse(fh, str(path)))


@pytest.mark.realdata
@pytest.mark.parametrize(("day", "count"), COUNTS.items())
def test_every_era_parses_with_its_count(day: str, count: int) -> None:
    records = load(day)
    assert len(records) == count
    assert [r.position for r in records] == list(range(1, count + 1))
    assert all(r.arxiv_id and r.title and r.abstract and r.authors for r in records)
    assert {r.listed_on for r in records} == {day}
    assert all("\n" not in r.title and "  " not in r.title for r in records)


@pytest.mark.realdata
def test_first_record_of_the_earliest_schema() -> None:
    first = load("2024-05-27")[0]
    assert first.arxiv_id == "2405.15738"
    assert first.title == "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models"
    assert first.authors[0] == "Chunjiang Ge"
    assert first.published == "2024-05-24"
    assert first.extra == {"upvotes": 32, "numComments": 3}
    assert json.loads(first.raw)["paper"]["id"] == "2405.15738"


@pytest.mark.realdata
def test_wrapped_title_is_unwrapped() -> None:
    # Both the paper title and (in this era) the entry title keep arXiv's "\n  " wrapping.
    first = load("2025-03-17")[0]
    assert first.title == (
        "PLADIS: Pushing the Limits of Attention in Diffusion Models at Inference Time by Leveraging Sparsity"
    )
    assert "Inference\n  Time" in json.loads(first.raw)["paper"]["title"]


@pytest.mark.realdata
def test_python_repr_era_is_read_with_literal_eval() -> None:
    records = load("2024-12-11")
    assert records[0].arxiv_id == "2412.07730"
    assert records[0].raw.startswith("{'paper': {'id': '2412.07730'")  # the source string itself
    assert records[0].authors[:3] == ("Zongyu Lin", "Wei Liu", "Chen Chen")


@pytest.mark.realdata
def test_envelope_date_is_the_listing_date() -> None:
    records = load("2025-01-10")
    # Some entries' own timestamps fall on the 9th (UTC); the page they were listed on is the 10th.
    assert {r.listed_on for r in records} == {"2025-01-10"}
    assert records[0].title == "The GAN is dead; long live the GAN! A Modern GAN Baseline"


@pytest.mark.realdata
def test_hidden_authors_are_included() -> None:
    path = realdata("hf_daily_papers/2025-09-30.json")
    entries = json.loads(path.read_bytes())
    hidden = [
        (entry["paper"]["id"], author["name"])
        for entry in entries
        for author in entry["paper"]["authors"]
        if author.get("hidden")
    ]
    assert hidden, "the file has a hidden author"
    by_id = {r.arxiv_id: r for r in load("2025-09-30")}
    for paper_id, name in hidden:
        entry = next(e for e in entries if e["paper"]["id"] == paper_id)
        assert by_id[paper_id].authors == tuple(a["name"] for a in entry["paper"]["authors"])
        assert name in by_id[paper_id].authors


@pytest.mark.realdata
def test_github_repo_project_page_keywords_and_stars() -> None:
    record = load("2025-06-25")[0]
    assert record.repos == (
        RepoLink("https://github.com/anima-x/anima-x", "hf:githubRepo"),
        RepoLink("https://anima-x.github.io/", "hf:projectPage"),
    )
    assert record.tags[0] == "feed-forward 3D animation framework"
    assert record.extra["githubStars"] == 20
    assert record.extra["upvotes"] == 21


@pytest.mark.realdata
def test_project_page_url_is_trimmed() -> None:
    urls = [repo.url for r in load("2025-03-17") for repo in r.repos]
    assert "https://sites.google.com/view/adc-robot" in urls


@pytest.mark.realdata
def test_same_paper_listed_on_two_days() -> None:
    first = {r.arxiv_id: r for r in load("2026-04-10")}["2604.07429"]
    second = {r.arxiv_id: r for r in load("2026-04-16")}["2604.07429"]
    assert (first.listed_on, second.listed_on) == ("2026-04-10", "2026-04-16")
    assert first.title == second.title
    assert first.published == second.published == "2026-04-08"


def entry(paper_id: str, title: str | None = "A Title") -> dict:
    paper: dict = {"id": paper_id, "authors": [{"name": "A. Author", "hidden": True}], "summary": "Text."}
    if title is not None:
        paper["title"] = title
    return {"paper": paper, "publishedAt": "2024-01-02T03:04:05.000Z", **({"title": title} if title else {})}


def test_listing_date_falls_back_to_the_file_name_then_the_entry() -> None:
    data = json.dumps([entry("2401.00001")]).encode()
    assert parse_bytes(IMPORTER, data, "dumps/2024-01-03.json")[0].listed_on == "2024-01-03"
    assert parse_bytes(IMPORTER, data, "-")[0].listed_on == "2024-01-02"


def test_envelope_of_objects() -> None:
    data = json.dumps({"status": "success", "date": "2024-01-05", "count": 1, "data": [entry("2401.00001")]})
    [record] = parse_bytes(IMPORTER, data.encode(), "-")
    assert (record.arxiv_id, record.listed_on, record.authors) == ("2401.00001", "2024-01-05", ("A. Author",))


@pytest.mark.realdata
def test_truncated_file_names_the_entry_it_broke_in() -> None:
    path = realdata("hf_daily_papers/2025-09-30.json")
    data = path.read_bytes()
    records, error = parse_until_error(IMPORTER, data[: len(data) // 2], str(path))
    assert 10 < len(records) < 50
    assert error.entry == len(records) + 1
    assert str(error).startswith(f"{path}: entry {error.entry}: ")


@pytest.mark.realdata
def test_truncated_repr_file() -> None:
    path = realdata("hf_daily_papers/2024-12-11.json")
    data = path.read_bytes()
    records, error = parse_until_error(IMPORTER, data[: len(data) // 2], str(path))
    assert error.entry == len(records) + 1


@pytest.mark.realdata
def test_invalid_utf8_names_the_line() -> None:
    path = realdata("hf_daily_papers/2025-09-30.json")
    data, line = insert_bad_byte(path.read_bytes(), b'"summary": "', occurrence=30)
    _, error = parse_until_error(IMPORTER, data, str(path))
    assert error.line == line
    assert line > 1000
    assert "not UTF-8" in str(error)


def test_entry_without_a_title_is_named() -> None:
    data = json.dumps([entry("2401.00001"), entry("2401.00002", title=None)]).encode()
    records, [reject] = records_and_rejects(IMPORTER, data, "day.json")
    assert len(records) == 1
    assert (reject.position, reject.reason) == (2, "entry has no title")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("__import__('os').system('echo pwned')", "not a Python dict literal"),
        ("{'paper': ", "not a Python dict literal"),
        ("['a list']", "holds a list"),
        (42, "found int"),
        ({"title": "No paper object"}, "no `paper` object"),
    ],
)
def test_bad_entries_are_rejected(item: object, message: str) -> None:
    reject = only_reject(IMPORTER, json.dumps([item]).encode())
    assert message in reject.reason and reject.position == 1


def test_streams_a_large_array() -> None:
    record = json.dumps(entry("2401.00001")).encode()
    stream = CountingStream(json_array_chunks(record for _ in range(100_000)))
    first = next(hf_daily.parse(stream, "big.json"))
    assert first.arxiv_id == "2401.00001"
    assert not stream.exhausted
    assert stream.bytes_read < 1_000_000
