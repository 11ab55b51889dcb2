"""Coordinator: owns the shared tables, hands out batches, supervises the workers.

Design (why it cannot deadlock like the queue-merge trainer it replaces):

- The regret/strategy tables live in shared memory, created here and attached by the
  workers; workers update them in place under striped locks. Only small tokens cross the
  pipes, so no process ever blocks writing a large payload.
- Every wait is ``multiprocessing.connection.wait`` on the pipes *and* the process sentinels
  with a timeout: a worker that dies is noticed at once (its sentinel fires), a worker that
  stops sending tokens is reported as stalled after ``stall_timeout`` seconds, and the
  coordinator never waits forever.
- A dead worker's locks are freed (``owner = worker_id + 1``), its unfinished batch is
  handed out again, and it is restarted (default) or the run stops with a snapshot.
- Linear-CFR discounts and snapshots need a consistent table: :meth:`advance` stops handing
  out batches at such points and waits until every worker is idle (a barrier). The cost is
  one straggler batch per barrier, so discount points should be far apart compared with
  ``batch_size`` (Pluribus discounted every 10 minutes).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Callable

import numpy as np

from holdem.config import RunConfig
from holdem.mccfr import schedules
from holdem.mccfr.external_sampling import (
    NUM_STATS, PROGRESS_LEN, STAT_REGRET_UPDATES, STAT_STRATEGY_UPDATES, Tables, discount, kernel_facts, make_tables,
    restore_tables, run_iterations,
)
from holdem.core.locks import lock_array_len, release_owned_by
from holdem.core.rng import seed_state
from holdem.mccfr.problem import Problem
from holdem.runtime import shm
from holdem.runtime.worker import recv, send, worker_main

NUM_STRIPES = 1024
START_TIMEOUT = 300.0   # seconds for a worker to import, build the game and attach
STOP_GRACE = 10.0       # seconds in-flight batches may take to finish after a stop request
MAX_RESTARTS = 20
PREFETCH = 2            # batches queued per worker


class WorkerFailure(RuntimeError):
    """A worker died or failed and the run is configured to stop (or cannot go on)."""


@dataclass
class _Worker:
    worker_id: int
    process: Any
    conn: Connection
    pid: int = 0
    ready: bool = False
    batches: deque = field(default_factory=deque)  # (batch_id, t_start, count) sent, not done
    last_token: float = field(default_factory=time.time)
    stall_reported: bool = False
    rate: float = 0.0  # iterations/s of its last batch


class ParallelEngine:
    """The engine of a multi-worker run (see holdem.runtime.engine.Engine)."""

    def __init__(self, problem: Problem, cfg: RunConfig, num_workers: int, log: Callable[[str], None] | None = None):
        self.problem = problem
        self.cfg = cfg
        self.num_workers = num_workers
        self.batch_size = cfg.train.batch_size
        self.chunk = self.batch_size * num_workers * 4  # iterations per advance() call
        self.log = log or (lambda text: print(f"holdem: {text}", file=sys.stderr, flush=True))
        self.iteration = 0
        self.generation = 0  # bumps on every (re)start so random streams never repeat
        self.restarts = 0
        self.next_batch_id = 0
        self.pipe_bytes = 0
        self.batches_done = 0
        self.issued_updates = 0
        self.stats = np.zeros(NUM_STATS)
        self.events: list[dict[str, Any]] = []
        self.workers: dict[int, _Worker] = {}
        self.shared = shm.SharedArrays()
        self._closed = False
        shm.sweep_orphans()
        try:
            layout = problem.layout
            self._tables = Tables(
                self.shared.create("regret", (layout.num_rows, layout.max_actions), np.float32),
                self.shared.create("strategy", (layout.num_rows, layout.max_actions), np.float64),
                self.shared.create("updates", (layout.num_rows if cfg.train.check_updates else 0,), np.int64),
                self.shared.create("locks", (lock_array_len(NUM_STRIPES),), np.int32),
            )
            self.kernel = self._share_game()
            self._warm_up()
            self.ctx = mp.get_context("spawn")
            for wid in range(num_workers):
                self._start(wid)
            self._wait_ready()
        except BaseException:
            self.close()
            raise

    # -- engine interface ---------------------------------------------------------------
    @property
    def tables(self) -> Tables:
        """The shared tables (consistent whenever advance() is not running)."""
        return self._tables

    def rng_states(self) -> list[int]:
        """Seeds are re-derived per generation; the snapshot records the generation's seed."""
        return [self._stream_seed()]

    def restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Continue from a snapshot (workers are idle: nothing has been handed out yet)."""
        restore_tables(self._tables, arrays)
        self.iteration = int(meta["iteration"])

    def status(self) -> dict[str, Any]:
        """Progress facts for the progress line and metrics."""
        alive = [w for w in self.workers.values() if w.process.is_alive()]
        per_batch = self.pipe_bytes / self.batches_done if self.batches_done else 0.0
        return {"workers_alive": len(alive), "worker_pids": [w.pid for w in alive],
                "worker_iterations_per_s": [round(w.rate, 1) for w in self.workers.values()],
                "pipe_bytes_per_batch": round(per_batch, 1), "restarts": self.restarts,
                **kernel_facts(self.stats)}

    def advance(self, iterations: int, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Run ``iterations`` iterations across the workers; returns with every worker idle."""
        target = self.iteration + iterations
        while self.iteration < target and not should_stop():
            stop = schedules.next_stop(self.iteration, target, self.cfg.solver)
            self._run_segment(self.iteration, stop, should_stop)
            factor = schedules.discount_factor(self.iteration, self.cfg.solver)
            if factor is not None and self.iteration == stop:
                discount(self._tables.regret, self._tables.strategy, factor)

    def close(self) -> None:
        """Stop the workers (politely, then by force) and unlink the shared memory."""
        if self._closed:
            return
        self._closed = True
        try:
            for w in self.workers.values():
                try:
                    send(w.conn, ("stop",))
                except (OSError, ValueError):
                    pass
            deadline = time.time() + 5.0
            for w in self.workers.values():
                w.process.join(max(0.0, deadline - time.time()))
            for w in self.workers.values():
                if w.process.is_alive():
                    w.process.kill()
                    w.process.join(5.0)
                w.conn.close()
        finally:
            self._tables = None  # drop the views before the segments go
            self.shared.close()
            self.shared.unlink()

    # -- internals ------------------------------------------------------------------------
    def _stream_seed(self) -> int:
        return (self.cfg.train.seed * 1_000_003 + self.iteration) & 0x7FFFFFFFFFFFFFFF

    def _share_game(self) -> dict[str, Any]:
        """Copy the read-only kernel arrays into shared memory; return what workers need."""
        node_info, contrib, edge_child, dm = self.problem.kernel_args()
        for key, arr in (("node_info", node_info), ("contrib", contrib), ("edge_child", edge_child)):
            self.shared.create(key, arr.shape, arr.dtype)[...] = arr
        deal_model: dict[str, Any] = {}
        for name, value in dm._asdict().items():
            if isinstance(value, np.ndarray):
                key = f"dm_{name}"
                self.shared.create(key, value.shape, value.dtype)[...] = value
                deal_model[name] = ("shared", key)
            else:
                deal_model[name] = value
        return {"deal_model": deal_model, "params": self.cfg.solver.params(self.problem.spec),
                "max_depth": self.problem.layout.max_depth}

    def _warm_up(self) -> None:
        """Compile (or load) the kernel here, before spawning, so workers only load the cache."""
        layout = self.problem.layout
        local = make_tables(layout.num_rows, layout.max_actions, NUM_STRIPES)
        run_iterations(*self.problem.kernel_args(), local, self.cfg.solver.params(self.problem.spec), 1,
                       seed_state(0), np.arange(self.problem.spec.deck_size, dtype=np.int64),
                       layout.max_depth, 0, 1, np.zeros(NUM_STATS), np.zeros(PROGRESS_LEN, dtype=np.int64))

    def _start(self, wid: int) -> None:
        self.generation += 1
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(
            target=worker_main, name=f"holdem-worker-{wid}", daemon=True,
            args=(wid, child, self.shared.specs(), self.kernel, self._stream_seed(),
                  wid + 1 + 1000 * self.generation))
        proc.start()
        child.close()
        self.workers[wid] = _Worker(wid, proc, parent)

    def _wait_ready(self) -> None:
        deadline = time.time() + START_TIMEOUT
        while not all(w.ready for w in self.workers.values()):
            if time.time() > deadline:
                slow = [w.worker_id for w in self.workers.values() if not w.ready]
                raise WorkerFailure(f"workers {slow} did not start within {START_TIMEOUT:.0f}s")
            self._poll(1.0)

    def _run_segment(self, start: int, stop: int, should_stop: Callable[[], bool]) -> None:
        pending = deque()
        # at most batch_size, and small enough that every worker gets a share of the segment
        size = max(1, min(self.batch_size, -(-(stop - start) // self.num_workers)))
        t = start
        while t < stop:
            count = min(size, stop - t)
            pending.append((t, count))
            t += count
        stopping_since: float | None = None
        while pending or any(w.batches for w in self.workers.values()):
            if should_stop() and stopping_since is None:
                stopping_since = time.time()
                pending.clear()  # abandon what has not started; let running batches finish
            if stopping_since is not None and time.time() - stopping_since > STOP_GRACE:
                self._abandon_running()
                break
            # every worker gets one batch before any gets a second; PREFETCH queued per worker
            # keeps a worker busy while its next token waits for us
            for depth in range(1, PREFETCH + 1):
                for w in self.workers.values():
                    while pending and w.ready and len(w.batches) < depth and w.process.is_alive():
                        t_start, count = pending.popleft()
                        batch = (self.next_batch_id, t_start, count)
                        self.next_batch_id += 1
                        if not w.batches:
                            w.last_token = time.time()
                        w.batches.append(batch)
                        self.pipe_bytes += send(w.conn, ("run", *batch))
            lost = self._poll(1.0)
            pending.extendleft(reversed(lost))
            self._check_stalls()

    def _poll(self, timeout: float) -> list[tuple[int, int]]:
        """Wait for tokens or deaths; returns batches that must be run again."""
        by_conn = {w.conn: w for w in self.workers.values()}
        by_sentinel = {w.process.sentinel: w for w in self.workers.values()}
        lost: list[tuple[int, int]] = []
        for obj in wait(list(by_conn) + list(by_sentinel), timeout):
            w = by_conn.get(obj) or by_sentinel.get(obj)
            if w is None or self.workers.get(w.worker_id) is not w:
                continue  # already replaced in this round
            if obj is w.conn:
                try:
                    msg, size = recv(w.conn)
                except (EOFError, OSError):
                    lost += self._on_death(w, "closed its pipe")
                    continue
                self.pipe_bytes += size
                self._on_message(w, msg)
                if msg[0] == "error":
                    lost += self._on_death(w, f"raised an error:\n{msg[2]}")
            else:
                w.process.join(0.1)
                lost += self._on_death(w, f"exited with code {w.process.exitcode}")
        return lost

    def _on_message(self, w: _Worker, msg: tuple) -> None:
        w.last_token = time.time()
        if w.stall_reported:
            self.log(f"worker {w.worker_id} (pid {w.pid}) is sending tokens again")
            w.stall_reported = False
        if msg[0] == "ready":
            w.ready, w.pid = True, msg[2]
        elif msg[0] == "done":
            _, _, batch_id, count, seconds, stats, _ = msg
            if not w.batches or w.batches[0][0] != batch_id:
                return
            w.batches.popleft()
            w.rate = count / seconds if seconds > 0 else 0.0
            self.iteration += count
            self.batches_done += 1
            self.stats += np.asarray(stats)
            self.issued_updates += int(stats[STAT_REGRET_UPDATES] + stats[STAT_STRATEGY_UPDATES])

    def _on_death(self, w: _Worker, how: str) -> list[tuple[int, int]]:
        """Free a dead worker's locks; restart it or stop; return its unfinished batch."""
        if w.process.is_alive():
            w.process.kill()
        w.process.join(5.0)
        freed = release_owned_by(self._tables.locks, w.worker_id + 1)
        lost = [(t_start, count) for _, t_start, count in w.batches]
        w.conn.close()
        event = {"event": "worker_died", "worker": w.worker_id, "pid": w.pid, "how": how.splitlines()[0],
                 "locks_freed": freed, "batches_requeued": len(lost), "time": time.time()}
        self.events.append(event)
        self.log(f"worker {w.worker_id} (pid {w.pid}) {how}; freed {freed} lock(s)"
                 + (f"; its {len(lost)} unfinished batch(es) will run again" if lost else ""))
        del self.workers[w.worker_id]
        if not w.ready:  # it never started: restarting would fail the same way
            raise WorkerFailure(f"worker {w.worker_id} failed to start: {how}")
        if self.cfg.train.on_worker_failure == "stop":
            raise WorkerFailure(f"worker {w.worker_id} (pid {w.pid}) {how.splitlines()[0]}; stopping "
                                "(--on-worker-failure stop)")
        if self.restarts >= MAX_RESTARTS:
            raise WorkerFailure(f"workers died {self.restarts} times; giving up (last: worker "
                                f"{w.worker_id} {how.splitlines()[0]})")
        self.restarts += 1
        self._start(w.worker_id)
        return lost

    def _abandon_running(self) -> None:
        """Stop waiting for in-flight batches after a stop request: kill those workers."""
        for w in list(self.workers.values()):
            if w.batches:
                self.log(f"abandoning the batch of worker {w.worker_id} (pid {w.pid}) to stop in time")
                w.process.kill()
                w.process.join(5.0)
                release_owned_by(self._tables.locks, w.worker_id + 1)
                w.batches.clear()

    def _check_stalls(self) -> None:
        now = time.time()
        for w in self.workers.values():
            if w.batches and not w.stall_reported and now - w.last_token > self.cfg.train.stall_timeout:
                w.stall_reported = True
                self.events.append({"event": "worker_stalled", "worker": w.worker_id, "pid": w.pid, "time": now})
                self.log(f"worker {w.worker_id} (pid {w.pid}) sent no token for "
                         f"{now - w.last_token:.0f}s: stalled? Inspect it with `py-spy dump --pid {w.pid}` "
                         f"(state: {_proc_state(w.pid)})")


def _proc_state(pid: int) -> str:
    try:
        import psutil
        return psutil.Process(pid).status()
    except Exception:  # noqa: BLE001 - only a hint for the message
        return "unknown"


def resolve_workers(requested: int) -> int:
    """0 means one worker per core."""
    return requested if requested > 0 else (os.cpu_count() or 1)
