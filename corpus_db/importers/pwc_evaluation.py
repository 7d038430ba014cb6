"""Papers with Code `evaluation-tables.json`: tasks → datasets (→ subdatasets) → sota rows, with nested
subtasks. A paper appears in one row per result it reports; this yields one record per distinct paper."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from corpus_db.importers.base import Importer, excerpt, record_or_reject
from corpus_db.importers.dates import loose
from corpus_db.importers.jsonstream import JsonItems, json_head
from corpus_db.model import PaperRecord, ParseError, Rejected, RepoLink
from corpus_db.rules.normalize import clean_title, find_arxiv_id, fold_spaces, normalize_doi, title_key

_TASK = re.compile(r'"task"\s*:')
_DATASETS = re.compile(r'"datasets"\s*:')


def sniff(head: bytes, path: str) -> bool:
    """An array of task objects, each with `task` and `datasets`."""
    text = json_head(head)
    return text is not None and text.lstrip().startswith("[") and bool(_TASK.search(text) and _DATASETS.search(text))


@dataclass
class _Paper:
    """Everything the rows of one paper say, gathered across tasks and datasets."""

    position: int
    title: str
    arxiv_id: str | None
    doi: str | None
    published: str | None
    paper_url: str | None
    tags: list[str] = field(default_factory=list)
    repos: list[RepoLink] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    rows: list[dict[str, object]] = field(default_factory=list)

    def add(self, task: str, dataset: str, row: dict[str, object]) -> None:
        _append_new(self.tags, task)
        _append_new(self.datasets, dataset)
        if isinstance(row.get("model_name"), str) and row["model_name"].strip():
            _append_new(self.models, fold_spaces(row["model_name"]))
        for link in row.get("code_links") or []:
            if isinstance(link, dict) and isinstance(link.get("url"), str) and link["url"].strip():
                _append_new(self.repos, RepoLink(link["url"].strip(), "pwc:code_links"))
        self.rows.append({"task": task, "dataset": dataset, "row": row})

    def record(self) -> PaperRecord:
        extra: dict[str, object] = {"datasets": self.datasets, "models": self.models}
        if self.paper_url:
            extra["paper_url"] = self.paper_url
        return PaperRecord(
            title=self.title,
            position=self.position,
            raw=json.dumps(self.rows, ensure_ascii=False, sort_keys=True),
            arxiv_id=self.arxiv_id,
            doi=self.doi,
            published=self.published,
            tags=tuple(self.tags),
            repos=tuple(self.repos),
            extra=extra,
        )


def _append_new(items: list, value: object) -> None:
    if value and value not in items:
        items.append(value)


def _key(arxiv_id: str | None, url: str | None, title: str) -> str:
    # arXiv abs and pdf links of one paper are one paper; other URLs are taken as given; rows with no URL
    # fall back to the title. Titles alone are not merged across URLs: tables hold placeholders like "[1]".
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    if url:
        return f"url:{url}"
    return f"title:{title_key(title)}"


class _Walker:
    def __init__(self, path: str):
        self.path = path
        self.papers: dict[str, _Paper] = {}
        self.rejects: list[Rejected] = []  # result rows that cannot be read; the rest of the table goes on

    def task(self, task: object, entry: int, where: str = "") -> None:
        if not isinstance(task, dict):
            raise ParseError(self.path, f"{where or 'task'} is a {type(task).__name__}, not a task object", entry=entry)
        name = fold_spaces(str(task.get("task") or ""))
        where = f"{where} › {name}" if where else f"task {name!r}"
        for dataset in _list(task, "datasets", self.path, entry, where):
            self.dataset(dataset, name, entry, where)
        for subtask in _list(task, "subtasks", self.path, entry, where):
            self.task(subtask, entry, where)

    def dataset(self, dataset: object, task: str, entry: int, where: str) -> None:
        if not isinstance(dataset, dict):
            raise ParseError(self.path, f"{where}: a dataset is not an object", entry=entry)
        name = fold_spaces(str(dataset.get("dataset") or dataset.get("subdataset") or ""))
        where = f"{where} › {name}"
        sota = dataset.get("sota") or {}
        rows = _list(sota, "rows", self.path, entry, where) if isinstance(sota, dict) else []
        for number, row in enumerate(rows, start=1):
            self.row(row, task, name, entry, f"{where} › row {number}")
        for sub in _list(dataset, "subdatasets", self.path, entry, where):
            self.dataset(sub, task, entry, where)

    def row(self, row: object, task: str, dataset: str, entry: int, where: str) -> None:
        if not isinstance(row, dict) or not isinstance(row.get("paper_title"), str):
            self.rejects.append(Rejected(entry, None, f"{where}: result row has no paper_title", excerpt(row)))
            return
        title = clean_title(row["paper_title"])
        if not title:
            return  # a baseline or human-performance row: a result without a paper
        url = row.get("paper_url").strip() if isinstance(row.get("paper_url"), str) else None
        arxiv_id = find_arxiv_id(url)
        key = _key(arxiv_id, url, title)
        paper = self.papers.get(key)
        if paper is None:
            paper = _Paper(
                position=len(self.papers) + 1,
                title=title,
                arxiv_id=arxiv_id,
                doi=normalize_doi(url),
                published=loose(row.get("paper_date")),
                paper_url=url or None,
            )
            self.papers[key] = paper
        paper.add(task, dataset, row)


def _list(obj: dict[str, object], key: str, path: str, entry: int, where: str) -> list[object]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(path, f"{where}: {key} is not a list", entry=entry)
    return value


def parse(fh: BinaryIO, path: str) -> Iterator[PaperRecord | Rejected]:
    """Read the task tree (streamed, one top-level task at a time), then yield one record per distinct paper
    in order of first appearance. Only the distinct papers are held in memory, never the whole file. A
    result row without a paper title, or a task nested too deeply, is a Rejected; the rest imports."""
    walker = _Walker(path)
    for entry, task in JsonItems(fh, path, list_keys=()):
        try:
            walker.task(task, entry)
        except RecursionError:
            walker.rejects.append(Rejected(entry, None, "task nested too deeply to read", excerpt(task)))
        yield from walker.rejects
        walker.rejects.clear()
    for paper in walker.papers.values():
        yield record_or_reject(paper.record, position=paper.position, line=None, source=lambda p=paper: p.title)


IMPORTER = Importer(
    name="pwc-evaluation",
    description="Papers with Code evaluation-tables.json: one record per distinct paper in the sota tables.",
    sniff=sniff,
    parse=parse,
)
