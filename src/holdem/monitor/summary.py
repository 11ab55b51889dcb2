"""The summary's figures: what is accumulated over the intervals and the summary dict built from it.

Owns :class:`ProcStats` (per process: the CPU% samples, peak RSS/USS, last state) and
:class:`Totals` (samples, machine CPU%, iterations/s, peak total memory, whether USS was
readable everywhere), and turns them into the summary that is printed and written with
``--summary-json`` (its keys and their order are part of that file's format).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from holdem.monitor.run_files import RunState
from holdem.monitor.sampling import ProcSample, shm_used


@dataclass
class ProcStats:
    """Accumulated per-process figures for the summary."""

    role: str
    cpu: list[float] = field(default_factory=list)
    peak_rss: int = 0
    peak_uss: int = 0
    last_state: str = ""


class Totals:
    """Figures accumulated over the intervals for the summary."""

    def __init__(self) -> None:
        self.stats: dict[int, ProcStats] = {}
        self.machine_cpu: list[float] = []
        self.rates: list[float] = []
        self.peak_rss_total = 0
        self.peak_uss_total = 0
        self.peak_footprint = 0  # private memory of every process + /dev/shm: what the run takes
        self.uss_exact = True
        self.samples = 0

    def add(self, rows: list[ProcSample], machine: float, run: RunState) -> None:
        """Account one interval: its process samples, the machine's CPU% and the run's state."""
        self.samples += 1
        self.machine_cpu.append(machine)
        if run.iterations_per_s is not None:
            self.rates.append(float(run.iterations_per_s))
        rss_total = sum(r.rss for r in rows)
        uss_total = sum(r.uss for r in rows)
        self.peak_rss_total = max(self.peak_rss_total, rss_total)
        self.peak_uss_total = max(self.peak_uss_total, uss_total)
        self.peak_footprint = max(self.peak_footprint, sum(r.private for r in rows) + shm_used())
        for r in rows:
            st = self.stats.setdefault(r.pid, ProcStats(r.role))
            if not r.cpu_fresh:
                st.cpu.append(r.cpu)
            st.peak_rss = max(st.peak_rss, r.rss)
            st.peak_uss = max(st.peak_uss, r.uss)
            st.last_state = r.state
            self.uss_exact &= r.uss_exact

    def summary(self, seconds: float, run_dir: Path | None, run: RunState,
                stalls: list[dict[str, Any]]) -> dict[str, Any]:
        """Mean/min CPU per process, peak memory, stalls."""
        procs = []
        for pid, st in self.stats.items():
            procs.append({"pid": pid, "role": st.role, "samples": len(st.cpu),
                          "mean_cpu": round(sum(st.cpu) / len(st.cpu), 1) if st.cpu else None,
                          "min_cpu": round(min(st.cpu), 1) if st.cpu else None,
                          "peak_rss_bytes": st.peak_rss, "peak_uss_bytes": st.peak_uss, "last_state": st.last_state})
        return {"seconds": round(seconds, 1), "samples": self.samples,
                "run_dir": str(run_dir) if run_dir else None, "run_status": run.status,
                "iteration": run.iteration,
                "mean_iterations_per_s": round(sum(self.rates) / len(self.rates), 1) if self.rates else None,
                "mean_machine_cpu": (round(sum(self.machine_cpu) / len(self.machine_cpu), 1)
                                     if self.machine_cpu else None),
                "peak_rss_total_bytes": self.peak_rss_total, "peak_uss_total_bytes": self.peak_uss_total,
                "peak_footprint_bytes": self.peak_footprint,
                "uss_exact": self.uss_exact, "processes": procs,
                "stall": bool(stalls), "stalls": stalls}
