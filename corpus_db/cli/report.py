"""What the import and sync commands print: a progress bar, one line per source, one summary line, and
which sources changed what; or, with --json, one report."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import click

from corpus_db.cli.progress import ProgressLine, format_seconds
from corpus_db.ingest.run import SourceResult
from corpus_db.model import ImportCounts
from corpus_db.rules.normalize import printable
from corpus_db.store.runs import RunTotals


def describe(result: SourceResult) -> str:
    c = result.counts
    if result.status == "failed":
        return f"FAILED {printable(result.error or '')} (nothing from this source was stored)"
    if result.status == "unchanged":
        return f"unchanged since last import ({c.unchanged} records), skipped"
    rejected = f", {c.rejected} rejected (see `corpus-db rejects`)" if c.rejected else ""
    return (
        f"{result.format}: {c.inserted} new, {c.merged} merged into known papers, {c.updated} updated, "
        f"{c.unchanged} unchanged, {c.unlisted} no longer listed{rejected} ({result.seconds:.2f}s)"
    )


def summary_line(totals: RunTotals, seconds: float | None = None) -> str:
    """One line that says what a whole import did (and how long it took, when given)."""
    c = totals.counts
    took = f" in {format_seconds(seconds)}" if seconds is not None else ""
    if totals.sources_total and totals.sources_skipped == totals.sources_total:
        return (
            f"Nothing to do: all {totals.sources_total} sources are unchanged since they were last imported"
            f"{' (checked' + took + ')' if took else ''}."
        )
    embedded = f" {totals.embedded} papers embedded for similar papers." if totals.embedded else ""
    return (
        f"{totals.sources_total} sources ({totals.sources_skipped} unchanged, {totals.sources_failed} failed){took}: "
        f"{c.inserted} inserted, {c.merged} merged, {c.updated} updated, {c.unchanged} unchanged, "
        f"{c.rejected} rejected, {c.unlisted} no longer listed.{embedded}"
    )


def changes_line(results: Sequence[SourceResult], shown: int = 5) -> str | None:
    """Which sources changed the corpus, and how: None when none did."""
    changed = [r for r in results if r.status == "imported" and _changes(r.counts)]
    if not changed:
        return None
    parts = [f"{printable(Path(r.locator).name)} ({_changes(r.counts)})" for r in changed[:shown]]
    more = f" and {len(changed) - shown} more sources" if len(changed) > shown else ""
    return f"Changed: {', '.join(parts)}{more}."


def _changes(c: ImportCounts) -> str:
    figures = (("new", c.inserted), ("merged", c.merged), ("updated", c.updated), ("no longer listed", c.unlisted))
    return ", ".join(f"{n} {label}" for label, n in figures if n)


def json_report(db_path: Path, totals: RunTotals, results: Sequence[SourceResult], seconds: float) -> dict:
    """The machine-readable account of a run (`--json`)."""
    return {
        "database": str(db_path),
        "status": totals.status,
        "seconds": round(seconds, 3),
        "sources": {
            "total": totals.sources_total,
            "imported": totals.sources_total - totals.sources_skipped - totals.sources_failed,
            "unchanged": totals.sources_skipped,
            "failed": totals.sources_failed,
        },
        "records": asdict(totals.counts),
        "schema_upgrade": list(totals.schema_upgrade) if totals.schema_upgrade else None,
        "interrupted_runs": totals.interrupted_runs,
        "results": [
            {"locator": r.locator, "status": r.status, "format": r.format, "error": r.error,
             "seconds": round(r.seconds, 3), "counts": asdict(r.counts)}
            for r in results
        ],
    }


class ImportOutput:
    """What an import prints. By default: a progress line on a terminal, a line per source above it, the
    summary. quiet: failures and the summary. as_json: one JSON report on stdout at the end, nothing else."""

    def __init__(self, paths: Sequence[Path], *, quiet: bool = False, as_json: bool = False) -> None:
        self.quiet, self.as_json = quiet, as_json
        self.sizes = {str(p.resolve()): p.stat().st_size for p in paths if p.is_file()}
        on_terminal = sys.stderr.isatty() and not quiet and not as_json
        self.bar = ProgressLine(sum(self.sizes.values())) if on_terminal else None
        self.results: list[SourceResult] = []
        self.started = time.monotonic()

    @property
    def progress(self) -> Callable[[int], None] | None:
        return self.bar.advance if self.bar else None

    def source_done(self, result: SourceResult) -> None:
        self.results.append(result)
        if self.bar:
            self.bar.source_done(self.sizes.get(result.locator, 0), skipped=result.status == "unchanged")
        if self.as_json or (self.quiet and result.status != "failed"):
            return
        if self.bar:
            self.bar.clear()
        click.echo(f"{printable(result.locator)}: {describe(result)}", err=result.status == "failed")
        if self.bar:
            self.bar.draw()

    def close(self) -> None:
        """Take the progress line away (also when the run stops with an error)."""
        if self.bar:
            self.bar.clear()

    def finish(self, db_path: Path, totals: RunTotals) -> None:
        seconds = time.monotonic() - self.started
        if self.as_json:
            click.echo(json.dumps(json_report(db_path, totals, self.results, seconds), indent=2))
            return
        click.echo(summary_line(totals, seconds))
        changes = changes_line(self.results)
        if changes:
            click.echo(changes)
