"""The ``--csv`` table: one row per process per interval, flushed as it is written.

Owns the column list :data:`CSV_FIELDS` (the file's header, in this order) and the
formatting of a row from a process sample, the machine's CPU%, the run's state, each
process's private memory and the bytes in use in /dev/shm (the shared tables).
"""
from __future__ import annotations

import csv
from pathlib import Path

from holdem.monitor.run_files import RunState
from holdem.monitor.sampling import ProcSample, shm_used

CSV_FIELDS = ["time", "elapsed_s", "pid", "role", "state", "cpu_percent", "rss_bytes", "uss_bytes", "uss_exact",
              "machine_cpu_percent", "iteration", "iterations_per_s", "run_status", "private_bytes", "shm_bytes"]


class CsvLog:
    """A CSV file with the header; one :meth:`write` per interval.

    The file is created at the first row, and when it lies in the run directory of the
    command being monitored (``make monitor``), only once the run has created that
    directory: a directory the monitor made first would not be the trainer's to claim.
    Rows wait in memory until then (written at :meth:`close` at the latest)."""

    def __init__(self, path: Path, run_dir: Path | None = None, force: bool = False):
        self.path = Path(path)
        self.wait_for = run_dir if run_dir is not None and self.path.parent.resolve() == Path(run_dir).resolve() else None
        self.mode = "w" if force else "x"  # the CLI refused an existing file without --force
        self.file = None
        self.writer = None
        self.pending: list[dict[str, object]] = []

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(self.path, self.mode, newline="")
        self.writer = csv.DictWriter(self.file, CSV_FIELDS)
        self.writer.writeheader()
        self.writer.writerows(self.pending)
        self.pending = []

    def write(self, now: float, start: float, rows: list[ProcSample], machine: float, run: RunState) -> None:
        """One row per sampled process at time now (start: when monitoring began)."""
        if self.file is None and (self.wait_for is None or self.wait_for.is_dir()):
            self._open()
        shm = shm_used()
        for r in rows:
            row = {"time": f"{now:.3f}", "elapsed_s": f"{now - start:.3f}", "pid": r.pid,
                                  "role": r.role, "state": r.state, "cpu_percent": f"{r.cpu:.1f}",
                                  "rss_bytes": r.rss, "uss_bytes": r.uss, "uss_exact": int(r.uss_exact),
                                  "machine_cpu_percent": f"{machine:.1f}",
                                  "iteration": "" if run.iteration is None else run.iteration,
                                  "iterations_per_s": "" if run.iterations_per_s is None else run.iterations_per_s,
                                  "run_status": run.status or "", "private_bytes": r.private, "shm_bytes": shm}
            if self.writer is None:
                self.pending.append(row)
            else:
                self.writer.writerow(row)
        if self.file is not None:
            self.file.flush()

    def close(self) -> None:
        """Write what is pending and close the file."""
        if self.file is None:
            self._open()
        self.file.close()
