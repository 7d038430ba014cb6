"""Durations (30m, 1h, 1d, 1h30m) and byte sizes (500MB, 2GiB) as people write them on a command line."""

from __future__ import annotations

import re

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


def parse_duration(text: str) -> float:
    """Seconds in a duration such as 90s, 30m, 1h, 1d or 1h30m; ValueError when it is not one."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"{text!r} is not a duration (write e.g. 30m, 1h, 1d or 1h30m)")
    seconds = sum(float(n) * _SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r}: a duration must be longer than zero")
    return seconds


def parse_size(text: str) -> int:
    """Bytes in a size such as 1048576, 500MB, 500M or 2GiB (K/M/G/T are powers of 1024 either way: a
    limit, not an invoice); ValueError when it is not one."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size (write e.g. 500MB or 2GiB)")
    number, unit, _ = match.groups()
    return int(float(number) * 1024 ** _POWERS[unit.lower()])


def format_size(size: int) -> str:
    """A byte count for messages: 2.0 GiB, 1.5 MiB, 512 bytes."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
