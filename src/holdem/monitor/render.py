"""Terminal output: the per-interval block, warnings, and the printed summary.

Owns :class:`Display`: on a terminal each interval's table is written over the previous one
(a warning on stderr ends that, the next table starts below it), otherwise one block per
interval followed by a blank line; and the text form of the summary on stdout.
"""
from __future__ import annotations

import time
from typing import Any, TextIO

from holdem.monitor.run_files import RunState
from holdem.monitor.sampling import ProcSample


class Display:
    """Writes the live table and the summary to out, warnings to err."""

    def __init__(self, out: TextIO, err: TextIO):
        self.out, self.err = out, err
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.prev_lines = 0

    def block(self, now: float, rows: list[ProcSample], machine: float, run: RunState, interval: float) -> None:
        """One interval's table (over the previous one on a terminal)."""
        head = [time.strftime("%H:%M:%S", time.localtime(now)), f"machine CPU {machine:.0f}%"]
        if run.iteration is not None:
            head.append(f"iter {run.iteration:,}")
        if run.iterations_per_s is not None:
            head.append(f"{run.iterations_per_s:,.0f} it/s")
        if run.status is not None:
            head.append(f"status {run.status}")
        if run.updated is not None and now - run.updated > 2 * interval:
            head.append(f"(run.json written {now - run.updated:.0f}s ago)")
        lines = ["  ".join(head),
                 f"  {'role':<12} {'pid':>8} {'state':<10} {'CPU%':>6} {'RSS MiB':>9} {'USS MiB':>9}"]
        for r in rows:
            lines.append(f"  {r.role:<12} {r.pid:>8} {r.state:<10} {r.cpu:>6.0f} {r.rss / 2**20:>9.1f} "
                         f"{r.uss / 2**20:>9.1f}")
        lines.append(f"  {'total':<12} {'':>8} {'':<10} {sum(r.cpu for r in rows):>6.0f} "
                     f"{sum(r.rss for r in rows) / 2**20:>9.1f} {sum(r.uss for r in rows) / 2**20:>9.1f}")
        if self.tty and self.prev_lines:
            self.out.write(f"\x1b[{self.prev_lines}F\x1b[J")  # back to the previous block, clear it
        self.out.write("\n".join(lines) + "\n" + ("" if self.tty else "\n"))
        self.out.flush()
        self.prev_lines = len(lines)

    def warn(self, text: str) -> None:
        """A warning on stderr (the live table starts again below it)."""
        self.err.write(f"holdem-monitor: {text}\n")
        self.err.flush()
        self.prev_lines = 0

    def print_summary(self, s: dict[str, Any]) -> None:
        """The summary as text on stdout."""
        w = self.out.write
        w(f"\nmonitor summary: {s['seconds']:.1f}s, {s['samples']} samples"
          + (f", run {s['run_dir']} (status {s['run_status']})" if s["run_dir"] else "") + "\n")
        w(f"  {'role':<12} {'pid':>8} {'mean CPU%':>10} {'min CPU%':>9} {'peak RSS MiB':>13} {'peak USS MiB':>13}\n")
        for p in s["processes"]:
            mean = "-" if p["mean_cpu"] is None else f"{p['mean_cpu']:.0f}"
            low = "-" if p["min_cpu"] is None else f"{p['min_cpu']:.0f}"
            w(f"  {p['role']:<12} {p['pid']:>8} {mean:>10} {low:>9} {p['peak_rss_bytes'] / 2**20:>13.1f} "
              f"{p['peak_uss_bytes'] / 2**20:>13.1f}\n")
        uss = "USS" if s["uss_exact"] else "USS (RSS where USS was not readable)"
        w(f"  peak total: RSS {s['peak_rss_total_bytes'] / 2**20:.1f} MiB, {uss} "
          f"{s['peak_uss_total_bytes'] / 2**20:.1f} MiB; mean machine CPU "
          + ("-" if s["mean_machine_cpu"] is None else f"{s['mean_machine_cpu']:.0f}%") + "\n")
        if s.get("peak_footprint_bytes"):
            w(f"  peak footprint (private memory of the processes + /dev/shm): "
              f"{s['peak_footprint_bytes'] / 2**20:.1f} MiB\n")
        if s["iteration"] is not None:
            rate = "-" if s["mean_iterations_per_s"] is None else f"{s['mean_iterations_per_s']:,.0f}"
            w(f"  iterations: {s['iteration']:,} (mean {rate} it/s)\n")
        if s["stall"]:
            for e in s["stalls"]:
                w(f"  stall: YES at {time.strftime('%H:%M:%S', time.localtime(e['time']))} ({e['kind']}): "
                  f"pid(s) {', '.join(str(p) for p in e['pids'])}\n")
        else:
            w("  stall: none\n")
        self.out.flush()
