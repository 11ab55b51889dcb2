"""Progress lines for long jobs, rewritten in place on a terminal, one line every few seconds
otherwise: :class:`StatusLine` for free text (the training loop), :class:`ProgressBar` for
done/total with rate and ETA (bucket building)."""
from __future__ import annotations

import math
import sys
import time
from typing import TextIO


def format_eta(seconds: float) -> str:
    """``H:MM:SS``, or ``?`` when unknown (infinite, NaN or negative)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def format_bytes(n: float) -> str:
    """Bytes as B, KiB, MiB, GiB or TiB with one decimal (``1,536.0 B`` never: ``1.5 KiB``)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


class StatusLine:
    """One live line on ``stream``: rewritten on a terminal, printed every ``every`` s otherwise."""

    def __init__(self, stream: TextIO | None = None, every: float = 5.0):
        self.stream = stream or sys.stderr  # (looked up now: a redirected stderr is honoured)
        self.every = every
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_print = 0.0
        self.open = False  # a live line is on the terminal

    def show(self, text: str, force: bool = False) -> None:
        """Print ``text`` (always on a terminal; elsewhere when forced or ``every`` s have passed)."""
        now = time.time()
        if self.tty:
            self.stream.write("\r" + text.ljust(100)[:160])
            self.stream.flush()
            self.open = True
        elif force or now - self.last_print >= self.every:
            self.stream.write(text + "\n")
            self.stream.flush()
            self.last_print = now

    def done(self) -> None:
        """End the live line (once)."""
        if self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False


class ProgressBar:
    """Call ``update(done)``; prints at most every ``every`` seconds (always the last update)."""

    def __init__(self, label: str, total: int, unit: str = "", stream: TextIO | None = None, every: float = 1.0):
        self.label, self.total, self.unit, self.every = label, total, unit, every
        self.line = StatusLine(stream, every)
        self.start = time.time()
        self.last = 0.0

    def update(self, done: int, total: int | None = None) -> None:
        """Report progress."""
        if total is not None:
            self.total = total
        now = time.time()
        if now - self.last < self.every and done < self.total:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        eta = (self.total - done) / rate if rate > 0 else float("inf")
        width = 24
        filled = int(width * done / self.total) if self.total else width
        self.line.show(f"{self.label}: [{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} "
                       f"{self.unit} {rate:,.0f}/s ETA {format_eta(eta)}", force=True)
        if done >= self.total:
            self.line.done()
