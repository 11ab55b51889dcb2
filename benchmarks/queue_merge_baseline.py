"""The queue-merge design the shared-memory trainer replaced, rebuilt on OUR kernel as a baseline.

Only the data path differs from ``holdem.runtime``: the same compiled ``run_iterations``
runs on the same problem, but

- every worker process holds its own private copy of the tables (no locks: the locks
  array is empty);
- before each batch of ``batch_size`` iterations the main process sends the worker the
  latest merged tables (a full copy, as the old trainer did), the worker runs the batch on
  them and sends back the table deltas as a dict of numpy arrays, pickled through one
  ``multiprocessing.Queue``;
- the main process drains that queue *while* the workers run and adds each delta into the
  master tables (the old trainer after its deadlock fix: :class:`QueueMergeTrainer`).

:func:`run_prefix_ordering` is the ordering before the fix: the main process ``join()``s the
workers before it reads the queue. A worker's ``put()`` hands the pickled delta to a feeder
thread that writes it into a pipe; a process does not exit until its feeder has written
everything, and the pipe holds only 64 KiB (Linux) until someone reads it. With a delta
larger than what the pipe can hold, the worker never exits and the main process never
leaves ``join()``. The demo waits a bounded time, reports ``"hung"`` with what each blocked
worker is doing, and kills everything.

Linear-CFR discounting is left out: the benchmark runs both designs without discount
barriers, so it compares the data paths alone.

    python benchmarks/queue_merge_baseline.py [--config configs/nlhe-hu-small-hs.yaml] [--workers 2]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from multiprocessing.reduction import ForkingPickler

from holdem.mccfr.external_sampling import (
    NUM_STATS, PROGRESS_LEN, STAT_REGRET_UPDATES, STAT_STRATEGY_UPDATES, Params, Tables, make_tables, run_iterations,
)
from holdem.core.rng import seed_state
from holdem.mccfr.problem import Problem
from holdem.mccfr.solver_config import SolverConfig

START_TIMEOUT = 300.0   # seconds for a worker to start and return its first batch
BATCH_TIMEOUT = 600.0   # seconds for any later batch
STOP_TIMEOUT = 10.0     # seconds workers get to exit before they are killed
TABLE_NAMES = ("regret", "strategy", "updates")


class BaselineError(RuntimeError):
    """A baseline worker died, failed, or did not answer in time."""


def _worker_main(worker_id: int, task_q: Any, result_q: Any, kernel_args: tuple, params: Params,
                 max_depth: int, deck_size: int, seed: int, posted: Any) -> None:
    """Worker process: run batches on the private tables it is sent; put the deltas on the queue."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    parent = os.getppid()
    try:
        rng = seed_state(seed, worker_id + 1)
        deck = np.arange(deck_size, dtype=np.int64)
        no_locks = np.zeros(0, dtype=np.int32)
        while True:
            try:
                msg = task_q.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:
                    return  # main process gone: nobody to report to
                continue
            if msg[0] == "stop":
                return
            _, batch_id, t_start, count, tables = msg
            base = {name: tables[name].copy() for name in TABLE_NAMES}
            stats = np.zeros(NUM_STATS)
            start = time.perf_counter()
            run_iterations(*kernel_args, Tables(tables["regret"], tables["strategy"], tables["updates"], no_locks),
                           params, worker_id + 1, rng, deck, max_depth, t_start, count, stats,
                           np.zeros(PROGRESS_LEN, dtype=np.int64))
            seconds = time.perf_counter() - start
            for name in TABLE_NAMES:  # in place: the tables become the delta, no third copy
                tables[name] -= base[name]
            del base
            result_q.put(("done", worker_id, batch_id, count, seconds, stats.tolist(), tables))
            del tables
            if posted is not None:
                posted.set()
    except Exception:  # noqa: BLE001 - reported to the main process, which raises
        result_q.put(("error", worker_id, traceback.format_exc(limit=8)[-4000:]))


def _master_tables(problem: Problem, params: Params) -> dict[str, np.ndarray]:
    tb = make_tables(problem.layout, params, check_updates=True)
    return {"regret": tb.regret, "strategy": tb.strategy, "updates": tb.updates}


def warm_up(problem: Problem, solver: SolverConfig) -> None:
    """Compile (or load from the cache) the kernel here, so workers only load it."""
    layout = problem.layout
    run_iterations(*problem.kernel_args(), make_tables(layout, solver.params(problem.spec)),
                   solver.params(problem.spec), 1, seed_state(0), np.arange(problem.spec.deck_size, dtype=np.int64),
                   layout.max_depth, 0, 1, np.zeros(NUM_STATS), np.zeros(PROGRESS_LEN, dtype=np.int64))


@dataclass
class Measurement:
    """Throughput and costs of one timed window of the baseline."""

    iterations: int
    seconds: float
    iterations_per_s: float
    batches: int
    delta_bytes: int          # pickled delta of one batch (worker -> main, through the queue)
    tables_bytes: int         # pickled tables of one batch (main -> worker)
    merge_ms_per_batch: float  # main process: adding one delta into the master tables
    send_ms_per_batch: float   # main process: copying the master tables for the next batch
    main_cpu: float            # main process CPU% over the window
    worker_cpu: list[float] = field(default_factory=list)
    uss_workers: int = 0       # USS of the worker processes (their private tables)
    uss_main: int = 0


class QueueMergeTrainer:
    """The old trainer after its deadlock fix: private tables per worker, deltas merged by main."""

    def __init__(self, problem: Problem, solver: SolverConfig, workers: int, batch_size: int,
                 seed: int = 0, keep_deltas: bool = False):
        self.problem = problem
        self.params = solver.params(problem.spec)
        self.num_workers = workers
        self.batch_size = batch_size
        self.master = _master_tables(problem, self.params)
        self.iteration = 0          # iterations merged
        self.next_t = 0             # iterations handed out
        self.next_batch = 0
        self.batches_done = 0
        self.issued_updates = 0     # row updates the workers report having made
        self.batches_by_worker = [0] * workers
        self.in_flight: dict[int, tuple[int, int]] = {}  # worker -> (batch_id, count)
        self.deltas: list[dict[str, np.ndarray]] | None = [] if keep_deltas else None
        self.merge_s = 0.0
        self.send_s = 0.0
        self.last_delta: dict[str, np.ndarray] | None = None
        self.machine_cpu = 0.0
        self._closed = False
        warm_up(problem, solver)
        ctx = mp.get_context("spawn")
        self.result_q = ctx.Queue()
        self.task_qs = [ctx.Queue() for _ in range(workers)]
        self.procs = []
        try:
            for wid in range(workers):
                p = ctx.Process(target=_worker_main, name=f"queue-merge-worker-{wid}", daemon=True,
                                args=(wid, self.task_qs[wid], self.result_q, problem.kernel_args(), self.params,
                                      problem.layout.max_depth, problem.spec.deck_size, seed, None))
                p.start()
                self.procs.append(p)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "QueueMergeTrainer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        """Worker pids."""
        return [p.pid for p in self.procs]

    def _dispatch(self, wid: int, count: int) -> None:
        """Send worker ``wid`` a batch of ``count`` iterations with a copy of the master tables."""
        start = time.perf_counter()
        # copy: the queue pickles in a feeder thread later, while merges keep changing the master
        tables = {name: arr.copy() for name, arr in self.master.items()}
        self.task_qs[wid].put(("run", self.next_batch, self.next_t, count, tables))
        self.send_s += time.perf_counter() - start
        self.in_flight[wid] = (self.next_batch, count)
        self.next_batch += 1
        self.next_t += count

    def _collect(self) -> int:
        """Wait for one delta (checking for dead workers), merge it; return the worker id."""
        timeout = START_TIMEOUT if self.batches_done < self.num_workers else BATCH_TIMEOUT
        deadline = time.time() + timeout
        while True:
            try:
                msg = self.result_q.get(timeout=1.0)
                break
            except queue.Empty:
                dead = [p for p in self.procs if not p.is_alive()]
                if dead:
                    raise BaselineError(f"worker pid {dead[0].pid} exited with code {dead[0].exitcode}")
                if time.time() > deadline:
                    raise BaselineError(f"no batch finished within {timeout:.0f}s")
        if msg[0] == "error":
            raise BaselineError(f"worker {msg[1]} failed:\n{msg[2]}")
        _, wid, batch_id, count, _, stats, delta = msg
        start = time.perf_counter()
        for name in TABLE_NAMES:
            self.master[name] += delta[name]
        self.merge_s += time.perf_counter() - start
        if self.deltas is not None:
            self.deltas.append(delta)
        self.last_delta = delta
        del self.in_flight[wid]
        self.iteration += count
        self.batches_done += 1
        self.batches_by_worker[wid] += 1
        self.issued_updates += int(stats[STAT_REGRET_UPDATES] + stats[STAT_STRATEGY_UPDATES])
        return wid

    def run(self, iterations: int) -> None:
        """Run ``iterations`` more iterations across the workers; returns with every worker idle."""
        left = iterations
        for wid in range(self.num_workers):
            if left > 0 and wid not in self.in_flight:
                count = min(self.batch_size, left)
                self._dispatch(wid, count)
                left -= count
        while self.in_flight:
            wid = self._collect()
            if left > 0:
                count = min(self.batch_size, left)
                self._dispatch(wid, count)
                left -= count

    def measure(self, seconds: float) -> Measurement:
        """Warm up (one batch per worker), then keep every worker busy for ``seconds`` and drain."""
        self.run(self.batch_size * self.num_workers)
        procs = [psutil.Process(pid) for pid in self.pids]
        main = psutil.Process()
        for p in procs + [main]:
            p.cpu_percent(None)
        psutil.cpu_percent(None)
        it0, b0, merge0, send0 = self.iteration, self.batches_done, self.merge_s, self.send_s
        start = time.perf_counter()
        for wid in range(self.num_workers):
            self._dispatch(wid, self.batch_size)
        uss_workers = uss_main = 0
        while self.in_flight:
            wid = self._collect()
            if time.perf_counter() - start < seconds:
                self._dispatch(wid, self.batch_size)
            elif not uss_workers:  # sample memory once, while the other workers still hold a batch
                uss_workers = sum(_uss(p) for p in procs)
                uss_main = _uss(main)
        dt = time.perf_counter() - start
        cpu = [p.cpu_percent(None) for p in procs]
        main_cpu = main.cpu_percent(None)
        self.machine_cpu = psutil.cpu_percent(None)  # whole machine, for judging the noise
        batches = self.batches_done - b0
        delta_bytes = len(ForkingPickler.dumps(self.last_delta)) if self.last_delta is not None else 0
        tables_bytes = len(ForkingPickler.dumps(("run", 0, 0, self.batch_size, self.master)))
        return Measurement(self.iteration - it0, dt, (self.iteration - it0) / dt, batches, delta_bytes, tables_bytes,
                           1000 * (self.merge_s - merge0) / max(1, batches),
                           1000 * (self.send_s - send0) / max(1, batches), main_cpu, cpu, uss_workers, uss_main)

    def close(self) -> None:
        """Stop the workers (draining the queue while they exit), kill stragglers, close the queues."""
        if self._closed:
            return
        self._closed = True
        for q in self.task_qs:
            try:
                q.put(("stop",))
            except (OSError, ValueError):
                pass
        _stop_workers(self.procs, self.result_q, STOP_TIMEOUT)
        for q in self.task_qs + [self.result_q]:
            q.cancel_join_thread()  # a dead worker's unread tables must not block our exit
            q.close()
        self.in_flight.clear()


def _stop_workers(procs: list, result_q: Any, timeout: float) -> list[int]:
    """Wait up to ``timeout`` for workers to exit while reading the queue; kill the rest."""
    deadline = time.time() + timeout
    while any(p.is_alive() for p in procs) and time.time() < deadline:
        try:  # a worker blocked in put() can only exit once its delta is read
            while True:
                result_q.get(timeout=0.05)
        except (queue.Empty, OSError, EOFError, ValueError):
            pass
        for p in procs:
            p.join(0.01)
    return _kill_all(procs)


def _uss(proc: psutil.Process) -> int:
    try:
        return proc.memory_full_info().uss
    except (psutil.AccessDenied, psutil.NoSuchProcess):
        try:
            return proc.memory_info().rss
        except psutil.NoSuchProcess:
            return 0


def _thread_waits(pid: int) -> list[str]:
    """The kernel wait channel of each thread of ``pid`` (Linux), e.g. ``pipe_write``."""
    out = []
    for wchan in sorted(Path(f"/proc/{pid}/task").glob("*/wchan")):
        try:
            out.append(wchan.read_text().strip() or "running")
        except OSError:
            pass
    return out


def _pipe_capacity(q: Any) -> int | None:
    """Bytes the queue's pipe holds before a writer blocks (Linux F_GETPIPE_SZ)."""
    try:
        import fcntl
        return fcntl.fcntl(q._reader.fileno(), 1032)  # F_GETPIPE_SZ; _reader: the queue's pipe end
    except (ImportError, AttributeError, OSError):
        return None


def run_prefix_ordering(problem: Problem, solver: SolverConfig, workers: int, batch_size: int,
                        timeout: float = 20.0, seed: int = 0) -> dict[str, Any]:
    """The pre-fix ordering: each worker runs one batch and puts its delta; main joins, then drains.

    ``timeout`` counts from the moment every worker has put its delta (so slow starts are not
    mistaken for a hang). Returns ``{"outcome": "completed" | "hung", ...}``; a hang is ended
    by killing every worker, and nothing is left running either way.
    """
    warm_up(problem, solver)
    params = solver.params(problem.spec)
    ctx = mp.get_context("spawn")
    result_q = ctx.Queue()
    task_qs = [ctx.Queue() for _ in range(workers)]
    posted = [ctx.Event() for _ in range(workers)]
    master = _master_tables(problem, params)
    procs = []
    report: dict[str, Any] = {"ordering": "join before drain", "workers": workers, "batch_size": batch_size,
                              "timeout_s": timeout, "pipe_capacity_bytes": _pipe_capacity(result_q)}
    start = time.time()
    try:
        for wid in range(workers):
            p = ctx.Process(target=_worker_main, name=f"queue-merge-prefix-{wid}", daemon=True,
                            args=(wid, task_qs[wid], result_q, problem.kernel_args(), params,
                                  problem.layout.max_depth, problem.spec.deck_size, seed, posted[wid]))
            p.start()
            procs.append(p)
            task_qs[wid].put(("run", wid, wid * batch_size, batch_size, {k: v.copy() for k, v in master.items()}))
            task_qs[wid].put(("stop",))
        # the pre-fix ordering: wait for every worker to exit, only then read the queue
        posted_at: float | None = None
        while any(p.is_alive() for p in procs):
            for p in procs:
                p.join(0.1)
            now = time.time()
            if posted_at is None and all(e.is_set() for e in posted):
                posted_at = now
            if posted_at is not None and now - posted_at > timeout:
                break
            if posted_at is None and now - start > START_TIMEOUT:
                raise BaselineError(f"prefix workers did not finish a batch within {START_TIMEOUT:.0f}s")
        blocked = [p for p in procs if p.is_alive()]
        failed = [p for p in procs if not p.is_alive() and not posted[procs.index(p)].is_set()]
        if failed:
            raise BaselineError(f"prefix worker pid {failed[0].pid} exited with code {failed[0].exitcode} "
                                "before putting its delta")
        report["waited_s"] = round(time.time() - (posted_at or start), 2)
        if blocked:
            report["outcome"] = "hung"
            report["blocked_workers"] = [
                {"pid": p.pid, "state": _state(p.pid), "thread_waits": _thread_waits(p.pid)} for p in blocked]
            report["message"] = (f"hung: main blocked in join() for {report['waited_s']}s while worker pid(s) "
                                 f"{', '.join(str(p.pid) for p in blocked)} could not exit: their deltas do not "
                                 f"fit the queue's pipe ({report['pipe_capacity_bytes']} bytes) and nobody reads it")
        else:
            report["outcome"] = "completed"
            report["message"] = "completed: every delta fitted the pipe, so the workers could exit before main read"
        merged = 0
        if not blocked:
            for _ in range(workers):  # drain after join: fine when nothing was stuck
                msg = result_q.get(timeout=30.0)
                if msg[0] == "done":
                    for name in TABLE_NAMES:
                        master[name] += msg[6][name]
                    merged += 1
                    report["delta_bytes"] = len(ForkingPickler.dumps(msg[6]))
        report["batches_merged"] = merged
    finally:
        report["killed"] = _kill_all(procs)
        for q in task_qs + [result_q]:
            q.cancel_join_thread()
            q.close()
        report["elapsed_s"] = round(time.time() - start, 2)
    if "delta_bytes" not in report:
        # what each blocked worker was trying to put: the same shapes as the master tables
        report["delta_bytes"] = len(ForkingPickler.dumps(master))
    return report


def _kill_all(procs: list) -> list[int]:
    """Kill the workers still alive; return their pids."""
    killed = []
    for p in procs:
        if p.is_alive():
            killed.append(p.pid)
            p.kill()
        p.join(5.0)
    return killed


def _state(pid: int) -> str:
    try:
        return psutil.Process(pid).status()
    except psutil.Error:
        return "gone"


def main() -> None:
    """Run the fixed ordering for a few seconds and the pre-fix ordering once; print both."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="configs/nlhe-hu-small-hs.yaml", help="run config (YAML) or preset name")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=5_000)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--timeout", type=float, default=20.0, help="seconds the pre-fix ordering may hang")
    args = p.parse_args()
    from dataclasses import replace

    from holdem.config import load_config
    from holdem.game.spec import preset
    from holdem.mccfr.problem import build_problem

    if args.config.endswith(".yaml"):
        cfg = load_config(args.config)
        problem, solver = build_problem(cfg.game, cfg.abstraction), cfg.solver
    else:
        problem, solver = build_problem(preset(args.config)), SolverConfig()
    solver = replace(solver, discount_interval=10**9, lcfr_threshold=0)  # the baseline has no discount barrier
    with QueueMergeTrainer(problem, solver, args.workers, args.batch_size) as trainer:
        m = trainer.measure(args.seconds)
    print(f"fixed ordering: {m.iterations_per_s:,.0f} it/s, {m.batches} batches, delta {m.delta_bytes:,} B/batch, "
          f"merge {m.merge_ms_per_batch:.2f} ms/batch, worker CPU {' '.join(f'{c:.0f}' for c in m.worker_cpu)}%")
    print(run_prefix_ordering(problem, solver, args.workers, args.batch_size, args.timeout)["message"])


if __name__ == "__main__":
    sys.exit(main())
