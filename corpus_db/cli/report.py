"""What the import and sync commands print: a progress bar, one line per source, one summary line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from corpus_db.ingest.run import SourceResult
from corpus_db.store.runs import RunTotals


@contextmanager
def progress_bar(paths: list[Path]) -> Iterator[object]:
    """A byte-count progress bar on a terminal; nothing when output is piped or logged."""
    if not sys.stderr.isatty():
        yield None
        return
    total = sum(p.stat().st_size for p in paths if p.is_file())
    with click.progressbar(length=total, label="Importing", file=sys.stderr, show_pos=False) as bar:
        yield bar.update


def describe(result: SourceResult) -> str:
    c = result.counts
    if result.status == "failed":
        return f"FAILED {result.error} (nothing from this source was stored)"
    if result.status == "unchanged":
        return f"unchanged since last import ({c.unchanged} records), skipped"
    return (
        f"{result.format}: {c.inserted} new, {c.merged} merged into known papers, {c.updated} updated, "
        f"{c.unchanged} unchanged, {c.unlisted} no longer listed ({result.seconds:.2f}s)"
    )


def summary_line(totals: RunTotals) -> str:
    """One line that says what a whole import did."""
    c = totals.counts
    if totals.sources_total and totals.sources_skipped == totals.sources_total:
        return f"Nothing to do: all {totals.sources_total} sources are unchanged since they were last imported."
    embedded = f" {totals.embedded} papers embedded for similar papers." if totals.embedded else ""
    return (
        f"{totals.sources_total} sources ({totals.sources_skipped} unchanged, {totals.sources_failed} failed): "
        f"{c.inserted} inserted, {c.merged} merged, {c.updated} updated, {c.unchanged} unchanged, "
        f"{c.rejected} rejected.{embedded}"
    )

