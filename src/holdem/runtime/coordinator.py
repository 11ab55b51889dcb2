"""Coordinator: owns the shared tables, hands out batches, supervises the workers.

Design (why it cannot deadlock like the queue-merge trainer it replaces):

- The regret/strategy tables live in shared memory, created here and attached by the
  workers; workers update them in place under striped locks. Only small tokens cross the
  pipes, so no process ever blocks writing a large payload.
- Every wait is ``multiprocessing.connection.wait`` on the pipes *and* the process sentinels
  with a timeout: a worker that dies is noticed at once (its sentinel fires), a worker that
  stops sending tokens is reported as stalled after ``stall_timeout`` seconds, and the
  coordinator never waits forever.
- The bookkeeping runs in a supervisor thread; the calling (main) thread only waits for it.
  Python raises KeyboardInterrupt in the main thread alone, so a second Ctrl-C can stop the
  wait but never cut the bookkeeping between two counters.

Exactly-once accounting. Iteration numbers ``1 .. frontier`` have been handed out; each is
either applied (counted in ``iteration``), in a batch a worker holds, or in an unfinished
piece (``todo``/``queue``) that will run later, also after a resume (the snapshot lists the
pieces). A worker's row of the shared ``progress`` array says which batch it is on and the
last iteration of it that finished (:mod:`holdem.runtime.worker`). When a worker dies or is
killed, its pipe is drained first (tokens already sent count as sent), then its row tells
exactly what it applied: those iterations (and, with ``--check-updates``, the row updates,
those of an interrupted iteration included) are counted, and only the rest of the batch,
plus the batches queued to it that never started, run again. An iteration cut by SIGKILL
mid-traversal cannot be undone: it is counted as ``iterations_cut`` and run again whole.

Barriers. Linear-CFR discounts need every iteration before the discount point applied and
nothing running: a segment (the iterations up to the next discount point) is cut into
batches of equal size, a multiple of the number of workers, so that the workers reach the
barrier together; the discount itself is done by the workers, each on a slice of rows,
restartable after a kill. Snapshots are written from a copy taken at a barrier
(:meth:`ParallelEngine.frozen_tables`) while the workers go on.

Stopping. :meth:`ParallelEngine.quiesce` stops handing out work, waits a grace period for
running batches, kills the rest, frees their locks and folds their exact progress into the
counters: afterwards nothing writes the tables and ``iteration`` is what they hold.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np

from holdem.config import RunConfig
from holdem.core.locks import lock_array_len, release_owned_by
from holdem.core.rng import seed_state
from holdem.mccfr import schedules
from holdem.mccfr.average_strategy import AVERAGE_SIMPLE
from holdem.mccfr.external_sampling import (
    NUM_STATS, PROGRESS_LEN, STAT_REGRET_UPDATES, STAT_STRATEGY_UPDATES, Tables, discount, kernel_facts,
    make_tables, restore_tables, run_iterations, table_arrays, table_specs,
)
from holdem.mccfr.problem import Problem
from holdem.runtime import shm
from holdem.runtime.worker import (
    DISCOUNT_CHUNK, SLOT_BATCH, batch_progress, recover_discount, recv, send, worker_main,
)

NUM_STRIPES = 1024
START_TIMEOUT = 300.0   # seconds for a worker to import, build the game and attach
STOP_GRACE = 10.0       # seconds running batches may take to finish after a stop request
INTERRUPT_GRACE = 1.0   # the same after a second Ctrl-C (the user wants out)
REAP_TIMEOUT = 30.0     # seconds for a SIGKILLed worker to be reaped
MAX_RESTARTS = 20
PREFETCH = 2            # batches queued per worker
POLL = 0.5              # seconds per wait: how often stop requests and stalls are looked at
#: below this many slots the coordinator discounts alone (cheaper than a message round trip)
PARALLEL_DISCOUNT_SLOTS = 1 << 18

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


class WorkerFailure(RuntimeError):
    """A worker died or failed and the run is configured to stop (or cannot go on)."""


class Piece(NamedTuple):
    """Iterations ``t_start+1 .. t_start+count``; ``attempt`` counts earlier runs of its start."""

    t_start: int
    count: int
    attempt: int = 0


def pending_work(meta: dict[str, Any]) -> tuple[int, int, deque[Piece], int, int]:
    """(iteration, frontier, pending pieces, discounted_through, iterations_cut) of a
    snapshot's metadata, checked: the frontier is the iterations plus the pending ones."""
    todo = deque(Piece(*(int(x) for x in p)) for p in meta.get("unfinished", []))
    iteration = int(meta["iteration"])
    frontier = int(meta.get("frontier", iteration + sum(p.count for p in todo)))
    if frontier != iteration + sum(p.count for p in todo):
        raise ValueError(f"snapshot meta: frontier {frontier} is not iteration {iteration} plus the "
                         f"{sum(p.count for p in todo)} unfinished iterations")
    # a snapshot at a discount point holds the discount, unless iterations below it are pending
    discounted_through = frontier if not todo else frontier - 1
    return iteration, frontier, todo, discounted_through, int(meta.get("iterations_cut", 0))


def _mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def batch_stream(seed: int, t_start: int, attempt: int = 0) -> int:
    """Traversal generator state of the batch starting after iteration ``t_start``.

    A function of the run's seed and the iteration, never of the worker or of when it was
    spawned, so no two batches of a run (resumed or restarted included) share a stream;
    ``attempt`` separates a re-run of an interrupted batch from its first run.
    """
    base = _mix64((int(seed) * _GOLDEN + 0x5851F42D4C957F2D) & _MASK)
    return _mix64((base + int(t_start) * _GOLDEN + int(attempt) * 0xD1B54A32D192ED03) & _MASK)


@dataclass
class _Worker:
    worker_id: int
    process: Any
    conn: Connection
    pid: int = 0
    ready: bool = False
    batches: deque = field(default_factory=deque)  # (batch_id, Piece) sent, not done
    discount: tuple | None = None                  # (discount_id, factor, lo, hi) sent, not done
    started: float = field(default_factory=time.time)
    last_token: float = field(default_factory=time.time)
    stall_reported: bool = False
    rate: float = 0.0  # iterations/s of its last batch
    idle_since: float | None = None  # ready with nothing handed out to it since then


class ParallelEngine:
    """The engine of a multi-worker run (see holdem.runtime.engine.Engine)."""

    def __init__(self, problem: Problem, cfg: RunConfig, num_workers: int, log: Callable[[str], None] | None = None,
                 regret_scale: float = 1.0):
        self.problem = problem
        self.cfg = cfg
        self.params = cfg.solver.params(problem.spec, regret_scale)  # regret_scale: a node of a cluster
        self.num_workers = num_workers
        self.batch_size = cfg.train.batch_size
        self.chunk = self.batch_size * num_workers * 4  # iterations per advance() call
        self.check = cfg.train.check_updates
        self.log = log or (lambda text: print(f"holdem: {text}", file=sys.stderr, flush=True))
        self.iteration = 0           # iterations applied, each exactly once and whole
        self.frontier = 0            # iterations 1 .. frontier have been handed out or are pending
        self.todo: deque[Piece] = deque()   # pending pieces outside a segment (kept in snapshots)
        self.queue: deque[Piece] = deque()  # the running segment's pieces not handed out yet
        self.discounted_through = 0  # no discount is pending at or below this iteration
        self.iterations_cut = 0
        self.updates_reconciled = 0
        self.issued_updates = 0      # row updates applied (exact with check_updates)
        self.busy_seconds = 0.0      # worker seconds spent in kernel calls and discounts
        self._idle_seconds = 0.0     # worker seconds with nothing handed out (barriers, between calls)
        self.restarts = 0
        self.next_batch_id = 1       # 0 is the "no batch yet" of a fresh progress row
        self.next_discount_id = 1
        self.pipe_bytes = 0
        self.batches_done = 0
        self.stats = np.zeros(NUM_STATS)
        self.events: list[dict[str, Any]] = []
        #: check mode: (t_start, count) of every applied range, and the iterations cut
        self.applied_ranges: list[tuple[int, int]] = []
        self.cut_iterations: list[int] = []
        self.workers: dict[int, _Worker] = {}
        self.parallel_discount_slots = PARALLEL_DISCOUNT_SLOTS
        self.shared = shm.SharedArrays()
        self._deal_key = int(seed_state(cfg.train.seed)[1])
        # a kill may land between a row's counter and the worker's live count (and the
        # UPDATE-STRATEGY pass counts its rows after the pass): the most one death can hide
        simple = cfg.solver.params(problem.spec).average == AVERAGE_SIMPLE
        self._hidden_per_death = 1 if simple else problem.layout.num_rows
        self._segment_open = False   # requeued pieces go to queue (True) or todo
        self._winding_down = False   # stop requested / quiescing: dead workers are not restarted
        self._interrupted = False    # the main thread gave up waiting (second Ctrl-C)
        self._unsettled = 0          # deaths since the counters were last checked (check mode)
        self._running: tuple[dict[str, Any], threading.Event] | None = None  # the supervisor's call
        self._frozen: dict[str, np.ndarray] | None = None
        self._closed = False
        self._fixed_pieces = False   # run_pieces: only the given pieces, no new iterations
        shm.sweep_orphans()
        # before the first segment: multiprocessing's resource tracker, started with it, then
        # runs through the launcher as well (it ignores SIGINT/SIGTERM itself, not SIGHUP)
        self.ctx = worker_context()
        try:
            layout = problem.layout
            specs = table_specs(layout, self.params, self.check)
            self._tables = Tables(*(self.shared.create(name, shape, dtype) for name, (shape, dtype) in specs.items()),
                                  self.shared.create("locks", (lock_array_len(NUM_STRIPES),), np.int32))
            self._progress = self.shared.create("progress", (num_workers, PROGRESS_LEN), np.int64)
            scratch = max(1, min(layout.num_slots, DISCOUNT_CHUNK))
            self._scratch = (self.shared.create("scratch_regret", (num_workers, scratch), specs["regret"][1]),
                             self.shared.create("scratch_strategy", (num_workers, scratch), np.float64))
            self.kernel = self._share_game()
            self._warm_up()
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
        """The traversal state the next batch gets (streams derive from seed and iteration)."""
        return [batch_stream(self.cfg.train.seed, self.frontier)]

    def restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Continue from a snapshot (workers are idle: nothing has been handed out yet)."""
        self._settle()
        restore_tables(self._tables, arrays)
        self.iteration, self.frontier, self.todo, self.discounted_through, self.iterations_cut = pending_work(meta)
        if self.check:
            self.issued_updates = int(self._tables.updates.sum())

    def status(self) -> dict[str, Any]:
        """Progress facts for the progress line and metrics."""
        # the workers not known dead; no waitpid here: it could reap a child the supervisor
        # thread is about to wait for
        workers = list(self.workers.values())
        alive = workers
        per_batch = self.pipe_bytes / self.batches_done if self.batches_done else 0.0
        return {"workers_alive": len(alive), "worker_pids": [w.pid for w in alive],
                "worker_iterations_per_s": [round(w.rate, 1) for w in workers],
                "pipe_bytes_per_batch": round(per_batch, 1), "restarts": self.restarts,
                "iterations_cut": self.iterations_cut, "updates_reconciled": self.updates_reconciled,
                "worker_busy_s": round(self.busy_seconds, 3), "worker_idle_s": round(self.idle_seconds(), 3),
                **kernel_facts(self.stats)}

    def idle_seconds(self) -> float:
        """Worker seconds so far with no batch or discount handed out (waiting at barriers)."""
        now = time.time()
        return self._idle_seconds + sum(now - w.idle_since for w in list(self.workers.values())
                                        if w.idle_since is not None)

    def snapshot_facts(self) -> dict[str, Any]:
        """What a snapshot must record beyond the tables: pending pieces, cut iterations, counts."""
        facts: dict[str, Any] = {"frontier": self.frontier, "iterations_cut": self.iterations_cut,
                                 "unfinished": [list(p) for p in list(self.queue) + list(self.todo)]}
        if self.check:
            facts["updates_applied"] = self.issued_updates
        return facts

    def frozen_tables(self) -> dict[str, np.ndarray]:
        """A private copy of the table arrays as they are now (call it with the engine idle,
        and not again before what was written from the last copy is done)."""
        self._settle()
        arrays = table_arrays(self._tables)
        if self._frozen is None:
            self._frozen = {k: np.empty_like(v) for k, v in arrays.items()}
        for k, v in arrays.items():
            np.copyto(self._frozen[k], v)
        return dict(self._frozen)

    def advance(self, iterations: int, should_stop: Callable[[], bool] = lambda: False,
                hurry: Callable[[], bool] = lambda: False) -> None:
        """Run ``iterations`` iterations across the workers; returns with every worker idle.
        After ``should_stop()``, running batches get STOP_GRACE seconds, INTERRUPT_GRACE
        once ``hurry()``."""
        self._call(self._advance, iterations, should_stop, hurry)

    def run_pieces(self, pieces: list[Piece], should_stop: Callable[[], bool] = lambda: False,
                   hurry: Callable[[], bool] = lambda: False) -> list[Piece]:
        """Run exactly ``pieces`` (a node's share of a sync round, numbered by the cluster's
        global count, :mod:`holdem.runtime.cluster`) without discounting: the cluster
        discounts at sync points. Returns the pieces a stop left unfinished."""
        self._settle()
        if not pieces:
            return []
        self.todo = deque(pieces)
        # no discount below the end of these pieces: the frontier is theirs, already "discounted"
        self.frontier = self.discounted_through = max(p.t_start + p.count for p in pieces)
        self._fixed_pieces = True  # never hand out iterations beyond these: other nodes run them
        try:
            self.advance(sum(p.count for p in pieces), should_stop, hurry)
        finally:
            self._fixed_pieces = False
        left, self.todo = list(self.todo), deque()
        return left

    def quiesce(self, hurry: Callable[[], bool] = lambda: False, grace: float = STOP_GRACE) -> None:
        """Stop handing out work, let running batches finish for ``grace`` seconds (or
        INTERRUPT_GRACE once ``hurry()``), kill the rest and count exactly what they
        applied: afterwards nothing writes the tables."""
        if not self._closed:
            self._call(self._quiesce, grace, hurry, shield=True)

    def close(self) -> None:
        """Stop the workers (politely, then by force) and unlink the shared memory."""
        if self._closed:
            return
        self._closed = True
        self._interrupted = True
        try:
            self._settle(shield=True)
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
            self._progress = self._scratch = self._frozen = None
            self.shared.close()
            self.shared.unlink()

    # -- the supervisor thread ------------------------------------------------------------
    def _call(self, fn: Callable[..., Any], *args: Any, shield: bool = False) -> Any:
        """Run ``fn`` in the supervisor thread and wait for it. KeyboardInterrupt in this
        thread makes the supervisor stop quickly; unless ``shield``, it propagates at once
        (the supervisor finishes on its own; the next call waits for it)."""
        self._settle(shield)
        self._interrupted = False
        box: dict[str, Any] = {}
        done = threading.Event()

        def body() -> None:
            try:
                box["result"] = fn(*args)
            except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
                box["error"] = e
            finally:
                done.set()

        self._running = (box, done)
        threading.Thread(target=body, name="holdem-supervisor", daemon=True).start()
        self._wait(done, shield)
        self._running = None
        if "error" in box:
            raise box["error"]
        return box.get("result")

    def _wait(self, done: threading.Event, shield: bool) -> None:
        # an Event, not Thread.join: a KeyboardInterrupt inside join() can leave a running
        # thread marked as stopped (CPython 3.11), and two supervisors would then run at once
        while True:
            try:
                if done.wait(0.2):
                    return
            except KeyboardInterrupt:
                self._interrupted = True
                if not shield:
                    raise

    def _settle(self, shield: bool = False) -> None:
        """Wait for a supervisor left running by an interrupted call (it is stopping, within
        its grace and the kills' timeouts); with ``shield`` a Ctrl-C only shortens that."""
        if self._running is None:
            return
        box, done = self._running
        self._wait(done, shield)
        self._running = None
        error = box.get("error")
        if error is not None:
            self.log(f"while stopping: {error}")

    def _advance(self, iterations: int, should_stop: Callable[[], bool], hurry: Callable[[], bool]) -> None:
        goal = self.iteration + iterations
        self._winding_down = False
        self._ensure_workers()

        def stopping() -> bool:
            return self._interrupted or should_stop()
        try:
            while self.iteration < goal and not stopping() and (self.todo or not self._fixed_pieces):
                self._plan(goal - self.iteration)
                self._drive(stopping, hurry)
                self._barrier()
        finally:
            self._close_segment()

    def _quiesce(self, grace: float, hurry: Callable[[], bool]) -> None:
        self._winding_down = True
        self._close_segment()
        since = time.time()
        while self._outstanding():
            limit = min(grace, INTERRUPT_GRACE) if self._interrupted or hurry() else grace
            if time.time() - since > limit:
                for w in list(self.workers.values()):
                    if w.batches or w.discount:
                        self._retire(w, "was killed to quiesce", "worker_killed")
                break
            self._poll(min(POLL, max(0.01, limit - (time.time() - since))))
        self._barrier()

    # -- segments -------------------------------------------------------------------------
    def _plan(self, needed: int) -> None:
        """Fill the queue with the next segment: pending pieces first (at most ``needed``
        iterations), else new iterations up to the next discount point, in equal batches."""
        pieces: list[Piece] = []
        total = 0
        if self.todo:
            while self.todo and total < needed:
                p = self.todo.popleft()
                if total + p.count > needed:
                    k = needed - total
                    self.todo.appendleft(Piece(p.t_start + k, p.count - k))
                    p = Piece(p.t_start, k, p.attempt)
                pieces.append(p)
                total += p.count
        else:
            stop = schedules.next_stop(self.frontier, self.frontier + needed, self.cfg.solver)
            pieces.append(Piece(self.frontier, stop - self.frontier))
            self.frontier = stop
        self.queue.extend(self._cut(pieces))
        self._segment_open = True

    def _cut(self, pieces: list[Piece]) -> list[Piece]:
        """Batches of equal size, their number a multiple of the workers, each at most
        batch_size: every worker gets the same share, so all reach the barrier together."""
        total = sum(p.count for p in pieces)
        n = self.num_workers * max(1, -(-total // (self.num_workers * self.batch_size)))
        out = []
        for p in pieces:
            k = min(p.count, max(1, -(-n * p.count // total)))
            base, extra = divmod(p.count, k)
            t = p.t_start
            for i in range(k):
                c = base + (1 if i < extra else 0)
                # only the first batch starts where an earlier attempt may have drawn
                out.append(Piece(t, c, p.attempt if i == 0 else 0))
                t += c
        return out

    def _close_segment(self) -> None:
        """Pieces not handed out wait in ``todo`` (before the pending ones: they come first)."""
        self._segment_open = False
        self.todo.extendleft(reversed(self.queue))
        self.queue.clear()

    def _drive(self, stopping: Callable[[], bool], hurry: Callable[[], bool] = lambda: False) -> None:
        """Hand out the queue and collect until every batch is done, or a stop gives up."""
        stop_since: float | None = None
        while self.queue or self._outstanding():
            if stop_since is None and stopping():
                stop_since = time.time()
                self._winding_down = True
                self._close_segment()
            if stop_since is not None:
                limit = INTERRUPT_GRACE if self._interrupted or hurry() else STOP_GRACE
                if time.time() - stop_since > limit:
                    for w in list(self.workers.values()):
                        if w.batches:
                            self._retire(w, "was killed to stop in time", "worker_killed")
                    return
            self._issue()
            self._poll(POLL)
            self._check_stalls()

    def _issue(self) -> None:
        # every worker gets one batch before any gets a second; PREFETCH queued per worker
        # keeps a worker busy while its next token waits for us
        for depth in range(1, PREFETCH + 1):
            for w in list(self.workers.values()):
                while self.queue and w.ready and len(w.batches) < depth:
                    piece = self.queue.popleft()
                    batch = (self.next_batch_id, piece)
                    self.next_batch_id += 1
                    if not w.batches:
                        w.last_token = time.time()
                        self._busy(w)
                    w.batches.append(batch)
                    stream = batch_stream(self.cfg.train.seed, piece.t_start, piece.attempt)
                    try:
                        self.pipe_bytes += send(w.conn, ("run", batch[0], piece.t_start, piece.count, stream))
                    except (OSError, ValueError):
                        break  # it is dying: its sentinel fires and the batch is requeued

    def _outstanding(self) -> bool:
        return any(w.batches or w.discount for w in self.workers.values())

    def _barrier(self) -> None:
        """Nothing runs: check the counters after deaths; discount if a segment completed at a
        discount point."""
        self._reconcile()
        if not self.todo and not self.queue and self.frontier > self.discounted_through:
            self.discounted_through = self.frontier  # before the discount: it is never repeated
            factor = schedules.discount_factor(self.frontier, self.cfg.solver)
            if factor is not None:
                self._discount(factor)

    def _discount(self, factor: float) -> None:
        """Linear CFR on every slot, each ready worker scaling a slice (small tables: here)."""
        rows = self.problem.layout.num_slots
        ready = [w for w in self.workers.values() if w.ready]
        if rows < self.parallel_discount_slots or not ready:
            discount(self._tables.regret, self._tables.strategy, factor)
            return
        discount_id = self.next_discount_id
        self.next_discount_id += 1
        bounds = np.linspace(0, rows, len(ready) + 1).astype(np.int64)
        now = time.time()
        for w, lo, hi in zip(ready, bounds[:-1], bounds[1:]):
            w.discount = (discount_id, factor, int(lo), int(hi))
            w.last_token = now
            self._busy(w)
            try:
                self.pipe_bytes += send(w.conn, ("discount", *w.discount))
            except (OSError, ValueError):
                pass  # it is dying: its slice is finished here when its death is handled
        while any(w.discount for w in self.workers.values()):
            # stopping, a stalled worker's slice is finished here after the grace
            limit = INTERRUPT_GRACE if self._interrupted else STOP_GRACE if self._winding_down else None
            if limit is not None and time.time() - now > limit:
                for w in list(self.workers.values()):
                    if w.discount:
                        self._retire(w, "was killed to stop in time", "worker_killed")
                break
            self._poll(POLL)
            self._check_stalls()

    def _reconcile(self) -> None:
        """Check mode, at a barrier after deaths: the tables' counters against ours. A kill
        can land after a row's counter and before the worker's live count; the gap such
        kills leave (at most ``_hidden_per_death`` each) is counted, any other is reported."""
        if not self.check or not self._unsettled:
            return
        allowed = self._unsettled * self._hidden_per_death
        self._unsettled = 0
        found = int(self._tables.updates.sum())
        gap = found - self.issued_updates
        if gap == 0:
            return
        if 0 < gap <= allowed:
            self.issued_updates += gap
            self.updates_reconciled += gap
            return
        self.events.append({"event": "updates_mismatch", "tables": found, "counted": self.issued_updates,
                            "time": time.time()})
        self.log(f"update counters disagree: the tables hold {found:,} row updates, {self.issued_updates:,} "
                 "were counted")

    # -- workers ----------------------------------------------------------------------------
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
        return {"deal_model": deal_model, "params": self.params,
                "max_depth": self.problem.layout.max_depth}

    def _warm_up(self) -> None:
        """Compile (or load) the kernel here, before spawning, so workers only load the cache."""
        layout = self.problem.layout
        local = make_tables(layout, self.params, NUM_STRIPES)
        run_iterations(*self.problem.kernel_args(), local, self.params, 1,
                       seed_state(0), np.arange(self.problem.spec.deck_size, dtype=np.int64),
                       layout.max_depth, 0, 1, np.zeros(NUM_STATS), np.zeros(PROGRESS_LEN, dtype=np.int64))
        discount(local.regret[:1], local.strategy[:1], 1.0)

    def _start(self, wid: int) -> None:
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(
            target=worker_main, name=f"holdem-worker-{wid}", daemon=True,
            args=(wid, child, self.shared.specs(), self.kernel, self._deal_key))
        proc.start()
        child.close()
        # the pid is known now: a worker still starting must never be listed as pid 0
        # (os.kill(0, ...) would signal the whole process group)
        self.workers[wid] = _Worker(wid, proc, parent, pid=proc.pid)

    def _ensure_workers(self) -> None:
        """Start the workers that a stop or a quiesce killed."""
        for wid in range(self.num_workers):
            if wid not in self.workers:
                self._start(wid)

    def _wait_ready(self) -> None:
        deadline = time.time() + START_TIMEOUT
        while not all(w.ready for w in self.workers.values()):
            if time.time() > deadline:
                slow = [w.worker_id for w in self.workers.values() if not w.ready]
                raise WorkerFailure(f"workers {slow} did not start within {START_TIMEOUT:.0f}s")
            self._poll(1.0)

    def _poll(self, timeout: float) -> None:
        """Wait for tokens or deaths and handle them."""
        workers = list(self.workers.values())
        if not workers:
            time.sleep(timeout)
            return
        by_conn = {w.conn: w for w in workers}
        by_sentinel = {w.process.sentinel: w for w in workers}
        for obj in wait(list(by_conn) + list(by_sentinel), timeout):
            w = by_conn.get(obj) or by_sentinel.get(obj)
            if w is None or self.workers.get(w.worker_id) is not w:
                continue  # already handled in this round
            if obj is w.conn:
                try:
                    msg, size = recv(w.conn)
                except (EOFError, OSError):
                    self._on_death(w, "closed its pipe")
                    continue
                self.pipe_bytes += size
                self._on_message(w, msg)
                if msg[0] == "error":
                    self._on_death(w, f"raised an error:\n{msg[2]}")
            else:
                self._on_death(w, None)

    def _on_message(self, w: _Worker, msg: tuple) -> None:
        w.last_token = time.time()
        if w.stall_reported:
            self.log(f"worker {w.worker_id} (pid {w.pid}) is sending tokens again")
            w.stall_reported = False
        if msg[0] == "ready":
            w.ready, w.pid = True, msg[2]
            w.idle_since = time.time()
        elif msg[0] == "done":
            _, _, batch_id, count, seconds, stats = msg
            if not w.batches or w.batches[0][0] != batch_id:
                self.log(f"worker {w.worker_id}: unexpected token for batch {batch_id}")
                return
            _, piece = w.batches.popleft()
            self._credit(piece, count, int(stats[STAT_REGRET_UPDATES] + stats[STAT_STRATEGY_UPDATES]))
            w.rate = count / seconds if seconds > 0 else 0.0
            self.batches_done += 1
            self.busy_seconds += seconds
            self.stats += np.asarray(stats)
            if not w.batches:
                w.idle_since = time.time()
        elif msg[0] == "discounted":
            if w.discount is not None and w.discount[0] == msg[2]:
                w.discount = None
                self.busy_seconds += msg[3]
                w.idle_since = time.time()

    def _busy(self, w: _Worker) -> None:
        if w.idle_since is not None:
            self._idle_seconds += time.time() - w.idle_since
            w.idle_since = None

    def _credit(self, piece: Piece, finished: int, updates: int) -> None:
        self.iteration += finished
        self.issued_updates += updates
        if self.check and finished:
            self.applied_ranges.append((piece.t_start, finished))

    def _on_death(self, w: _Worker, how: str | None) -> None:
        """A worker died: account for it exactly, then restart it or stop."""
        event = self._retire(w, how, "worker_died")
        how = event["how"]
        if self._winding_down:
            return  # stopping anyway: the next advance() starts a fresh one
        killed = w.process.exitcode is not None and w.process.exitcode < 0
        if not w.ready and not killed:  # it failed to start: restarting would fail the same way
            raise WorkerFailure(f"worker {w.worker_id} failed to start: {how}")
        if self.cfg.train.on_worker_failure == "stop":
            raise WorkerFailure(f"worker {w.worker_id} (pid {w.pid}) {how}; stopping (--on-worker-failure stop)")
        if self.restarts >= MAX_RESTARTS:
            raise WorkerFailure(f"workers died {self.restarts} times; giving up (last: worker "
                                f"{w.worker_id} {how})")
        self.restarts += 1
        self._start(w.worker_id)

    def _retire(self, w: _Worker, how: str | None, kind: str) -> dict[str, Any]:
        """Kill (if alive) and reap a worker, read what is left in its pipe, free its locks,
        count exactly what it applied and requeue the rest. Returns the event."""
        if w.process.is_alive():
            w.process.kill()
        w.process.join(REAP_TIMEOUT)
        if w.process.is_alive():  # its row could still change: nothing can be counted
            raise WorkerFailure(f"worker {w.worker_id} (pid {w.pid}) survived SIGKILL for {REAP_TIMEOUT:.0f}s")
        if how is None:
            how = f"exited with code {w.process.exitcode}"
        self._drain(w)
        freed = release_owned_by(self._tables.locks, w.worker_id + 1)
        busy = bool(w.batches) or w.discount is not None
        applied, requeued, cut = self._fold(w)
        rows = self._recover_discount(w)
        if busy and self.check:
            self._unsettled += 1
        w.conn.close()
        self._busy(w)
        del self.workers[w.worker_id]
        first = how.splitlines()[0]
        event = {"event": kind, "worker": w.worker_id, "pid": w.pid, "how": first, "locks_freed": freed,
                 "iterations_applied": applied, "iterations_requeued": requeued, "iteration_cut": cut,
                 "discount_slots_finished": rows, "time": time.time()}
        self.events.append(event)
        self.log(f"worker {w.worker_id} (pid {w.pid}) {how}; freed {freed} lock(s)"
                 + (f"; {applied} iteration(s) of its batch were applied, {requeued} will run again"
                    if applied or requeued else "")
                 + ("; one iteration was cut mid-way and runs again" if cut else "")
                 + (f"; finished {rows} slot(s) of its discount" if rows else ""))
        return event

    def _drain(self, w: _Worker) -> None:
        """Handle the tokens a dead worker sent before it died (they count as sent)."""
        while True:
            try:
                if not w.conn.poll(0):
                    return
                msg, size = recv(w.conn)
            except (EOFError, OSError):
                return
            self.pipe_bytes += size
            if msg[0] != "error":
                self._on_message(w, msg)

    def _fold(self, w: _Worker) -> tuple[int, int, bool]:
        """Count what a dead worker applied of its batches; requeue the rest. Returns
        (iterations applied, iterations requeued, whether an iteration was cut)."""
        batches = list(w.batches)
        w.batches.clear()
        if not batches:
            return 0, 0, False
        row = self._progress[w.worker_id]
        current = int(row[SLOT_BATCH])
        on = next((i for i, (batch_id, _) in enumerate(batches) if batch_id == current), None)
        requeue: list[Piece] = []
        applied, cut = 0, False
        if on is None:  # it never began any of them
            requeue = [piece for _, piece in batches]
        else:
            for batch_id, piece in batches[:on]:  # cannot happen: their tokens were drained
                self.log(f"worker {w.worker_id}: batch {batch_id} finished without a token")
                self._credit(piece, piece.count, 0)
                applied += piece.count
            _, piece = batches[on]
            got = batch_progress(row, current, piece.t_start, piece.count, self.check)
            self._credit(piece, got.finished, got.updates)
            applied += got.finished
            if got.cut:
                cut = True
                self.iterations_cut += 1
                if self.check:
                    self.cut_iterations.append(piece.t_start + got.finished + 1)
            if got.finished < piece.count:
                requeue.append(Piece(piece.t_start + got.finished, piece.count - got.finished, piece.attempt + 1))
            requeue += [p for _, p in batches[on + 1:]]
        target = self.queue if self._segment_open else self.todo
        target.extendleft(reversed(requeue))
        return applied, sum(p.count for p in requeue), cut

    def _recover_discount(self, w: _Worker) -> int:
        if w.discount is None:
            return 0
        discount_id, factor, lo, hi = w.discount
        w.discount = None
        wid = w.worker_id
        return recover_discount(self._tables, self._scratch[0][wid], self._scratch[1][wid], self._progress[wid],
                                discount_id, factor, lo, hi)

    def _check_stalls(self) -> None:
        now = time.time()
        for w in list(self.workers.values()):
            if not w.ready and now - w.started > START_TIMEOUT:
                raise WorkerFailure(f"worker {w.worker_id} did not start within {START_TIMEOUT:.0f}s")
            busy = w.batches or w.discount
            if busy and not w.stall_reported and now - w.last_token > self.cfg.train.stall_timeout:
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


WORKER_LAUNCHER = Path(__file__).with_name("worker_python.sh")


def worker_context() -> mp.context.SpawnContext:
    """The spawn context workers start from: through :data:`WORKER_LAUNCHER`, so that a
    Ctrl-C during their start-up (imports, attaching the tables) is ignored rather than a
    traceback; the plain interpreter where the launcher cannot run (e.g. no /bin/sh)."""
    ctx = mp.get_context("spawn")
    if os.access(WORKER_LAUNCHER, os.X_OK) and os.access("/bin/sh", os.X_OK):
        os.environ["HOLDEM_WORKER_PYTHON"] = sys.executable
        ctx.set_executable(str(WORKER_LAUNCHER))
    return ctx


def resolve_workers(requested: int) -> int:
    """0 means one worker per core."""
    return requested if requested > 0 else (os.cpu_count() or 1)
