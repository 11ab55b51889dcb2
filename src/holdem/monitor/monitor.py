"""The monitoring loop: :class:`Monitor` ties sampling, run files, stalls, CSV, output and the child together.

Owns the order of one interval (read the run's state, sample the coordinator and its
workers, account, write the CSV row, print the block, check for stalls), when a stall counts
(not while the run is paused or stopping, nor while the coordinator works alone), following
a wrapper command to the real coordinator, the loop's end (the process exits, ``--duration``,
Ctrl-C, a stall with ``--fail-on-stall``), and the exit status that follows.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import psutil

from holdem.core.files import write_atomic
from holdem.monitor.child import forward_signal, stop_child
from holdem.monitor.csv_log import CsvLog
from holdem.monitor.render import Display
from holdem.monitor.run_files import MetricsTail, RunState, metrics_dir_of, read_json, run_state
from holdem.monitor.sampling import ProcSample, Sampler, worker_pids
from holdem.monitor.stall import StallDetector
from holdem.monitor.summary import Totals

EXIT_OK = 0
EXIT_STALL = 3


class Monitor:
    """Samples a run's processes every interval; prints, writes CSV, detects stalls, summarises."""

    def __init__(self, args: argparse.Namespace, pid: int, run_dir: Path | None, child: subprocess.Popen | None,
                 out: TextIO = sys.stdout, err: TextIO = sys.stderr):
        self.args = args
        self.pid = pid
        self.run_dir = run_dir
        self.child = child
        self.display = Display(out, err)
        self.sampler = Sampler()
        self.totals = Totals()
        self.detector = StallDetector(args.stall_cpu, args.stall_window)
        self.start = time.time()
        self.stopping = False  # a stop was requested: shutdown idling is not a stall
        self.signals = 0
        self.last_run = RunState()
        self.metrics = MetricsTail()
        self.csv = CsvLog(args.csv, run_dir if child is not None else None, args.force) if args.csv else None
        psutil.cpu_percent(None)  # prime the machine-wide counter

    # -- the run's state ------------------------------------------------------------------
    def _resolve_coordinator(self, info: dict[str, Any] | None) -> None:
        """When CMD is a wrapper (make, a shell), follow run.json to the real coordinator below it."""
        if self.child is None or info is None or info.get("pid") in (None, self.pid):
            return
        try:
            below = {p.pid for p in psutil.Process(self.child.pid).children(recursive=True)}
        except psutil.Error:
            return
        if info["pid"] in below:
            self.pid = int(info["pid"])

    def _run_state(self) -> RunState:
        if self.run_dir is None:
            self.run_dir = metrics_dir_of(self.pid)
        if self.run_dir is None:
            return RunState()
        info = read_json(self.run_dir / "run.json")
        self._resolve_coordinator(info)
        if info is None or info.get("pid") != self.pid:
            return RunState()  # not this run's (yet): a previous run's files would mislead
        return run_state(info, self.metrics.latest(self.run_dir / "metrics.jsonl"))

    # -- one interval ---------------------------------------------------------------------
    def tick(self) -> list[str]:
        """Take one sample of every process; print it; return stall warnings."""
        now = time.time()
        run = self._run_state()
        self.last_run = run
        machine = psutil.cpu_percent(None)
        rows: list[ProcSample] = []
        for pid, role in [(self.pid, "coordinator")] + [(w, "worker") for w in worker_pids(self.pid)]:
            s = self.sampler.sample(pid, role, not self.sampler.seen(pid))
            if s is not None:
                rows.append(s)
        self.totals.add(rows, machine, run)
        if self.csv is not None:
            self.csv.write(now, self.start, rows, machine, run)
        self.display.block(now, rows, machine, run, self.args.interval)
        return self._stalls(now, rows, run)

    def _stalls(self, now: float, rows: list[ProcSample], run: RunState) -> list[str]:
        coordinator = next((r for r in rows if r.role == "coordinator"), None)
        workers = [r for r in rows if r.role == "worker"] or ([coordinator] if coordinator else [])
        # status known and not running (paused, finished), or we asked the run to stop: no stall
        paused = self.stopping or (run.status is not None and run.status != "running")
        # the coordinator working while the workers wait (snapshot, evaluation, discount)
        alone = (coordinator is not None and workers and workers[0] is not coordinator
                 and not coordinator.cpu_fresh and coordinator.cpu >= self.args.stall_cpu)
        if paused or alone:
            self.detector.pause()
            return []
        return self.detector.update(now, self.pid, workers, run.iteration)

    def warn(self, text: str) -> None:
        """A warning on stderr (the live table starts again below it)."""
        self.display.warn(text)

    def summary(self) -> dict[str, Any]:
        """Mean/min CPU per process, peak memory, stalls."""
        return self.totals.summary(time.time() - self.start, self.run_dir, self.last_run, self.detector.events)

    # -- main loop ------------------------------------------------------------------------
    def _alive(self) -> bool:
        if self.child is not None:
            return self.child.poll() is None
        try:
            return psutil.Process(self.pid).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def _sleep(self, seconds: float) -> None:
        """Wait, returning early when the monitored process exits."""
        if seconds <= 0:
            return
        if self.child is not None:
            try:
                self.child.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                pass
            return
        try:
            psutil.wait_procs([psutil.Process(self.pid)], timeout=seconds)
        except psutil.Error:
            pass

    def on_signal(self, signum: int, frame: Any) -> None:
        """Ctrl-C/SIGTERM/SIGHUP: forwarded to a run we started; otherwise monitoring ends."""
        self.signals += 1
        if self.child is not None and self.child.poll() is None:
            self.stopping = True
            forward_signal(self.child, signum)

    def stop_child(self) -> None:
        """SIGINT (final snapshot), a second SIGINT if it takes too long, then kill its group."""
        if self.child is None or self.child.poll() is not None:
            return
        self.stopping = True
        stop_child(self.child, self.args.stop_timeout, self.warn)

    def run(self) -> int:
        """Monitor until the process exits, the duration ends, Ctrl-C, or a stall (--fail-on-stall)."""
        stalled = False
        deadline = self.start + self.args.duration if self.args.duration else None
        try:
            while self._alive():
                if self.signals and self.child is None:
                    break  # Ctrl-C while attached: stop watching, leave the run alone
                t0 = time.time()
                for text in self.tick():
                    self.warn(text)
                    stalled = True
                if stalled and self.args.fail_on_stall:
                    break
                if deadline is not None and time.time() >= deadline:
                    break
                wait = self.args.interval - (time.time() - t0)
                if deadline is not None:
                    wait = min(wait, deadline - time.time())
                self._sleep(wait)
        finally:
            self.stop_child()
            if self.csv is not None:
                self.csv.close()
        final = self._run_state()  # the status the run ended with (interrupted, finished, ...)
        if final.status is not None:
            self.last_run = final
        s = self.summary()
        self.display.print_summary(s)
        if self.args.summary_json:
            write_atomic(Path(self.args.summary_json), json.dumps(s, indent=1) + "\n")
        if stalled and self.args.fail_on_stall:
            return EXIT_STALL
        if self.child is not None:
            code = self.child.returncode
            return 128 - code if code is not None and code < 0 else (code or 0)
        return EXIT_OK
