"""The ``--csv`` table: one row per process per interval, flushed as it is written.

Owns the column list :data:`CSV_FIELDS` (the file's header, in this order) and the
formatting of a row from a process sample, the machine's CPU% and the run's state.
"""
from __future__ import annotations

import csv
from pathlib import Path

from holdem.monitor.run_files import RunState
from holdem.monitor.sampling import ProcSample

CSV_FIELDS = ["time", "elapsed_s", "pid", "role", "state", "cpu_percent", "rss_bytes", "uss_bytes", "uss_exact",
              "machine_cpu_percent", "iteration", "iterations_per_s", "run_status"]


class CsvLog:
    """A CSV file with the header written; one :meth:`write` per interval."""

    def __init__(self, path: Path):
        self.file = open(path, "w", newline="")
        self.writer = csv.DictWriter(self.file, CSV_FIELDS)
        self.writer.writeheader()

    def write(self, now: float, start: float, rows: list[ProcSample], machine: float, run: RunState) -> None:
        """One row per sampled process at time now (start: when monitoring began)."""
        for r in rows:
            self.writer.writerow({"time": f"{now:.3f}", "elapsed_s": f"{now - start:.3f}", "pid": r.pid,
                                  "role": r.role, "state": r.state, "cpu_percent": f"{r.cpu:.1f}",
                                  "rss_bytes": r.rss, "uss_bytes": r.uss, "uss_exact": int(r.uss_exact),
                                  "machine_cpu_percent": f"{machine:.1f}",
                                  "iteration": "" if run.iteration is None else run.iteration,
                                  "iterations_per_s": "" if run.iterations_per_s is None else run.iterations_per_s,
                                  "run_status": run.status or ""})
        self.file.flush()

    def close(self) -> None:
        """Close the file."""
        self.file.close()
