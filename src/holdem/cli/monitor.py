"""Watch a training run: CPU% and memory of the coordinator and each worker, iterations/s, stalls.

    python -m holdem.cli.monitor --pid PID            attach to a coordinator (workers = its children)
    python -m holdem.cli.monitor --run DIR            attach to the run in DIR (pid from run.json)
    python -m holdem.cli.monitor [options] -- CMD...  start CMD (a training command), monitor it,
                                                      forward Ctrl-C/SIGTERM to it, exit with its code

Every ``--interval`` seconds: each process's CPU% (psutil; the first sample of a process is its
average since it started), RSS and USS (pages private to the process: shared tables are not
counted per worker; RSS when USS is not readable), state; the machine's CPU%; the run's
iteration and iterations/s from ``metrics.jsonl`` when the run directory is known (``--run``,
``--logdir`` of CMD, or the ``metrics.jsonl`` the coordinator has open). On a terminal the table
is rewritten in place, otherwise one block per interval; ``--csv FILE`` writes one row per process
per interval.

Stall: a worker under ``--stall-cpu`` % CPU for ``--stall-window`` seconds, or an iteration
counter that does not move for that long, while run.json says ``running``. Time the
coordinator spends working alone (snapshot, evaluation, discount: the workers wait at a
barrier then) does not count. A stall prints a warning naming the pids; with ``--fail-on-stall``
the monitor stops (stopping the run it started) and exits with status 3.

A summary (CPU per process, peak memory, stalls) is printed at the end: when the monitored
process exits, after ``--duration`` seconds (a run the monitor started is then stopped with
SIGINT, which writes its final snapshot), on Ctrl-C, or on a stall with ``--fail-on-stall``.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import psutil

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_STALL = 3
STOP_TIMEOUT = 120.0  # seconds a stopped run gets to write its final snapshot before a second SIGINT
KILL_TIMEOUT = 30.0   # seconds after the second SIGINT before the run's process group is killed
CSV_FIELDS = ["time", "elapsed_s", "pid", "role", "state", "cpu_percent", "rss_bytes", "uss_bytes", "uss_exact",
              "machine_cpu_percent", "iteration", "iterations_per_s", "run_status"]


@dataclass
class ProcSample:
    """One process at one interval."""

    pid: int
    role: str
    state: str
    cpu: float
    cpu_fresh: bool  # first sight: cpu is the average since the process started
    rss: int
    uss: int
    uss_exact: bool


@dataclass
class RunState:
    """What the run directory says (None where unknown)."""

    status: str | None = None
    iteration: int | None = None
    iterations_per_s: float | None = None
    updated: float | None = None  # when run.json was last written (time.time())


@dataclass
class ProcStats:
    """Accumulated per-process figures for the summary."""

    role: str
    cpu: list[float] = field(default_factory=list)
    peak_rss: int = 0
    peak_uss: int = 0
    last_state: str = ""


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON file, or None while it is missing or half written."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def last_metrics_record(path: Path, max_bytes: int = 1 << 22) -> dict[str, Any] | None:
    """The last progress record (one with iterations_per_s) of a metrics.jsonl, read from its end."""
    try:
        size = path.stat().st_size
        f = open(path, "rb")
    except OSError:
        return None
    chunk = 16384
    with f:
        while True:
            start = max(0, size - chunk)
            f.seek(start)
            lines = f.read(size - start).split(b"\n")
            if start > 0:
                lines = lines[1:]  # the first line may be cut
            for line in reversed(lines):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # the writer's last line may be incomplete
                if isinstance(rec, dict) and "iterations_per_s" in rec:
                    return rec
            if start == 0 or chunk >= max_bytes:
                return None
            chunk *= 4


def logdir_of(command: list[str]) -> Path | None:
    """The ``--logdir`` value of a training command, if it has one."""
    for i, arg in enumerate(command):
        if arg == "--logdir" and i + 1 < len(command):
            return Path(command[i + 1])
        if arg.startswith("--logdir="):
            return Path(arg.split("=", 1)[1])
    return None


def _is_helper(proc: psutil.Process) -> bool:
    """multiprocessing's resource tracker is a child of the coordinator but not a worker."""
    try:
        return "resource_tracker" in " ".join(proc.cmdline())
    except psutil.Error:
        return True


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


class Monitor:
    """Samples a run's processes every interval; prints, writes CSV, detects stalls, summarises."""

    def __init__(self, args: argparse.Namespace, pid: int, run_dir: Path | None, child: subprocess.Popen | None,
                 out: TextIO = sys.stdout, err: TextIO = sys.stderr):
        self.args = args
        self.pid = pid
        self.run_dir = run_dir
        self.child = child
        self.out, self.err = out, err
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.procs: dict[int, psutil.Process] = {}
        self.stats: dict[int, ProcStats] = {}
        self.detector = StallDetector(args.stall_cpu, args.stall_window)
        self.machine_cpu: list[float] = []
        self.rates: list[float] = []
        self.peak_rss_total = 0
        self.peak_uss_total = 0
        self.uss_exact = True
        self.samples = 0
        self.start = time.time()
        self.prev_lines = 0
        self.stopping = False  # a stop was requested: shutdown idling is not a stall
        self.signals = 0
        self.last_run = RunState()
        self._metrics_size = -1
        self._metrics_rec: dict[str, Any] | None = None
        self.csv_file = open(args.csv, "w", newline="") if args.csv else None
        self.csv = csv.DictWriter(self.csv_file, CSV_FIELDS) if self.csv_file else None
        if self.csv:
            self.csv.writeheader()
        psutil.cpu_percent(None)  # prime the machine-wide counter

    # -- sampling -------------------------------------------------------------------------
    def _proc(self, pid: int) -> psutil.Process | None:
        proc = self.procs.get(pid)
        if proc is None:
            try:
                proc = psutil.Process(pid)
                proc.cpu_percent(None)  # prime: the next call measures the interval
            except psutil.Error:
                return None
            self.procs[pid] = proc
        return proc

    def _sample(self, pid: int, role: str, fresh: bool) -> ProcSample | None:
        proc = self._proc(pid)
        if proc is None:
            return None
        try:
            with proc.oneshot():
                state = proc.status()
                if fresh:
                    t = proc.cpu_times()
                    cpu = 100.0 * (t.user + t.system) / max(1e-3, time.time() - proc.create_time())
                else:
                    cpu = proc.cpu_percent(None)
                try:
                    info = proc.memory_full_info()
                    rss, uss, exact = info.rss, info.uss, True
                except psutil.AccessDenied:
                    rss = proc.memory_info().rss
                    uss, exact = rss, False
        except psutil.Error:  # gone (or a zombie) since it was listed
            self.procs.pop(pid, None)
            return None
        return ProcSample(pid, role, state, cpu, fresh, rss, uss, exact)

    def _workers(self) -> list[int]:
        try:
            children = psutil.Process(self.pid).children(recursive=False)
        except psutil.Error:
            return []
        return sorted(c.pid for c in children if not _is_helper(c))

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
            self._find_run_dir()
        if self.run_dir is None:
            return RunState()
        info = read_json(self.run_dir / "run.json")
        self._resolve_coordinator(info)
        if info is None or info.get("pid") != self.pid:
            return RunState()  # not this run's (yet): a previous run's files would mislead
        state = RunState(status=info.get("status"), iteration=info.get("iteration"), updated=info.get("updated"))
        path = self.run_dir / "metrics.jsonl"
        try:
            size = path.stat().st_size
        except OSError:
            size = -1
        if size != self._metrics_size:
            self._metrics_size = size
            self._metrics_rec = last_metrics_record(path) if size > 0 else None
        if self._metrics_rec is not None:
            state.iterations_per_s = self._metrics_rec.get("iterations_per_s")
            it = self._metrics_rec.get("iteration")
            if it is not None and (state.iteration is None or it > state.iteration):
                state.iteration = it
        return state

    def _find_run_dir(self) -> None:
        """The run directory of the metrics.jsonl the coordinator keeps open."""
        try:
            for f in psutil.Process(self.pid).open_files():
                if f.path.endswith("/metrics.jsonl"):
                    self.run_dir = Path(f.path).parent
                    return
        except psutil.Error:
            pass

    def tick(self) -> list[str]:
        """Take one sample of every process; print it; return stall warnings."""
        now = time.time()
        run = self._run_state()
        self.last_run = run
        machine = psutil.cpu_percent(None)
        rows: list[ProcSample] = []
        fresh_pids = set()
        for pid, role in [(self.pid, "coordinator")] + [(w, "worker") for w in self._workers()]:
            fresh = pid not in self.procs
            s = self._sample(pid, role, fresh)
            if s is not None:
                rows.append(s)
                if fresh:
                    fresh_pids.add(pid)
        self.samples += 1
        self.machine_cpu.append(machine)
        if run.iterations_per_s is not None:
            self.rates.append(float(run.iterations_per_s))
        rss_total = sum(r.rss for r in rows)
        uss_total = sum(r.uss for r in rows)
        self.peak_rss_total = max(self.peak_rss_total, rss_total)
        self.peak_uss_total = max(self.peak_uss_total, uss_total)
        for r in rows:
            st = self.stats.setdefault(r.pid, ProcStats(r.role))
            if not r.cpu_fresh:
                st.cpu.append(r.cpu)
            st.peak_rss = max(st.peak_rss, r.rss)
            st.peak_uss = max(st.peak_uss, r.uss)
            st.last_state = r.state
            self.uss_exact &= r.uss_exact
        self._write_csv(now, rows, machine, run)
        self._print_block(now, rows, machine, run)
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

    # -- output ---------------------------------------------------------------------------
    def _write_csv(self, now: float, rows: list[ProcSample], machine: float, run: RunState) -> None:
        if self.csv is None:
            return
        for r in rows:
            self.csv.writerow({"time": f"{now:.3f}", "elapsed_s": f"{now - self.start:.3f}", "pid": r.pid,
                               "role": r.role, "state": r.state, "cpu_percent": f"{r.cpu:.1f}", "rss_bytes": r.rss,
                               "uss_bytes": r.uss, "uss_exact": int(r.uss_exact),
                               "machine_cpu_percent": f"{machine:.1f}",
                               "iteration": "" if run.iteration is None else run.iteration,
                               "iterations_per_s": "" if run.iterations_per_s is None else run.iterations_per_s,
                               "run_status": run.status or ""})
        self.csv_file.flush()

    def _print_block(self, now: float, rows: list[ProcSample], machine: float, run: RunState) -> None:
        head = [time.strftime("%H:%M:%S", time.localtime(now)), f"machine CPU {machine:.0f}%"]
        if run.iteration is not None:
            head.append(f"iter {run.iteration:,}")
        if run.iterations_per_s is not None:
            head.append(f"{run.iterations_per_s:,.0f} it/s")
        if run.status is not None:
            head.append(f"status {run.status}")
        if run.updated is not None and now - run.updated > 2 * self.args.interval:
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

    def summary(self) -> dict[str, Any]:
        """Mean/min CPU per process, peak memory, stalls."""
        procs = []
        for pid, st in self.stats.items():
            procs.append({"pid": pid, "role": st.role, "samples": len(st.cpu),
                          "mean_cpu": round(sum(st.cpu) / len(st.cpu), 1) if st.cpu else None,
                          "min_cpu": round(min(st.cpu), 1) if st.cpu else None,
                          "peak_rss_bytes": st.peak_rss, "peak_uss_bytes": st.peak_uss, "last_state": st.last_state})
        return {"seconds": round(time.time() - self.start, 1), "samples": self.samples,
                "run_dir": str(self.run_dir) if self.run_dir else None, "run_status": self.last_run.status,
                "iteration": self.last_run.iteration,
                "mean_iterations_per_s": round(sum(self.rates) / len(self.rates), 1) if self.rates else None,
                "mean_machine_cpu": (round(sum(self.machine_cpu) / len(self.machine_cpu), 1)
                                     if self.machine_cpu else None),
                "peak_rss_total_bytes": self.peak_rss_total, "peak_uss_total_bytes": self.peak_uss_total,
                "uss_exact": self.uss_exact, "processes": procs,
                "stall": bool(self.detector.events), "stalls": self.detector.events}

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
            try:
                self.child.send_signal(signum)
            except OSError:
                pass

    def stop_child(self) -> None:
        """SIGINT (final snapshot), a second SIGINT if it takes too long, then kill its group."""
        if self.child is None or self.child.poll() is not None:
            return
        self.stopping = True
        for sig, timeout in ((signal.SIGINT, self.args.stop_timeout), (signal.SIGINT, KILL_TIMEOUT)):
            try:
                self.child.send_signal(sig)
            except OSError:
                pass
            try:
                self.child.wait(timeout=timeout)
                return
            except subprocess.TimeoutExpired:
                self.warn(f"run pid {self.child.pid} still running {timeout:.0f}s after SIGINT")
        self.warn(f"killing the run's process group {self.child.pid}")
        kill_group(self.child)

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
            if self.csv_file:
                self.csv_file.close()
        final = self._run_state()  # the status the run ended with (interrupted, finished, ...)
        if final.status is not None:
            self.last_run = final
        s = self.summary()
        self.print_summary(s)
        if self.args.summary_json:
            Path(self.args.summary_json).write_text(json.dumps(s, indent=1) + "\n")
        if stalled and self.args.fail_on_stall:
            return EXIT_STALL
        if self.child is not None:
            code = self.child.returncode
            return 128 - code if code is not None and code < 0 else (code or 0)
        return EXIT_OK


def kill_group(child: subprocess.Popen) -> None:
    """SIGKILL a started run and its workers (its own process group); wait for it."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except OSError:
        child.kill()
    child.wait(timeout=KILL_TIMEOUT)


def build_parser() -> argparse.ArgumentParser:
    """The monitor's options (the training command, if any, follows ``--``)."""
    p = argparse.ArgumentParser(prog="holdem-monitor", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    target = p.add_argument_group("what to monitor (or a command after --)")
    target.add_argument("--pid", type=int, help="coordinator pid (its children are the workers)")
    target.add_argument("--run", type=Path, help="run directory (the pid is read from run.json)")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between samples (default 2)")
    p.add_argument("--csv", type=Path, help="write one row per process per interval")
    p.add_argument("--stall-cpu", type=float, default=20.0, dest="stall_cpu",
                   help="a worker under this CPU%% ... (default 20)")
    p.add_argument("--stall-window", type=float, default=30.0, dest="stall_window",
                   help="... for this many seconds is stalled; so is an iteration counter frozen "
                        "this long (default 30)")
    p.add_argument("--fail-on-stall", action="store_true", dest="fail_on_stall",
                   help="on a stall, stop (and stop a run started here) and exit with status 3")
    p.add_argument("--duration", type=float, help="stop monitoring after SEC seconds (a run started here gets SIGINT)")
    p.add_argument("--stop-timeout", type=float, default=STOP_TIMEOUT, dest="stop_timeout",
                   help="seconds a run started here gets to stop after SIGINT (default 120)")
    p.add_argument("--summary-json", type=Path, dest="summary_json", help="also write the summary as JSON")
    return p


def _fail(text: str) -> int:
    print(f"holdem-monitor: error: {text}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, command = argv[:i], argv[i + 1:]
    args = build_parser().parse_args(argv)
    if args.interval <= 0 or args.stall_window <= 0 or (args.duration is not None and args.duration <= 0):
        return _fail("--interval, --stall-window and --duration must be positive")
    if bool(command) == bool(args.pid or args.run):
        return _fail("give --pid PID or --run DIR to attach, or a command after -- to start (not both)")
    if args.csv:
        try:  # fail before starting anything
            args.csv.parent.mkdir(parents=True, exist_ok=True)
            args.csv.open("w").close()
        except OSError as e:
            return _fail(f"{args.csv}: cannot write ({e.strerror})")
    run_dir: Path | None = args.run
    child = None
    if command:
        run_dir = logdir_of(command)
        try:
            # own process group: a terminal Ctrl-C reaches only us, and we forward exactly one
            child = subprocess.Popen(command, process_group=0)
        except OSError as e:
            return _fail(f"cannot start {command[0]}: {e.strerror}")
        pid = child.pid
    else:
        pid = args.pid
        if pid is None:
            info = read_json(args.run / "run.json")
            if info is None or "pid" not in info:
                return _fail(f"{args.run / 'run.json'}: missing or unreadable; is {args.run} a run directory?")
            pid = int(info["pid"])
            if not psutil.pid_exists(pid):
                return _fail(f"{args.run}: the run is not running (status {info.get('status')!r}, pid {pid} gone)")
        elif not psutil.pid_exists(pid):
            return _fail(f"no process with pid {pid}")
    monitor = Monitor(args, pid, run_dir, child)
    previous = {sig: signal.signal(sig, monitor.on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        return monitor.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child is not None and child.poll() is None:  # only after an unexpected error in run()
            kill_group(child)


if __name__ == "__main__":
    sys.exit(main())
