"""A progress line for long jobs: done/total, rate and ETA, rewritten in place on a terminal."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Call ``update(done)``; prints at most every ``every`` seconds (always the last update)."""

    def __init__(self, label: str, total: int, unit: str = "", stream: TextIO = sys.stderr, every: float = 1.0):
        self.label, self.total, self.unit, self.stream, self.every = label, total, unit, stream, every
        self.start = time.time()
        self.last = 0.0
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def update(self, done: int, total: int | None = None) -> None:
        """Report progress."""
        if total is not None:
            self.total = total
        now = time.time()
        if now - self.last < self.every and done < self.total:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 else float("inf")
        width = 24
        filled = int(width * done / self.total) if self.total else width
        text = (f"{self.label}: [{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} {self.unit} "
                f"{rate:,.0f}/s ETA {_fmt(eta)}")
        self.stream.write(("\r" + text) if self.tty else text + "\n")
        if self.tty and done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def _fmt(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
