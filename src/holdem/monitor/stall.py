"""Stall detection: workers idle too long, or an iteration counter that stops moving.

Owns :class:`StallDetector`, which is fed one interval of worker samples and the run's
iteration at a time, remembers since when each worker has been under the CPU threshold and
since when the counter has stood still, reports each stall once (as a warning text and an
event for the summary), and forgets it all while the run is not running.
"""
from __future__ import annotations

from typing import Any

from holdem.monitor.sampling import ProcSample


class StallDetector:
    """Tracks low-CPU workers and a frozen iteration counter; reports each stall once."""

    def __init__(self, cpu_threshold: float, window: float):
        self.cpu_threshold = cpu_threshold
        self.window = window
        self.low_since: dict[int, float] = {}
        self.reported: set[int] = set()
        self.iteration: int | None = None
        self.iteration_since: float | None = None
        self.iteration_reported = False
        self.events: list[dict[str, Any]] = []

    def pause(self) -> None:
        """Not running (paused, stopping, coordinator busy alone): nothing counts."""
        self.low_since.clear()
        self.iteration_since = None

    def update(self, now: float, coordinator: int, workers: list[ProcSample], iteration: int | None) -> list[str]:
        """Feed one interval; return warnings for stalls found in it."""
        warnings = []
        low = []
        for w in workers:
            if w.cpu_fresh:
                continue
            if w.cpu < self.cpu_threshold:
                since = self.low_since.setdefault(w.pid, now)
                if now - since >= self.window and w.pid not in self.reported:
                    low.append((w, now - since))
            else:
                self.low_since.pop(w.pid, None)
                self.reported.discard(w.pid)
        for pid in list(self.low_since):
            if pid not in {w.pid for w in workers}:
                del self.low_since[pid]
        if low:
            names = ", ".join(f"pid {w.pid} ({w.cpu:.0f}% CPU for {dt:.1f}s, {w.state})" for w, dt in low)
            warnings.append(f"STALL: worker(s) under {self.cpu_threshold:g}% CPU for "
                            f"{self.window:g}s while the run is running: {names}")
            self.reported.update(w.pid for w, _ in low)
            self.events.append({"time": now, "kind": "worker_cpu", "pids": [w.pid for w, _ in low]})
        if iteration is not None:
            if iteration != self.iteration or self.iteration_since is None:
                self.iteration, self.iteration_since = iteration, now
                self.iteration_reported = False
            elif now - self.iteration_since >= self.window and not self.iteration_reported:
                self.iteration_reported = True
                idle = [w for w in workers if w.cpu < self.cpu_threshold]
                detail = ", ".join(f"pid {w.pid} ({w.cpu:.0f}% CPU, {w.state})" for w in idle) or "none idle"
                warnings.append(f"STALL: iteration counter stuck at {iteration:,} for "
                                f"{now - self.iteration_since:.1f}s (coordinator pid {coordinator}; "
                                f"low-CPU workers: {detail})")
                self.events.append({"time": now, "kind": "iteration", "iteration": iteration,
                                    "pids": [coordinator] + [w.pid for w in idle]})
        return warnings
