"""The training run: run directory, budget, progress, metrics, snapshots, Ctrl-C.

An *engine* advances the tables: :class:`LocalEngine` runs the kernel in this process; the
parallel coordinator (``holdem.parallel``) offers the same interface over workers that
update shared-memory tables. Everything else about a run lives here, once.

Run directory::

    config.yaml      resolved configuration
    run.json         coordinator pid, start time, status
    metrics.jsonl    one record per progress interval / evaluation
    snapshots/       the newest ``keep_snapshots`` snapshots (see holdem.io.snapshot)
    final/           the snapshot written at the end (also after Ctrl-C)
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np
import yaml

from holdem.config import RunConfig
from holdem.io.metrics import MetricsWriter, table_statistics
from holdem.io.snapshot import SnapshotError, list_snapshots, load_snapshot, prune_snapshots, save_snapshot
from holdem.mccfr.external_sampling import STAT_NODES, Tables
from holdem.mccfr.solver import Problem, Solver, build_problem
from holdem.parallel.coordinator import WorkerFailure

SMALL_GAME_DEALS = 100_000


class Engine(Protocol):
    """What the run loop needs from whoever runs the kernel."""

    iteration: int
    chunk: int  # iterations per advance() call between progress updates

    @property
    def tables(self) -> Tables: ...

    def advance(self, iterations: int, should_stop: Callable[[], bool]) -> None: ...

    def rng_states(self) -> list[int]: ...

    def restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None: ...

    def status(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class LocalEngine:
    """The kernel in this process on local tables."""

    def __init__(self, problem: Problem, cfg: RunConfig):
        self.solver = Solver(problem, cfg.solver, seed=cfg.train.seed)
        self.chunk = cfg.train.batch_size

    @property
    def iteration(self) -> int:
        """Iterations done."""
        return self.solver.iteration

    @property
    def tables(self) -> Tables:
        """The tables."""
        return self.solver.tables

    def advance(self, iterations: int, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Run ``iterations`` iterations (one short kernel call: no need to check should_stop)."""
        self.solver.run(iterations)

    def rng_states(self) -> list[int]:
        """Generator state(s) for the snapshot."""
        return [int(self.solver.rng[0])]

    def restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Continue from a snapshot."""
        for name in ("regret", "strategy", "updates"):
            getattr(self.solver.tables, name)[...] = arrays[name]
        self.solver.iteration = int(meta["iteration"])
        self.solver.rng[0] = np.uint64(int(meta["rng"][0]))

    def status(self) -> dict[str, Any]:
        """Progress facts for the progress line and metrics."""
        return {"workers_alive": 1, "nodes": float(self.solver.stats[STAT_NODES])}

    def close(self) -> None:
        """Nothing to release."""


class RunError(RuntimeError):
    """A run cannot start or continue; the message says why and what to do."""


def resolve_snapshot(path: Path) -> Path:
    """A snapshot directory from a run directory (newest snapshot or final/) or a snapshot."""
    path = Path(path)
    if (path / "meta.json").exists():
        return path
    # final/ first: among equal iterations max() keeps the first, and final/ is the one to use
    candidates = ([path / "final"] if (path / "final" / "meta.json").exists() else []) + list_snapshots(path / "snapshots")
    if not candidates:
        raise SnapshotError(f"{path}: no snapshot found (expected meta.json, snapshots/ or final/)")
    from holdem.io.snapshot import read_meta
    return max(candidates, key=lambda p: int(read_meta(p)["iteration"]))


def _run_dir_of(snapshot: Path) -> Path:
    parent = snapshot.parent
    return parent.parent if parent.name == "snapshots" else parent


def prepare_run_dir(cfg: RunConfig, logdir: Path | None, resume: Path | None) -> Path:
    """Create (or, when resuming, reopen) the run directory and write config.yaml."""
    if logdir is None:
        logdir = _run_dir_of(resume) if resume is not None else Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    logdir = Path(logdir)
    if (logdir / "config.yaml").exists():
        if resume is None:
            raise RunError(f"{logdir}: already holds a run; continue it with --resume-from {logdir} "
                           "or choose another --logdir")
        old = yaml.safe_load((logdir / "config.yaml").read_text())
        if old.get("game") != cfg.game.to_dict() or old.get("abstraction") != cfg.abstraction:
            raise RunError(f"{logdir}: holds a run of another game/abstraction; choose another --logdir")
    logdir.mkdir(parents=True, exist_ok=True)
    (logdir / "config.yaml").write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False))
    return logdir


class _StopFlag:
    """Turns SIGINT/SIGTERM/SIGHUP into a flag the loop checks between (and during) batches."""

    def __init__(self):
        self.signal: int | None = None
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> "_StopFlag":
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop waiting
        self.signal = signum

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


class Progress:
    """A live progress line on stderr: iterations, rate, ETA, workers, last snapshot."""

    def __init__(self, stream: Any = sys.stderr):
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_print = 0.0

    def show(self, text: str, force: bool = False) -> None:
        """Print ``text`` (rewriting the line on a terminal; every 5 s otherwise)."""
        now = time.time()
        if self.tty:
            self.stream.write("\r" + text.ljust(100)[:160])
            self.stream.flush()
        elif force or now - self.last_print >= 5.0:
            self.stream.write(text + "\n")
            self.stream.flush()
            self.last_print = now

    def done(self) -> None:
        """End the live line."""
        if self.tty:
            self.stream.write("\n")


def _eta(seconds: float) -> str:
    if not np.isfinite(seconds) or seconds < 0:
        return "?"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Run:
    """One training run over an engine."""

    def __init__(self, cfg: RunConfig, run_dir: Path, problem: Problem, engine: Engine,
                 resumed: dict[str, Any] | None = None):
        self.cfg = cfg
        self.run_dir = run_dir
        self.problem = problem
        self.engine = engine
        self.elapsed_before = float(resumed.get("elapsed", 0.0)) if resumed else 0.0
        self.last_snapshot = "none"
        self.last_full = -1  # iteration of the last record with statistics
        self.events_logged = 0
        self.deals = None
        if problem.layout.num_rows and deal_count(problem) <= SMALL_GAME_DEALS:
            from holdem.mccfr.best_response import deal_table
            self.deals = deal_table(problem.spec, problem.deal_model)

    def exploitability(self) -> float | None:
        """Exact exploitability of the average strategy (small games only)."""
        if self.deals is None:
            return None
        from holdem.mccfr.best_response import exploitability
        from holdem.mccfr.policy import average_policy
        return exploitability(self.problem.layout, self.deals,
                              average_policy(self.problem.layout, self.engine.tables.strategy))

    def snapshot(self, target: Path, elapsed: float) -> Path:
        """Write a snapshot of the engine's tables (the engine is idle between batches)."""
        tb = self.engine.tables
        meta = {"iteration": self.engine.iteration, "problem_hash": self.cfg.problem_hash(),
                "config": self.cfg.to_dict(), "rng": [str(x) for x in self.engine.rng_states()],
                "elapsed": elapsed, "num_rows": self.problem.layout.num_rows,
                "max_actions": self.problem.layout.max_actions}
        path = save_snapshot(target, {"regret": tb.regret, "strategy": tb.strategy, "updates": tb.updates}, meta)
        self.last_snapshot = f"{path.name} @ {time.strftime('%H:%M:%S')}"
        return path

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
                                        self.engine.iteration))
            expl = self.exploitability()
            if expl is not None:
                rec["exploitability"] = expl
        metrics.write(rec)
        self._write_status("running")
        return rec

    def loop(self) -> int:
        """Train until the iteration or time budget is spent or a signal arrives; 0 on success."""
        t = self.cfg.train
        metrics = MetricsWriter(self.run_dir, t.tensorboard)
        progress = Progress()
        start = time.time()
        last_snap = start
        next_checkpoint = _next_multiple(self.engine.iteration, t.checkpoint_interval)
        next_eval = _next_multiple(self.engine.iteration, t.eval_interval)
        self._write_status("running")
        status = "finished"
        failure = None
        with _StopFlag() as stop:
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
                               next_checkpoint or t.iters, next_eval or t.iters)
                    self.engine.advance(goal - self.engine.iteration, lambda: stop.signal is not None)
                    now = time.time()
                    if now > window_t:
                        rate = 0.7 * rate + 0.3 * (self.engine.iteration - window_it) / (now - window_t) \
                            if rate else (self.engine.iteration - window_it) / (now - window_t)
                    window_t, window_it = now, self.engine.iteration
                    elapsed = self.elapsed_before + now - start
                    at_eval = next_eval is not None and self.engine.iteration >= next_eval
                    if at_eval:
                        next_eval = _next_multiple(self.engine.iteration, t.eval_interval)
                    self.record(metrics, elapsed, rate, full=at_eval)
                    due = now - last_snap >= t.snapshot_interval
                    if next_checkpoint is not None and self.engine.iteration >= next_checkpoint:
                        due = True
                        next_checkpoint = _next_multiple(self.engine.iteration, t.checkpoint_interval)
                    if due:
                        self.snapshot(self.run_dir / "snapshots" / f"iter_{self.engine.iteration:012d}", elapsed)
                        prune_snapshots(self.run_dir / "snapshots", t.keep_snapshots)
                        last_snap = time.time()
                    left = t.iters - self.engine.iteration
                    eta = left / rate if rate > 0 else float("inf")
                    if t.time_budget is not None:
                        eta = min(eta, t.time_budget - (now - start))
                    st = self.engine.status()
                    progress.show(f"iter {self.engine.iteration:,}/{t.iters:,}  {rate:,.0f} it/s  "
                                  f"ETA {_eta(eta)}  workers {st.get('workers_alive', 1)}  "
                                  f"snapshot {self.last_snapshot}")
            except KeyboardInterrupt:
                status = "interrupted"
            except WorkerFailure as e:
                status = "worker failure"
                failure = str(e)
            finally:
                elapsed = self.elapsed_before + time.time() - start
                try:
                    if self.last_full != self.engine.iteration:
                        self.record(metrics, elapsed, 0.0, full=True)
                    self.snapshot(self.run_dir / "final", elapsed)
                finally:
                    progress.done()
                    metrics.close()
                    self._write_status(status)
        print(f"holdem: {status} at iteration {self.engine.iteration:,} after {elapsed:.1f}s; "
              f"final snapshot in {self.run_dir / 'final'}", file=sys.stderr)
        if failure is not None:
            print(f"holdem: error: {failure}", file=sys.stderr)
            return 1
        return 0

    def _write_status(self, status: str) -> None:
        info = {"pid": os.getpid(), "status": status, "updated": time.time(),
                "iteration": self.engine.iteration,
                "worker_pids": self.engine.status().get("worker_pids", [os.getpid()])}
        tmp = self.run_dir / ".run.json.tmp"
        tmp.write_text(json.dumps(info))
        os.replace(tmp, self.run_dir / "run.json")


def _next_multiple(t: int, interval: int | None) -> int | None:
    return None if interval is None else (t // interval + 1) * interval


def deal_count(problem: Problem) -> int:
    """Number of distinct deals of the game (exact evaluation is for games with few)."""
    from math import comb
    spec = problem.spec
    left, total = spec.deck_size, 1
    for k in [spec.hole_cards] * spec.num_players + [b for b in spec.board_cards if b]:
        total *= comb(left, k)
        left -= k
    return total


def make_engine(problem: Problem, cfg: RunConfig) -> Engine:
    """In-process for one worker (deterministic), the shared-memory coordinator for more."""
    from holdem.parallel.coordinator import ParallelEngine, resolve_workers

    workers = resolve_workers(cfg.train.num_workers)
    if workers == 1:
        return LocalEngine(problem, cfg)
    return ParallelEngine(problem, cfg, workers)


def ensure_buckets(cfg: RunConfig) -> RunConfig:
    """For a bucket-file abstraction: build a preset's file on first use, record its SHA-256."""
    from dataclasses import replace

    from holdem.abstraction.bucket_file import read_bucket_meta
    from holdem.abstraction.card_abstraction import bucket_path

    if cfg.abstraction["kind"] != "buckets":
        return cfg
    path = bucket_path(cfg.abstraction)
    if not path.exists() and "preset" in cfg.abstraction:
        from holdem.abstraction.build import PRESETS, BuildParams, build
        print(f"holdem: building the {cfg.abstraction['preset']!r} bucket file {path} (first use; minutes, "
              "cached afterwards)", file=sys.stderr)
        build(BuildParams(*PRESETS[cfg.abstraction["preset"]]), path,
              log=lambda m: print(f"holdem: {m}", file=sys.stderr))
    digest = read_bucket_meta(path)["sha256"]
    recorded = cfg.abstraction.get("sha256")
    if recorded is not None and recorded != digest:
        raise RunError(f"{path}: bucket file differs from the one this config/run recorded "
                       f"({digest[:12]}... vs {recorded[:12]}...); use the run's own buckets")
    return replace(cfg, abstraction=dict(cfg.abstraction, sha256=digest))


def train(cfg: RunConfig, logdir: Path | None = None, resume_from: Path | None = None) -> tuple[int, Path]:
    """Train ``cfg``; returns (exit code, run directory)."""
    cfg = ensure_buckets(cfg)
    snapshot_path = resolve_snapshot(resume_from) if resume_from is not None else None
    resumed_arrays, resumed_meta = (load_snapshot(snapshot_path) if snapshot_path is not None else (None, None))
    if resumed_meta is not None and resumed_meta["problem_hash"] != cfg.problem_hash():
        raise RunError(f"{snapshot_path}: snapshot is of a different game or card abstraction than the "
                       "config; resume with the run's own config.yaml")
    problem = build_problem(cfg.game, cfg.abstraction)  # bad buckets fail here, before any file is written
    run_dir = prepare_run_dir(cfg, logdir, snapshot_path)
    engine = make_engine(problem, cfg)
    try:
        if resumed_arrays is not None:
            engine.restore(resumed_arrays, resumed_meta)
        return Run(cfg, run_dir, problem, engine, resumed_meta).loop(), run_dir
    finally:
        engine.close()
