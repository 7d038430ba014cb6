"""Papers with Code evaluation tables: one record per distinct paper across tasks, subtasks and subdatasets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus_db.importers.pwc_evaluation import IMPORTER
from corpus_db.model import RepoLink
from tests.importers.support import (
    CountingStream,
    insert_bad_byte,
    json_array_chunks,
    parse_bytes,
    parse_until_error,
    records_and_rejects,
)
from tests.paths import realdata

FIXTURE = Path(__file__).parent / "fixtures" / "pwc-evaluation-tables.json"


def load(path: Path) -> list:
    with path.open("rb") as fh:
        return list(IMPORTER.parse(fh, str(path)))


def result_rows(node: object) -> list[dict]:
    """Every object with a paper_title anywhere in the tree, whatever the nesting is called."""
    if isinstance(node, dict):
        found = [node] if "paper_title" in node else []
        return found + [row for value in node.values() for row in result_rows(value)]
    if isinstance(node, list):
        return [row for value in node for row in result_rows(value)]
    return []


def paper_key(row: dict) -> str:
    arxiv = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", row["paper_url"])
    if arxiv:
        return "arxiv " + arxiv.group(1)
    return "url " + row["paper_url"] if row["paper_url"].strip() else "title " + row["paper_title"].strip().lower()


@pytest.mark.realdata
def test_nlp_progress_counts() -> None:
    path = realdata("paperswithcode/evaluation-tables-nlp-progress.json")
    rows = result_rows(json.loads(path.read_bytes()))
    with_paper = [row for row in rows if row["paper_title"].strip()]
    assert (len(rows), len(with_paper)) == (559, 549)  # 10 baseline rows name no paper
    records = load(path)
    assert len(records) == len({paper_key(row) for row in with_paper}) == 322
    assert len({r.arxiv_id for r in records if r.arxiv_id}) == sum(1 for r in records if r.arxiv_id) == 152
    assert {r.title for r in records} <= {row["paper_title"].strip() for row in with_paper}
    assert [r.position for r in records] == list(range(1, 323))


@pytest.mark.realdata
def test_nlp_progress_records() -> None:
    records = load(realdata("paperswithcode/evaluation-tables-nlp-progress.json"))
    first = records[0]
    assert (first.title, first.arxiv_id, first.tags) == (
        "Event2Mind: Commonsense Inference on Events, Intents, and Reactions",
        "1805.06939",
        ("Common Sense",),
    )
    assert first.extra["models"] == ["BiRNN 100d (2018)", "ConvNet (2018)"]
    assert [row["row"]["model_name"] for row in json.loads(first.raw)] == first.extra["models"]
    # The abs and pdf links of one arXiv paper are one paper.
    use = [r for r in records if r.arxiv_id == "1803.11175"]
    assert len(use) == 1 and use[0].title == "Universal Sentence Encoder"
    # A result under a subtask is tagged with the subtask's name.
    assert any("Hypernym Discovery" in r.tags for r in records)
    assert all(r.abstract is None and r.line is None for r in records)


def test_fixture_merges_rows_and_collects_code_links() -> None:
    attention, seq2seq, regularization = load(FIXTURE)
    assert attention.title == "Attention Is All You Need"  # the first spelling seen wins
    assert attention.arxiv_id == "1706.03762"
    assert attention.published == "2017-06-12"
    assert attention.tags == ("Machine Translation", "Unsupervised Machine Translation", "Language Modelling")
    assert attention.repos == (
        RepoLink("https://github.com/tensorflow/tensor2tensor", "pwc:code_links"),
        RepoLink("https://github.com/example-user/transformer-pytorch", "pwc:code_links"),
    )
    assert attention.extra["datasets"] == [
        "WMT2014 English-German",
        "WMT2016 English-Romanian",
        "Penn Treebank (Word Level)",
    ]
    assert len(json.loads(attention.raw)) == 3
    assert (seq2seq.arxiv_id, seq2seq.extra["paper_url"]) == (
        None,
        "https://papers.nips.cc/paper/5346-sequence-to-sequence-learning",
    )
    assert (regularization.title, regularization.arxiv_id, regularization.tags) == (
        "Recurrent Neural Network Regularization",
        None,
        ("Language Modelling",),
    )


def test_row_without_paper_title_is_rejected_and_the_rest_imports() -> None:
    tasks = json.loads(FIXTURE.read_bytes())
    whole, _ = records_and_rejects(IMPORTER, FIXTURE.read_bytes())
    del tasks[1]["datasets"][0]["sota"]["rows"][0]["paper_title"]
    records, [reject] = records_and_rejects(IMPORTER, json.dumps(tasks).encode(), "eval.json")
    assert reject.position == 2 and reject.reason == (
        "task 'Language Modelling' › Penn Treebank (Word Level) › row 1: result row has no paper_title"
    )
    assert len(whole) - 1 <= len(records) <= len(whole)


def test_truncated_file() -> None:
    data = FIXTURE.read_bytes()
    _, error = parse_until_error(IMPORTER, data[: len(data) // 2], "eval.json")
    assert error.entry == 1


@pytest.mark.realdata
def test_truncated_real_file_names_the_task_entry() -> None:
    path = realdata("paperswithcode/evaluation-tables-nlp-progress.json")
    data = path.read_bytes()
    cut = len(data) // 2
    tasks_before_cut = data[:cut].count(b'\n  {\n    "categories"')  # each top-level task opens like this
    _, error = parse_until_error(IMPORTER, data[:cut], str(path))
    assert error.entry == tasks_before_cut
    assert "truncated" in str(error)


def test_invalid_utf8() -> None:
    data, line = insert_bad_byte(FIXTURE.read_bytes(), b'"paper_title": "', occurrence=4)
    _, error = parse_until_error(IMPORTER, data, "eval.json")
    assert error.line == line


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"task": "x"}', "expected a JSON array"),
        (b'["x"]', "entry 1: task is a str"),
        (b'[{"task": "x", "datasets": {}}]', "datasets is not a list"),
    ],
)
def test_wrong_shapes(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_bytes(IMPORTER, data)


def test_input_is_streamed_task_by_task() -> None:
    # Records come out after the whole tree is read (a paper can recur in any later task), but the tree
    # itself is read one task at a time: a bad task late in a long file fails after reading up to it only.
    task = json.dumps(json.loads(FIXTURE.read_bytes())[1]).encode()
    stream = CountingStream(json_array_chunks([*[task] * 2000, b'"not a task"', *[task] * 20_000]))
    with pytest.raises(ValueError, match="entry 2001"):
        list(IMPORTER.parse(stream, "big.json"))
    assert not stream.exhausted
