"""Peak memory and time of importing each hostile case at full size (the issue's figures: a gzip that
expands to 5 GB, nine levels of @string, 100k closing parentheses, 1 MB of dots, 1,000-level nesting,
hundreds of lines each near a limit).
Each import runs as a CLI subprocess; its peak RSS comes from wait4. Goal: under 300 MB for every case.

    PYTHONPATH=. python bench/run.py --only hostile        # or: make fuzz (runs it after the long fuzz)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RSS_GOAL_MB = 300


def _cases() -> list:
    from tests.hostile import cases

    head = cases.jsonl([cases.jsonl_line("2001.00001", cases.GOOD_TITLE)])  # sniffed as the dump it claims
    full = [
        cases.Case("gzip bomb, 5 GB of newlines", "bomb.jsonl.gz", lambda: cases.gzip_bomb(5 << 30, head=head),
                   "failed"),
        cases.Case("gzip bomb, 5 GB of lines of x", "bomb-x.jsonl.gz",
                   lambda: cases.gzip_bomb(5 << 30, line=b"x" * 63 + b"\n", head=head), "failed"),
        cases.Case("gzip bomb, one 5 GB line", "bomb-line.jsonl.gz",
                   lambda: cases.gzip_bomb(5 << 30, line=b"x", head=head), "failed"),
    ]
    full += [
        cases.Case(LONG_LINES, "long-lines.jsonl", lambda: _long_lines(120, 3_900_000), "imports"),
        cases.Case("120 lines of 15 MB, each rejected", "near-limit.jsonl", lambda: _long_lines(120, 15_000_000),
                   "failed"),
    ]
    return full + cases.bomb_cases() + cases.deep_nesting_cases() + cases.quadratic_cases() \
        + cases.oversize_cases() + cases.reject_cases() + cases.control_char_cases()


LONG_LINES = "120 lines of 3.9 MB, each stored"  # re-imported too: its unchanged lines are skimmed


def _long_lines(count: int, pad: int) -> bytes:
    """Lines near a limit: a raw record just under 4M characters is stored; a line of 15 MB is under the
    16 MiB line limit but rejected. Hundreds of them must not gather in one batch, queue or skim block."""
    from tests.hostile import cases

    return cases.jsonl([
        cases.jsonl_line(f"2001.{n:05d}", f"{cases.GOOD_TITLE} {n}", f', "comments": "{"c" * pad}"')
        for n in range(1, count + 1)
    ])


def write_named(name: str, path: str) -> None:
    """Write the case called `name` to `path` (run in a child process, see bench_hostile)."""
    [case] = [c for c in _cases() if c.name == name]
    Path(path).write_bytes(case.build())


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(seconds, peak RSS MB, exit code, last line of output) of one subprocess."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        lines = [line for line in out.read().decode(errors="replace").splitlines() if line.strip()]
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), (lines[-1] if lines else "")


def bench_hostile(work: Path, add: Callable[..., None], env: dict[str, str] | None = None) -> float:
    """Import every hostile case into a fresh database; report each case's time and peak RSS. Returns the
    largest peak RSS (MB)."""
    environment = dict(env or os.environ)
    bench_dir = str(Path(__file__).resolve().parent)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [bench_dir, environment.get("PYTHONPATH")]))
    worst = 0.0
    for case in _cases():
        folder = work / "hostile" / case.filename.replace(".", "-")
        shutil.rmtree(folder, ignore_errors=True)  # a database left by the last run would answer "unchanged"
        folder.mkdir(parents=True)
        path = folder / case.filename
        # Written by a child process: on Linux a child starts with its parent's resident memory counted
        # in its peak, so the parent must never hold a case's bytes.
        script = f"from hostile import write_named; write_named({case.name!r}, {str(path)!r})"
        subprocess.run([sys.executable, "-c", script], env=environment, check=True)
        command = [sys.executable, "-m", "corpus_db", "import", str(folder / "corpus.db"), str(path)]
        seconds, rss, code, last = measure(command, environment)
        worst = max(worst, rss)
        add(f"hostile: {case.name}", rss, "MB", goal=f"< {RSS_GOAL_MB} MB", met=rss < RSS_GOAL_MB,
            note=f"{seconds:.1f}s, exit {code}: {last[:90]}")
        if case.name == LONG_LINES:
            with path.open("a") as dump:
                dump.write('{"id": "2001.99999", "title": "One more", "abstract": "Appended.", "versions": []}\n')
            seconds, rss, code, last = measure(command, environment)
            worst = max(worst, rss)
            add(f"hostile: {case.name}, re-imported with a line appended", rss, "MB", goal=f"< {RSS_GOAL_MB} MB",
                met=rss < RSS_GOAL_MB, note=f"{seconds:.1f}s, exit {code}: {last[:90]}")
        path.unlink()
    return worst
