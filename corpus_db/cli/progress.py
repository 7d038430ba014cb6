"""The progress line of a long import: bytes read of all the dumps (one huge file and many small ones
alike), the rate, and an ETA from the rate measured so far. Lines printed during the run (one per
source) clear the bar first and redraw it after, so they never share its line."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from corpus_db.units import format_size

_REDRAW_SECONDS = 0.2
_ETA_AFTER_SECONDS = 2.0  # too early, a start-up pause or a skipped file would make the rate meaningless
_ETA_AFTER_SHARE = 0.01
_WIDTH = 28


def format_seconds(seconds: float) -> str:
    """3 s, 4 min 05 s, 1 h 02 min."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ProgressLine:
    """A byte-count progress line on a terminal. `advance` is the import's progress callback (bytes read
    of the current dump); `source_done` settles a dump's bytes when its result comes. A dump skipped
    unread (unchanged) counts as done but says nothing of the rate, so it does not shorten the ETA."""

    def __init__(self, total_bytes: int, *, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic):
        self.total = max(total_bytes, 1)
        self.stream = stream or sys.stderr
        self.clock = clock
        self.settled = 0  # bytes of the dumps whose result came
        self.current = 0  # bytes read of the dump under way
        self.skipped = 0
        self.started = clock()
        self._drawn_at = 0.0
        self._shown = False

    @property
    def done(self) -> int:
        return self.settled + self.current

    def advance(self, n_bytes: int) -> None:
        self.current += n_bytes
        self._maybe_draw()

    def source_done(self, size: int, *, skipped: bool) -> None:
        self.settled += size
        self.current = 0
        if skipped:
            self.skipped += size
        self._maybe_draw()

    def eta(self) -> float | None:
        """Seconds left at the rate of the bytes actually read so far; None while that rate means little."""
        elapsed = self.clock() - self.started
        read = self.done - self.skipped
        if elapsed < _ETA_AFTER_SECONDS or read < self.total * _ETA_AFTER_SHARE or read <= 0:
            return None
        return max(0, self.total - self.done) / (read / elapsed)

    def text(self) -> str:
        share = min(1.0, self.done / self.total)
        filled = int(share * _WIDTH)
        eta = self.eta()
        elapsed = self.clock() - self.started
        rate = (self.done - self.skipped) / elapsed if elapsed > 0 else 0
        return (
            f"Importing [{'#' * filled}{'-' * (_WIDTH - filled)}] {share:4.0%}  "
            f"{format_size(self.done)} of {format_size(self.total)}, {format_size(int(rate))}/s, "
            f"{'ETA ' + format_seconds(eta) if eta is not None else 'ETA ...'}"
        )

    def _maybe_draw(self) -> None:
        now = self.clock()
        if now - self._drawn_at >= _REDRAW_SECONDS:
            self._drawn_at = now
            self.draw()

    def draw(self) -> None:
        self.stream.write("\r\x1b[K" + self.text())
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Take the bar off its line (before printing a line of text, or at the end)."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
