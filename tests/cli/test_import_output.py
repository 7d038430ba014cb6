"""What a person sees during an import: a progress line that counts bytes and gives an honest ETA, lines
per source that never share the bar's line, a summary that says what changed, --quiet and --json."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
from pathlib import Path

from corpus_db.cli.progress import ProgressLine, format_seconds
from tests.paths import SEEDS
from tests.sync_support import cli_command, cli_env, run_cli


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_eta_comes_from_bytes_read_not_from_files_counted_or_skipped() -> None:
    clock, out = Clock(), io.StringIO()
    line = ProgressLine(1000, stream=out, clock=clock)
    line.source_done(500, skipped=True)  # an unchanged half, skipped at once: says nothing of the rate
    assert line.eta() is None
    clock.now += 5
    line.advance(100)  # 100 bytes in 5 s of reading
    assert line.eta() == 20.0  # 400 bytes left at 20 bytes/s, however many files they are in
    line.source_done(200, skipped=False)  # the file turned out 200 bytes: settled at its size
    assert line.done == 700
    assert line.eta() == 7.5  # 300 bytes left at 200 bytes in 5 s


def test_no_eta_until_the_rate_means_something() -> None:
    clock = Clock()
    line = ProgressLine(10_000_000, stream=io.StringIO(), clock=clock)
    clock.now += 0.5
    line.advance(5_000_000)
    assert line.eta() is None  # half a second in: start-up pauses would dominate the rate
    clock.now += 2
    assert line.eta() is not None and "ETA" in line.text()


def test_lines_clear_the_bar_first() -> None:
    clock, out = Clock(), io.StringIO()
    line = ProgressLine(100, stream=out, clock=clock)
    line.draw()
    line.clear()
    assert out.getvalue().endswith("\r\x1b[K") and "Importing [" in out.getvalue()


def test_format_seconds() -> None:
    assert [format_seconds(s) for s in (3.2, 65, 3725)] == ["3 s", "1 min 05 s", "1 h 02 min"]


def test_quiet_prints_failures_and_the_summary_only(tmp_path: Path) -> None:
    broken = tmp_path / "dumps" / "broken.json"
    broken.parent.mkdir()
    broken.write_text('[{"title": "x"', encoding="utf-8")
    for seed in SEEDS.glob("*.txt"):
        (broken.parent / seed.name).write_bytes(seed.read_bytes())
    result = run_cli("import", tmp_path / "c.db", broken.parent, "--quiet")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("5 sources (0 unchanged, 1 failed) in ")
    assert result.stdout.splitlines()[1].startswith("Changed: 000_")
    assert len(result.stdout.splitlines()) == 2
    assert "broken.json: FAILED" in result.stderr and "000_" not in result.stderr
    again = run_cli("import", tmp_path / "c.db", SEEDS, "--quiet")
    assert again.stdout.startswith("4 sources (0 unchanged, 0 failed)")  # other paths: new sources, all merged


def test_json_is_one_report(tmp_path: Path) -> None:
    result = run_cli("import", tmp_path / "c.db", SEEDS, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "ok" and report["sources"] == {"total": 4, "imported": 4, "unchanged": 0, "failed": 0}
    assert report["records"]["inserted"] == 389 and report["records"]["merged"] == 21
    assert [r["status"] for r in report["results"]] == ["imported"] * 4
    assert all(r["counts"]["inserted"] + r["counts"]["merged"] > 0 for r in report["results"])
    again = json.loads(run_cli("import", tmp_path / "c.db", SEEDS, "--json").stdout)
    assert again["sources"]["unchanged"] == 4 and again["records"]["inserted"] == 0


def test_on_a_terminal_source_lines_never_share_the_bar_line(tmp_path: Path) -> None:
    main, replica = pty.openpty()
    proc = subprocess.Popen(cli_command("import", tmp_path / "c.db", SEEDS), env=cli_env(),
                            stdin=replica, stdout=replica, stderr=replica)
    os.close(replica)
    output = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait(timeout=120) == 0
    text = output.decode("utf-8", "replace")
    for line in text.replace("\r\n", "\n").split("\n"):
        visible = line.rsplit("\r\x1b[K", 1)[-1]  # what is left on the line once the bar was cleared
        assert not ("Importing [" in visible and ": " in visible.split("Importing [")[0]), line
    assert text.count("001_") >= 1 and "sources (0 unchanged, 0 failed)" in text
