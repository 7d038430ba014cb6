"""Where a command's time goes, thread by thread: run it and sample the CPU of every thread of its process
tree (worker processes included) every 0.1 s, with the machine's user/system/idle time beside it.

    python bench/timeline.py -- .venv/bin/corpus-db import corpus.db dump.jsonl

Prints the command's output tail, then per thread its CPU (system time apart), the first and last moment
it used CPU and its process's command line, then a table of CPU seconds per wall second. Reading the table
tells which thread is the critical path and whether the cores were full: the figures of BENCHMARKS.md's
timelines were taken this way. Linux only (/proc); it measures, it never asserts."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.1
SHOWN_CPU = 0.05  # threads that used less are left out of the list
TABLED_CPU = 0.3  # and less than this out of the table's columns
Thread = tuple[int, int]  # (pid, tid)


@dataclass
class Samples:
    cpu: dict[Thread, float] = field(default_factory=dict)
    system: dict[Thread, float] = field(default_factory=dict)
    first: dict[Thread, float] = field(default_factory=dict)
    last: dict[Thread, float] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    per_second: dict[int, dict[Thread, float]] = field(default_factory=dict)
    machine: dict[int, list[float]] = field(default_factory=dict)  # user, system, idle, iowait, steal


def process_tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    todo += [int(child) for child in fh.read().split()]
        except OSError:  # the process ended meanwhile
            pass
    return pids


def thread_times(pid: int) -> dict[Thread, tuple[float, float]]:
    """(user + system, system) CPU seconds of each thread of `pid`."""
    times = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()  # the name may hold spaces and parentheses
            user, system = int(fields[11]) / TICK, int(fields[12]) / TICK
            times[(pid, int(tid))] = (user + system, system)
    except OSError:
        pass
    return times


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()[-70:]
    except OSError:
        return "?"


def machine_times() -> list[float]:
    """user, system, idle, iowait, steal seconds of all cores since boot."""
    with open("/proc/stat") as fh:
        user, nice, system, idle, iowait, _irq, _softirq, steal = map(int, fh.readline().split()[1:9])
    return [(user + nice) / TICK, system / TICK, idle / TICK, iowait / TICK, steal / TICK]


def sample(proc: subprocess.Popen, samples: Samples) -> float:
    start = time.monotonic()
    machine_before = machine_times()
    while proc.poll() is None:
        now = time.monotonic() - start
        second = int(now)
        for pid in process_tree(proc.pid):
            if samples.names.get(pid, "?") == "?":
                samples.names[pid] = command_line(pid)
            for thread, (cpu, system) in thread_times(pid).items():
                used = cpu - samples.cpu.get(thread, 0.0)
                if used > 0:
                    samples.first.setdefault(thread, now)
                    samples.last[thread] = now
                    row = samples.per_second.setdefault(second, {})
                    row[thread] = row.get(thread, 0.0) + used
                samples.cpu[thread], samples.system[thread] = cpu, system
        machine_now = machine_times()
        row = samples.machine.setdefault(second, [0.0] * len(machine_now))
        for i, (after, before) in enumerate(zip(machine_now, machine_before, strict=True)):
            row[i] += after - before
        machine_before = machine_now
        time.sleep(SAMPLE_SECONDS)
    return time.monotonic() - start


def report(samples: Samples) -> None:
    order = sorted(samples.cpu, key=lambda thread: samples.first.get(thread, float("inf")))
    for thread in order:
        if samples.cpu[thread] >= SHOWN_CPU:
            print(f"{thread[0]:>7}/{thread[1]:<7} cpu {samples.cpu[thread]:6.2f} s"
                  f" (system {samples.system[thread]:5.2f})"
                  f"  {samples.first.get(thread, 0):6.2f} -> {samples.last.get(thread, 0):6.2f} s"
                  f"  {samples.names.get(thread[0], '?')}")
    columns = [thread for thread in order if samples.cpu[thread] >= TABLED_CPU]
    print("  s " + "".join(f"{tid:>8}" for _, tid in columns) + "    user  system    idle  iowait   steal")
    for second in sorted(samples.per_second.keys() | samples.machine.keys()):
        row = samples.per_second.get(second, {})
        machine = samples.machine.get(second, [0.0] * 5)
        print(f"{second:>3} " + "".join(f"{row.get(thread, 0.0):8.2f}" for thread in columns)
              + "".join(f"{value:8.2f}" for value in machine))


def main() -> int:
    if "--" not in sys.argv or sys.argv.index("--") == len(sys.argv) - 1:
        print(__doc__)
        return 2
    command = sys.argv[sys.argv.index("--") + 1:]
    with tempfile.TemporaryFile() as log:  # not a pipe: a command that prints much would wait on it
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        samples = Samples()
        wall = sample(proc, samples)
        log.seek(0)
        output = log.read().decode(errors="replace")
    print(output[-2000:])
    print(f"wall {wall:.2f} s, exit code {proc.returncode}")
    report(samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
