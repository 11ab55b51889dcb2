"""The training loop of a run: budget, progress line, metrics, snapshots, Ctrl-C.

It drives an engine (:class:`holdem.runtime.engine.Engine`) until the iteration or time
budget is spent or a signal arrives, and always ends with ``final/``.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from holdem.config import RunConfig
from holdem.core.progress import StatusLine, format_eta
from holdem.mccfr.best_response import SMALL_GAME_DEALS, deal_table, exploitability
from holdem.mccfr.external_sampling import table_arrays
from holdem.mccfr.problem import Problem, deal_count
from holdem.run import current_snapshots
from holdem.run.metrics import MetricsWriter, table_statistics
from holdem.run.signals import StopFlag
from holdem.run.snapshot import prune_snapshots, save_snapshot
from holdem.runtime.coordinator import WorkerFailure
from holdem.runtime.engine import Engine


class Run:
    """One training run over an engine."""

    def __init__(self, cfg: RunConfig, run_dir: Path, problem: Problem, engine: Engine,
                 resumed: dict[str, Any] | None = None, background_snapshots: bool = True):
        self.cfg = cfg
        # write periodic snapshots from a copy while the workers go on (False: the memory
        # plan has no room for the copy, so the workers wait while a snapshot is written)
        self.background_snapshots = background_snapshots
        self.run_dir = run_dir
        self.problem = problem
        self.engine = engine
        self.elapsed_before = float(resumed.get("elapsed", 0.0)) if resumed else 0.0
        self.last_snapshot = "none"
        self.writer: tuple[threading.Thread, dict[str, BaseException]] | None = None  # a background snapshot
        self.last_full = -1  # iteration of the last record with statistics
        self.last_nash_conv: float | None = None  # small games: of the last evaluation
        self.events_logged = 0
        self.stop_announced = False
        self.deals = None
        if problem.layout.num_rows and deal_count(problem) <= SMALL_GAME_DEALS:
            self.deals = deal_table(problem.spec, problem.deal_model)

    def exploitability(self) -> float | None:
        """Exact exploitability of the average strategy (small games only)."""
        if self.deals is None:
            return None
        tb = self.engine.tables
        return exploitability(self.problem.layout, self.deals, current_snapshots.blueprint_policy(
            self.cfg, self.problem.layout, self.run_dir, self.engine.iteration, tb.strategy, tb.regret))

    def snapshot(self, target: Path, elapsed: float, background: bool = False, prune: bool = False) -> Path:
        """Write a snapshot of the engine's tables (the engine is idle between batches), then
        prune old ones if asked. With ``background``, an engine whose workers run in other
        processes hands over a copy taken now, and a thread writes it while they go on."""
        self.finish_snapshot()  # one write at a time: the engine reuses its copy buffer
        frozen = self.engine.frozen_tables() if background else None
        tb = self.engine.tables
        meta = {"iteration": self.engine.iteration, "problem_hash": self.cfg.problem_hash(),
                "config": self.cfg.to_dict(), "rng": [str(x) for x in self.engine.rng_states()],
                "elapsed": elapsed, "num_rows": self.problem.layout.num_rows,
                "num_slots": self.problem.layout.num_slots}
        meta.update(self.engine.snapshot_facts())  # e.g. pending iterations, applied update count

        def write(arrays: dict[str, Any]) -> None:
            path = save_snapshot(target, arrays, meta)
            if prune:
                prune_snapshots(target.parent, self.cfg.train.keep_snapshots)
            self.last_snapshot = f"{path.name} @ {time.strftime('%H:%M:%S')}"
        if frozen is None:
            write(table_arrays(tb))
            return target
        box: dict[str, BaseException] = {}

        def job() -> None:
            try:
                write(frozen)
            except BaseException as e:  # noqa: BLE001 - re-raised by finish_snapshot
                box["error"] = e
        thread = threading.Thread(target=job, name="holdem-snapshot")
        thread.start()
        self.writer = (thread, box)
        return target

    def finish_snapshot(self) -> None:
        """Wait for a snapshot being written in the background; re-raise its error."""
        if self.writer is None:
            return
        thread, box = self.writer
        thread.join()
        self.writer = None
        if "error" in box:
            raise box["error"]

    def record(self, metrics: MetricsWriter, elapsed: float, rate: float, full: bool) -> dict[str, Any]:
        """Write one metrics record (table statistics and exploitability when ``full``)."""
        rec: dict[str, Any] = {"iteration": self.engine.iteration, "elapsed": round(elapsed, 3),
                               "iterations_per_s": round(rate, 1)}
        rec.update(self.engine.status())
        for event in getattr(self.engine, "events", [])[self.events_logged:]:
            metrics.write(dict(event, iteration=self.engine.iteration))
        self.events_logged = len(getattr(self.engine, "events", []))
        if full:
            self.last_full = self.engine.iteration
            tb = self.engine.tables
            rec.update(table_statistics(self.problem.layout, tb.regret, tb.strategy, tb.updates,
                                        self.engine.iteration, self.cfg.solver.params(self.problem.spec).regret_unit))
            expl = self.exploitability()
            if expl is not None:
                rec["exploitability"] = expl
                rec["nash_conv"] = expl * self.problem.spec.num_players
                self.last_nash_conv = rec["nash_conv"]
        metrics.write(rec)
        self._write_status("running")
        return rec

    def loop(self, stop: StopFlag) -> int:
        """Train until the iteration or time budget is spent or ``stop`` is set (a signal,
        :mod:`holdem.run.signals`; its handler never raises once armed); 0 on success."""
        t = self.cfg.train
        metrics = MetricsWriter(self.run_dir, t.tensorboard)
        progress = StatusLine()
        start = time.time()
        last_snap = start
        next_checkpoint = _next_multiple(self.engine.iteration, t.checkpoint_interval)
        next_eval = _next_multiple(self.engine.iteration, t.eval_interval)
        pluribus = self.cfg.solver.average == "pluribus"
        next_current = _next_multiple(self.engine.iteration, current_snapshots.interval(self.cfg)) if pluribus else None
        self._write_status("running")
        status = "finished"
        failure = None
        try:
            window_t, window_it = start, self.engine.iteration
            rate = 0.0
            while self.engine.iteration < t.iters:
                if stop.signal is not None:
                    status = "interrupted"
                    break
                if t.time_budget is not None and time.time() - start >= t.time_budget:
                    status = "time budget spent"
                    break
                goal = min(t.iters, self.engine.iteration + self.engine.chunk,
                           next_checkpoint or t.iters, next_eval or t.iters, next_current or t.iters)
                self.engine.advance(goal - self.engine.iteration, lambda: self._stop_seen(stop, progress),
                                    lambda: stop.hurry)
                now = time.time()
                if now > window_t:
                    rate = 0.7 * rate + 0.3 * (self.engine.iteration - window_it) / (now - window_t) \
                        if rate else (self.engine.iteration - window_it) / (now - window_t)
                window_t, window_it = now, self.engine.iteration
                elapsed = self.elapsed_before + now - start
                if next_current is not None and self.engine.iteration >= next_current:
                    current_snapshots.write(self.run_dir, self.engine.iteration, self.problem.layout,
                                            self.engine.tables.regret)
                    next_current = _next_multiple(self.engine.iteration, current_snapshots.interval(self.cfg))
                at_eval = next_eval is not None and self.engine.iteration >= next_eval
                if at_eval:
                    next_eval = _next_multiple(self.engine.iteration, t.eval_interval)
                self.record(metrics, elapsed, rate, full=at_eval)
                due = now - last_snap >= t.snapshot_interval
                if next_checkpoint is not None and self.engine.iteration >= next_checkpoint:
                    due = True
                    next_checkpoint = _next_multiple(self.engine.iteration, t.checkpoint_interval)
                if due:
                    self.snapshot(self.run_dir / "snapshots" / f"iter_{self.engine.iteration:012d}", elapsed,
                                  background=self.background_snapshots, prune=True)
                    last_snap = time.time()
                left = t.iters - self.engine.iteration
                eta = left / rate if rate > 0 else float("inf")
                if t.time_budget is not None:
                    eta = min(eta, t.time_budget - (now - start))
                st = self.engine.status()
                progress.show(f"iter {self.engine.iteration:,}/{t.iters:,}  {rate:,.0f} it/s  "
                              f"ETA {format_eta(eta)}  workers {st.get('workers_alive', 1)}  "
                              + (f"nodes {st['nodes_alive']}  " if "nodes_alive" in st else "")
                              + (f"pruned {100 * st['pruned_share']:.1f}%  " if self.cfg.solver.enable_pruning else "")
                              + (f"exploitability {self.last_nash_conv / self.problem.spec.num_players:.5f}  "
                                 if self.last_nash_conv is not None else "")
                              + f"snapshot {self.last_snapshot}")
        except WorkerFailure as e:
            status = "worker failure"
            failure = str(e)
        finally:
            elapsed = self.elapsed_before + time.time() - start
            try:
                # workers still running (worker failure, a second Ctrl-C) must stop, and
                # what they applied be counted, before the final record and snapshot
                self._stop_seen(stop, progress)
                self.engine.quiesce(lambda: stop.hurry)
                try:
                    self.finish_snapshot()
                except Exception as e:  # noqa: BLE001 - the final snapshot matters more
                    print(f"holdem: warning: background snapshot failed: {e}", file=sys.stderr)
                if self.last_full != self.engine.iteration:
                    self.record(metrics, elapsed, 0.0, full=True)
                self.snapshot(self.run_dir / "final", elapsed)
            finally:
                progress.done()
                metrics.close()
                self._write_status(status)
        exact = (f"; NashConv {self.last_nash_conv:.6f} (exploitability "
                 f"{self.last_nash_conv / self.problem.spec.num_players:.6f})" if self.last_nash_conv is not None else "")
        print(f"holdem: {status} at iteration {self.engine.iteration:,} after {elapsed:.1f}s{exact}; "
              f"final snapshot in {self.run_dir / 'final'}", file=sys.stderr)
        if failure is not None:
            print(f"holdem: error: {failure}", file=sys.stderr)
            return 1
        return 0

    def _stop_seen(self, stop: StopFlag, progress: StatusLine) -> bool:
        """Whether a stop was requested; says so once, when first seen (called by the
        engine's supervisor while the main thread waits on it, so nothing else writes)."""
        if stop.is_set() and not self.stop_announced:
            self.stop_announced = True
            progress.done()
            print(f"holdem: stopping on {signal.Signals(stop.signal).name}: finishing running batches, then "
                  "the final snapshot (another signal shortens the wait, never skips the snapshot)",
                  file=sys.stderr, flush=True)
        return stop.is_set()

    def _write_status(self, status: str) -> None:
        info = {"pid": os.getpid(), "status": status, "updated": time.time(),
                "iteration": self.engine.iteration,
                "worker_pids": self.engine.status().get("worker_pids", [os.getpid()])}
        tmp = self.run_dir / ".run.json.tmp"
        tmp.write_text(json.dumps(info))
        os.replace(tmp, self.run_dir / "run.json")


def _next_multiple(t: int, interval: int | None) -> int | None:
    return None if interval is None else (t // interval + 1) * interval
