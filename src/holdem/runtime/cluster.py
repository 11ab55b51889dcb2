"""Training on a Ray cluster: one shared-memory trainer per node, regret deltas summed in sync rounds.

Design (README "Training on a Ray cluster"; the plan for tables larger than a node is in
docs/distributed.md):

- One Ray actor per node (:class:`NodeTrainer`, pinned with node-affinity scheduling) runs
  today's coordinator and shared-memory workers (:class:`holdem.runtime.coordinator.ParallelEngine`)
  on its own copy of the tables: kernel, locks and supervisor are unchanged.
- The driver (:class:`ClusterEngine`, in the ``train_blueprint`` process) runs **sync rounds**.
  A round is a range of global iterations, at most ``sync_interval`` per node, cut into one
  contiguous share per node; a round that reaches linear-CFR discount points ends on the
  last of them, and its sync applies their factors (exactly the single machine's schedule
  when rounds are shorter than the discount interval, else linear weighting at the
  granularity of rounds). Each node runs its share (deals come from the run's seed and the
  global iteration number, so streams are disjoint and reproducible whatever the node
  count) and publishes ``delta = tables - base`` in Ray's object store, cut into one row
  chunk per node (strategy sums as float32: a round's contribution needs no more). The
  combination is a reduce-scatter: chunk j is added up on node j from every node's chunk j,
  so each node receives about (N-1)/N of a delta and all add in parallel; then every node
  and the driver read the combined chunks and set ``tables = base + combined`` (then the
  regret floor and the round's discount) and ``base = tables``. The same float operations
  on the same inputs, in a fixed order, make every copy bit-identical after a sync.
- **Strategy sums are summed, regrets averaged.** The strategy sums of all nodes together
  are the average strategy of every iteration played. Summing the regret deltas too (the
  cumulative regret of all plays) overshoots: each node has already corrected its own
  strategy against its share, and N corrections added together move the regrets N times as
  far; on Leduc, 2 nodes at 5,000 iterations per node between syncs reached exploitability
  0.21 at 200,000 iterations (one machine: 0.040-0.045). The mean of the nodes' regret
  deltas (what local SGD does with models) gave 0.037-0.050 at every interval from 50 to 50,000
  (``benchmarks/bench_ray.py``). Regret matching is scale-free, so the tables' regrets are
  those of one machine at 1/N of the scale; the pruning threshold and the floor, which
  compare against regrets, are scaled by 1/N (N at the start of the run) on every node.
- The driver's copy is the run's tables: snapshots, exploitability and statistics read it,
  a node that joins later is loaded from it, and a run resumes from its snapshots on any
  number of nodes or on one machine without Ray (the snapshot format is the parallel
  engine's: ``frontier`` and the ``unfinished`` pieces).
- Exactly once: the global count ``iteration`` holds the iterations whose deltas were
  summed. A node that dies, fails or lags more than ``sync_timeout`` behind the others is
  dropped; its share (at most ``sync_interval`` iterations of work, reported as an event)
  goes back to the pending pieces and runs again, with the same deals, on the nodes left.
  ``on_node_failure: stop`` ends the run after that round with the survivors' work synced.
- Stopping: a stop request reaches every node, which finishes or cuts its batches within
  the parallel engine's grace; the round is synced and what was left is pending.
"""
from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from holdem.config import RunConfig
from holdem.core.inputs import InputError
from holdem.mccfr import schedules
from holdem.mccfr.external_sampling import NUM_STATS, Tables, kernel_facts, make_tables, restore_tables, table_arrays
from holdem.mccfr.problem import Problem
from holdem.runtime import shm
from holdem.runtime.cluster_node import NodeTrainer, apply_sum
from holdem.runtime.coordinator import STOP_GRACE, Piece, WorkerFailure, batch_stream, pending_work

START_TIMEOUT = 300.0   # seconds for a node's trainer to build the game and start its workers
CONNECT_TIMEOUT = 60.0  # seconds for ray.init to join the cluster
CLOSE_TIMEOUT = 30.0    # seconds for the node trainers to stop politely before they are killed
POLL = 0.2              # seconds per wait: how often stop requests and laggards are looked at
REJOIN_COOLDOWN = 60.0  # seconds before a node whose trainer was dropped gets a new one
SYNC_PER_WORKER = 100_000  # default iterations per node between syncs, per worker of a node ...
SYNC_BYTES_UNIT = 32 << 20  # ... and per 32 MiB of delta beyond the first (README: the overhead it keeps) ...
SYNC_MAX_FACTOR = 8         # ... up to 8 times
#: a delta is cut into one chunk per node (summed on different nodes in parallel) down to
#: chunks of this size; smaller tables are summed on one node (fewer, cheaper Ray calls)
CHUNK_MIN_BYTES = 1 << 20


def sync_interval(t: Any, layout: Any) -> int:
    """Iterations per node between syncs: ``train.sync_interval``, by default SYNC_PER_WORKER
    per worker of a node (a node's rate grows with its workers), times the delta's size in
    units of SYNC_BYTES_UNIT where it is larger, at most SYNC_MAX_FACTOR times (a sync's
    cost grows with its bytes, but bigger games also run fewer iterations per second)."""
    if t.sync_interval:
        return int(t.sync_interval)
    delta_bytes = layout.num_slots * 8
    factor = min(SYNC_MAX_FACTOR, max(1, delta_bytes // SYNC_BYTES_UNIT))
    return SYNC_PER_WORKER * t.workers_per_node * factor


def chunk_bounds(layout: Any, tables: dict[str, np.ndarray], chunks: int) -> list[dict[str, tuple[int, int]]]:
    """``chunks`` (nearly) equal pieces of the tables, one per node in a sync, cut at node
    boundaries: for each, the ``(lo, hi)`` of every table (slots of the regrets and of the
    strategy sums, which may keep a prefix only; rows of the update counters)."""
    nodes = layout.decision_nodes()
    slot_base = layout.slot_base[nodes]
    row_base = layout.row_base[nodes]
    cuts = [(0, 0)]
    for i in range(1, chunks):
        k = int(np.searchsorted(slot_base, layout.num_slots * i // chunks))
        cuts.append((int(slot_base[k]), int(row_base[k])) if k < len(nodes) else (layout.num_slots, layout.num_rows))
    cuts.append((layout.num_slots, layout.num_rows))
    out = []
    for (s0, r0), (s1, r1) in zip(cuts[:-1], cuts[1:]):
        out.append({key: (min(r0, len(arr)), min(r1, len(arr))) if key == "updates" else
                    (min(s0, len(arr)), min(s1, len(arr))) for key, arr in tables.items()})
    return out


def split_pieces(pieces: list[Piece], shares: int) -> list[list[Piece]]:
    """Cut ``pieces`` into ``shares`` contiguous runs of (nearly) equal iteration counts;
    a piece cut in two keeps its attempt on the first part only (it alone starts where an
    earlier attempt drew)."""
    total = sum(p.count for p in pieces)
    targets = [total // shares + (1 if i < total % shares else 0) for i in range(shares)]
    out: list[list[Piece]] = [[] for _ in range(shares)]
    queue = deque(pieces)
    for i, want in enumerate(targets):
        while want > 0 and queue:
            p = queue.popleft()
            if p.count > want:
                queue.appendleft(Piece(p.t_start + want, p.count - want))
                p = Piece(p.t_start, want, p.attempt)
            out[i].append(p)
            want -= p.count
    return out


@dataclass
class _Node:
    index: int                 # order of start (names in messages and events)
    actor: Any
    node_id: str
    ip: str
    host: str = ""             # the machine's host name (several local nodes share one)
    pid: int = 0
    started: float = field(default_factory=time.time)
    status: dict[str, Any] = field(default_factory=dict)
    stats: list[float] = field(default_factory=lambda: [0.0] * NUM_STATS)


def ray_module() -> Any:
    """The ray package, or a one-line error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError("--backend ray: Ray is not installed; install the extra: pip install 'holdem[ray]'") from None
    return ray


_JOINED = {"by_us": False}  # whether this process's Ray connection is ours to close


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` ("auto" or HOST:PORT) unless this process is in
    one already (then :func:`disconnect` leaves it alone). Refuses in one line, within
    CONNECT_TIMEOUT, when there is no cluster there."""
    ray = ray_module()
    if ray.is_initialized():
        return
    if address != "auto":
        host, port = address.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=5.0).close()
        except OSError as e:
            raise InputError(f"--ray-address {address}: no Ray head answers there ({e.strerror or e}); start one "
                             "with `ray start --head --node-ip-address HOST --port PORT` or fix the address") from None
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    box: dict[str, BaseException] = {}

    def join() -> None:
        # in a thread: ray.init has no timeout, and in the main thread it would replace our
        # SIGTERM handler with sys.exit (a SIGTERM must stop the run in order); its warning
        # that it did not is silenced
        quiet = logging.getLogger("ray._private.worker")
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            ray.init(address=address, log_to_driver=True, logging_level="WARNING", configure_logging=False)
        except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = e
        finally:
            quiet.setLevel(level)
    thread = threading.Thread(target=join, name="holdem-ray-init", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT)
    if thread.is_alive():
        raise InputError(f"--ray-address {address}: could not join the cluster within {CONNECT_TIMEOUT:.0f} s; "
                         "check that `ray status --address HOST:PORT` answers there")
    if "error" in box:
        first = str(box["error"]).strip().splitlines()[0] if str(box["error"]).strip() else type(box["error"]).__name__
        raise InputError(f"--ray-address {address}: cannot join a Ray cluster ({first}); start one with "
                         "`ray start --head` or give --ray-address HOST:PORT") from None
    _JOINED["by_us"] = True


def disconnect() -> None:
    """Leave the cluster if :func:`connect` joined it (the cluster itself keeps running)."""
    if _JOINED["by_us"]:
        _JOINED["by_us"] = False
        ray_module().shutdown()


def free_nodes(ray: Any, workers: int, taken: set[str]) -> list[dict[str, Any]]:
    """Alive cluster nodes with at least ``workers`` CPUs that hold none of our trainers
    (the node of this process first: its reduce root and table reads stay local)."""
    here = ray.util.get_node_ip_address()
    nodes = [n for n in ray.nodes() if n.get("Alive") and n["NodeID"] not in taken
             and n.get("Resources", {}).get("CPU", 0) >= workers]
    return sorted(nodes, key=lambda n: (n["NodeManagerAddress"] != here, n["NodeManagerAddress"], n["NodeID"]))


def check_cluster(cfg: RunConfig) -> None:
    """Before a run directory is touched: Ray is installed, the cluster answers and has the nodes."""
    t = cfg.train
    if cfg.solver.regret_dtype != "float32":
        raise InputError(f"solver.regret_dtype: {cfg.solver.regret_dtype} regrets are for one machine (the "
                         "cluster averages its nodes' regret deltas in float32): use float32 with --backend ray")
    ray = ray_module()
    connect(t.ray_address)  # stays joined for the engine
    try:
        found = free_nodes(ray, t.workers_per_node, set())
        if len(found) < t.nodes:
            alive = sum(1 for n in ray.nodes() if n.get("Alive"))
            raise InputError(f"--nodes {t.nodes}: the cluster at {t.ray_address} has {len(found)} node(s) with "
                             f"{t.workers_per_node}+ CPUs ({alive} alive); add nodes with `ray start "
                             "--address HEAD:PORT` or ask for fewer --nodes / --workers-per-node")
    except BaseException:
        disconnect()
        raise


class ClusterEngine:
    """The engine of a multi-node run (see holdem.runtime.engine.Engine)."""

    def __init__(self, problem: Problem, cfg: RunConfig, log: Callable[[str], None] | None = None):
        self.ray = ray_module()
        self.problem = problem
        self.cfg = cfg
        t = cfg.train
        self.interval = sync_interval(t, problem.layout)
        self.chunk = t.nodes * self.interval  # iterations per advance(): one round
        self.log = log or (lambda text: print(f"holdem: {text}", file=sys.stderr, flush=True))
        self.iteration = 0           # global iterations summed into the tables, each once
        self.frontier = 0            # global iterations 1 .. frontier handed out or pending
        self.todo: deque[Piece] = deque()  # pending pieces (kept in snapshots)
        self.discounted_through = 0
        self.iterations_cut = 0
        self.issued_updates = 0      # row updates the nodes made in summed deltas (check mode: exact)
        self.lost_iterations = 0     # work of dropped nodes, run again
        self.syncs = 0
        self.sync_seconds = 0.0
        self.run_seconds = 0.0
        self.sync_bytes = 0          # bytes moved between nodes by the reduce and the broadcast
        self.events: list[dict[str, Any]] = []
        self.nodes: list[_Node] = []
        self.joining: list[tuple[_Node, Any]] = []  # started, not yet ready
        self.dropped: dict[str, float] = {}  # Ray node id -> when its trainer was dropped
        self.longest_round = 0.0     # seconds of the longest round so far (a stuck cluster is far past it)
        self.start_failures: list[str] = []
        self.dead_stats = np.zeros(NUM_STATS)
        self.failed = ""             # why the run must stop (on_node_failure: stop)
        self._next_index = 0
        self._closed = False
        layout = problem.layout
        self._tables = make_tables(layout, cfg.solver.params(problem.spec), 0, t.check_updates)
        # regrets are the nodes' mean: kept at 1/N of one machine's scale (N at the start)
        self.regret_scale = 1.0 / t.nodes
        self.floor = float(cfg.solver.params(problem.spec, self.regret_scale).regret_floor)
        connect(t.ray_address)
        self.here = self.ray.util.get_node_ip_address()
        try:
            self._start_nodes(t.nodes, wait=True)
            if len(self.nodes) < t.nodes:
                raise WorkerFailure(f"only {len(self.nodes)} of {t.nodes} node trainers started: "
                                    + "; ".join(self.start_failures))
            self._log_nodes()
        except BaseException:
            self.close()
            raise

    # -- engine interface -------------------------------------------------------------------
    @property
    def tables(self) -> Tables:
        """The driver's copy: equal to every node's after a sync (advance() returns after one)."""
        return self._tables

    def rng_states(self) -> list[int]:
        """The traversal state of the next batch (streams derive from seed and global iteration)."""
        return [batch_stream(self.cfg.train.seed, self.frontier)]

    def restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Continue from a snapshot (of any engine): the driver's copy and every node's."""
        restore_tables(self._tables, arrays)
        self.iteration, self.frontier, self.todo, self.discounted_through, self.iterations_cut = pending_work(meta)
        mine = table_arrays(self._tables)
        self.issued_updates = int(self._tables.updates.sum())
        ref = self.ray.put(mine)
        for node in list(self.nodes):
            self._call(node, node.actor.load.remote(ref), START_TIMEOUT, "loading the tables")
        if not self.nodes:
            raise WorkerFailure("every node was lost while loading the snapshot")

    def status(self) -> dict[str, Any]:
        """Progress facts for the progress line and metrics."""
        nodes = list(self.nodes)
        stats = self.dead_stats + sum((np.asarray(n.stats) for n in nodes), np.zeros(NUM_STATS))
        # pids of other machines mean nothing here (the monitor samples these)
        here = [n for n in nodes if n.host == socket.gethostname()]
        return {"workers_alive": sum(n.status.get("workers_alive", 0) for n in nodes),
                "worker_pids": [n.pid for n in here] + [p for n in here for p in n.status.get("worker_pids", [])],
                "nodes_alive": len(nodes), "restarts": sum(n.status.get("restarts", 0) for n in nodes),
                "iterations_cut": self.iterations_cut, "lost_iterations": self.lost_iterations,
                "syncs": self.syncs, "sync_s": round(self.sync_seconds, 3), "round_s": round(self.run_seconds, 3),
                "sync_bytes": self.sync_bytes, **kernel_facts(stats)}

    def snapshot_facts(self) -> dict[str, Any]:
        """Pending pieces and counts, as the parallel engine records them (resumable anywhere)."""
        facts: dict[str, Any] = {"frontier": self.frontier, "iterations_cut": self.iterations_cut,
                                 "unfinished": [list(p) for p in self.todo], "nodes": len(self.nodes)}
        if self.cfg.train.check_updates:
            facts["updates_applied"] = self.issued_updates
        return facts

    def frozen_tables(self) -> None:
        """None: the driver's copy changes only inside advance(), so it is written synchronously."""
        return None

    def advance(self, iterations: int, should_stop: Callable[[], bool] = lambda: False,
                hurry: Callable[[], bool] = lambda: False) -> None:
        """Run sync rounds until ``iterations`` more are summed or a stop; every copy is
        equal when it returns. Raises WorkerFailure when no node is left or after a
        node failure with ``on_node_failure: stop``."""
        goal = self.iteration + iterations
        while self.iteration < goal and not should_stop():
            self._admit_joiners()
            if not self.nodes:
                raise WorkerFailure("every node of the cluster was lost; the final snapshot holds the last sync")
            self._round(goal - self.iteration, should_stop, hurry)
            if self.failed:
                raise WorkerFailure(self.failed)
            if not self.nodes:
                raise WorkerFailure("every node of the cluster was lost; the final snapshot holds the last sync")
            if len(self.nodes) + len(self.joining) < self.cfg.train.nodes:
                self._start_nodes(self.cfg.train.nodes - len(self.nodes) - len(self.joining), wait=False)

    def quiesce(self, hurry: Callable[[], bool] = lambda: False) -> None:
        """Nothing runs between rounds: advance() returns after a sync."""

    def close(self) -> None:
        """Stop every node trainer (politely, then by force) and leave the cluster if we joined it."""
        if self._closed:
            return
        self._closed = True
        actors = [n.actor for n in self.nodes] + [n.actor for n, _ in self.joining]
        try:
            refs = [a.close.remote() for a in actors]
            if refs:
                self.ray.wait(refs, num_returns=len(refs), timeout=CLOSE_TIMEOUT)
        except Exception:  # noqa: BLE001 - the kills below end them anyway
            pass
        finally:
            for actor in actors:
                try:
                    self.ray.kill(actor, no_restart=True)
                except Exception:  # noqa: BLE001 - already gone
                    pass
            self.nodes, self.joining = [], []
            disconnect()
            shm.sweep_orphans()  # a killed trainer's segments, where it ran on this machine

    # -- rounds -----------------------------------------------------------------------------
    def _plan(self, needed: int) -> list[Piece]:
        """Pending pieces first (at most ``needed``), else new iterations: at most
        ``sync_interval`` per node, ending on the last discount point they reach."""
        pieces: list[Piece] = []
        total = 0
        while self.todo and total < needed:
            p = self.todo.popleft()
            if total + p.count > needed:
                k = needed - total
                self.todo.appendleft(Piece(p.t_start + k, p.count - k))
                p = Piece(p.t_start, k, p.attempt)
            pieces.append(p)
            total += p.count
        if pieces:
            return pieces
        span = min(needed, len(self.nodes) * self.interval)
        # a round that reaches discount points ends on the last of them: the sync applies
        # them all (linear CFR at the granularity of rounds when they span several)
        stop = schedules.last_discount_point(self.frontier, self.frontier + span, self.cfg.solver)
        stop = stop or self.frontier + span
        pieces.append(Piece(self.frontier, stop - self.frontier))
        self.frontier = stop
        return pieces

    def _round(self, needed: int, should_stop: Callable[[], bool], hurry: Callable[[], bool]) -> None:
        started = time.time()
        shares = split_pieces(self._plan(needed), len(self.nodes))
        table_bytes = self.problem.layout.num_slots * 8
        chunks = max(1, min(len(self.nodes), table_bytes // CHUNK_MIN_BYTES))
        bounds = chunk_bounds(self.problem.layout, table_arrays(self._tables), chunks)
        running: dict[Any, tuple[_Node, list[Piece], list[Any]]] = {}
        for node, share in zip(list(self.nodes), shares):
            if share:
                summary_ref, *chunk_refs = node.actor.run.options(num_returns=1 + len(bounds)).remote(
                    [list(p) for p in share], bounds)
                running[summary_ref] = (node, share, chunk_refs)
        done: list[tuple[_Node, list[Piece], dict[str, Any], list[Any]]] = []
        stop_sent = hurry_sent = False
        first_done: float | None = None
        stop_since: float | None = None
        timeout = self.cfg.train.sync_timeout
        while running:
            ready, _ = self.ray.wait(list(running), num_returns=1, timeout=POLL)
            for ref in ready:
                node, share, delta_ref = running.pop(ref)
                try:
                    summary = self.ray.get(ref, timeout=timeout)
                except Exception as e:  # noqa: BLE001 - any failure of a node drops it
                    self._drop(node, share, f"failed: {_first_line(e)}")
                    continue
                done.append((node, share, summary, delta_ref))
                first_done = first_done or time.time()
            if not stop_sent and should_stop():
                stop_sent, stop_since = True, time.time()
                self._tell(lambda n: n.actor.stop.remote(False), [n for n, _, _ in running.values()])
            if stop_sent and not hurry_sent and hurry():
                hurry_sent = True
                self._tell(lambda n: n.actor.stop.remote(True), [n for n, _, _ in running.values()])
            now = time.time()
            lag = now - first_done if first_done is not None else 0.0
            overdue = stop_since is not None and now - stop_since > STOP_GRACE + timeout
            # no node answers at all (Ray has not noticed a failure): far past the longest round
            stuck = self.longest_round > 0 and now - started > timeout + 10 * self.longest_round
            if running and (lag > timeout + (STOP_GRACE if stop_sent else 0.0) or overdue or stuck):
                for ref, (node, share, _) in list(running.items()):
                    running.pop(ref)
                    self._drop(node, share, f"did not finish its share within {timeout:.0f} s of the first node"
                               if first_done else f"did not finish its share in {now - started:.0f} s")
        self.run_seconds += time.time() - started
        if done and not stop_sent:
            self.longest_round = max(self.longest_round, time.time() - started)
        for node, _, summary, _ in done:
            node.status, node.stats = summary["status"], summary["stats"]
        done.sort(key=lambda d: d[0].index)  # a fixed order of addition: the run repeats
        self._sync(done, bounds)
        self.todo = deque(sorted(self.todo))

    def _sync(self, done: list[tuple[_Node, list[Piece], dict[str, Any], list[Any]]],
              bounds: list[dict[str, tuple[int, int]]]) -> None:
        """Sum the finished nodes' deltas and apply the sum everywhere (with the round's
        discount); what a stop left unfinished is pending afterwards."""
        started = time.time()
        while done:
            try:
                summed_refs, summed = self._reduce_scatter([(node, chunks) for node, _, _, chunks in done])
                break
            except _NodeLost as lost:
                # its delta is gone with it: the others are summed again, its whole share runs again
                share = next((d[1] for d in done if d[0] is lost.node), [])
                done = [d for d in done if d[0] is not lost.node]
                self._drop(lost.node, share, f"was lost during a sync: {lost.reason}")
        for _, _, summary, _ in done:
            self.todo.extend(Piece(*p) for p in summary["left"])
            self.iterations_cut += int(summary["cut"])
        factor = None
        if done and not self.todo and self.frontier > self.discounted_through:
            factor = schedules.discount_between(self.discounted_through, self.frontier, self.cfg.solver)
            self.discounted_through = self.frontier  # before the discount: it is never repeated
        if done:
            refs = [(node, node.actor.apply.remote(bounds, factor, *summed_refs)) for node in list(self.nodes)]
            mine = table_arrays(self._tables)
            for piece, part in zip(bounds, summed):
                apply_sum(mine, mine, part, self.floor, factor, piece)
            del summed
            for node, ref in refs:
                try:
                    self.ray.get(ref, timeout=self.cfg.train.sync_timeout)
                except Exception as e:  # noqa: BLE001 - it missed this sync: it cannot stay
                    self._drop(node, [], f"failed to apply a sync: {_first_line(e)}")
            self.iteration += sum(int(s["applied"]) for _, _, s, _ in done)
            self.issued_updates += sum(int(s["updates"]) for _, _, s, _ in done)
            self.syncs += 1
            self.sync_seconds += time.time() - started

    def _reduce_scatter(self, deltas: list[tuple[_Node, list[Any]]]) -> tuple[list[Any], list[dict[str, np.ndarray]]]:
        """Chunk j of the sum is added up on node j (mod the nodes that finished) from every
        node's chunk j: each node receives about (N-1)/N of a delta, all in parallel. Returns
        the refs of the summed chunks and their values here."""
        chunks = len(deltas[0][1])
        owners = [deltas[j % len(deltas)][0] for j in range(chunks)]
        summed_refs = [owner.actor.add.remote(*[d[1][j] for d in deltas]) for j, owner in enumerate(owners)]
        try:
            summed = self.ray.get(summed_refs, timeout=self.cfg.train.sync_timeout)
        except Exception as e:  # noqa: BLE001 - find which node to blame
            dead = self._find_dead(deltas) or owners[0]
            raise _NodeLost(dead, _first_line(e)) from None
        # bytes between nodes: every chunk j to its owner, then every node (and the driver,
        # where no trainer shares its node) reads the summed chunks it does not own
        sizes = [sum(v.nbytes for v in part.values()) for part in summed]
        moved = sum(sizes[j] for j in range(chunks) for node, _ in deltas if node.node_id != owners[j].node_id)
        moved += sum(sizes[j] for j in range(chunks) for node in self.nodes if node.node_id != owners[j].node_id)
        if not any(node.ip == self.here for node in self.nodes):
            moved += sum(sizes[j] for j in range(chunks) if owners[j].ip != self.here)
        self.sync_bytes += moved
        return summed_refs, summed

    def _find_dead(self, deltas: list[tuple[_Node, Any]]) -> _Node | None:
        for node, _ in deltas:
            try:
                self.ray.get(node.actor.ready.remote(), timeout=min(10.0, self.cfg.train.sync_timeout))
            except Exception:  # noqa: BLE001 - this one
                return node
        return None

    # -- nodes -------------------------------------------------------------------------------
    def _start_nodes(self, count: int, wait: bool) -> None:
        """Start ``count`` trainers on free nodes; with ``wait``, until they are ready (or fail)."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        t = self.cfg.train
        now = time.time()
        # a node we just dropped may still be listed alive (or lag again): not at once
        taken = ({n.node_id for n in self.nodes} | {n.node_id for n, _ in self.joining}
                 | {node_id for node_id, at in self.dropped.items() if now - at < REJOIN_COOLDOWN})
        remote = self.ray.remote(NodeTrainer)
        for info in free_nodes(self.ray, t.workers_per_node, taken)[:count]:
            actor = remote.options(
                num_cpus=t.workers_per_node, max_concurrency=4, max_restarts=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(info["NodeID"], soft=False),
            ).remote(self.cfg.to_dict(), t.workers_per_node, self.regret_scale)
            node = _Node(self._next_index, actor, info["NodeID"], info["NodeManagerAddress"],
                         info.get("NodeManagerHostname", ""))
            self._next_index += 1
            self.joining.append((node, actor.ready.remote()))
        if wait:
            deadline = time.time() + START_TIMEOUT
            while self.joining and time.time() < deadline + 1.0:
                self._admit_joiners(timeout=POLL * 5, load=False)

    def _admit_joiners(self, timeout: float = 0.0, load: bool = True) -> None:
        """Trainers that became ready join, loaded with the tables (the driver's copy)."""
        if not self.joining:
            return
        refs = [ref for _, ref in self.joining]
        ready, _ = self.ray.wait(refs, num_returns=len(refs), timeout=timeout)
        ready_ids = {r.hex() for r in ready}
        still = []
        arrays_ref = None
        for node, ref in self.joining:
            if ref.hex() not in ready_ids:
                if time.time() - node.started > START_TIMEOUT:  # e.g. its node lacks the CPUs now
                    self._kill(node)
                    self.start_failures.append(f"node {node.index} ({node.ip}) did not start within "
                                               f"{START_TIMEOUT:.0f} s (are its {self.cfg.train.workers_per_node} "
                                               "CPUs taken by other Ray work? `ray status` shows them)")
                    self.log(self.start_failures[-1])
                else:
                    still.append((node, ref))
                continue
            try:
                facts = self.ray.get(ref, timeout=START_TIMEOUT)
                node.pid, node.status = int(facts["pid"]), facts["status"]
                if facts["niceness"] > 0:
                    self.log(f"node {node.index} ({node.ip}) trains at niceness {facts['niceness']} (Ray's default "
                             "for workers): other processes there come first; start that node with "
                             "RAY_worker_niceness=0 ray start ...")
                if load:
                    arrays_ref = arrays_ref or self.ray.put(table_arrays(self._tables))
                    self.ray.get(node.actor.load.remote(arrays_ref), timeout=START_TIMEOUT)
            except Exception as e:  # noqa: BLE001 - it never joins
                self._kill(node)
                self.start_failures.append(f"node {node.index} ({node.ip}) failed to start: {_cause(e)}")
                self.log(self.start_failures[-1])
                continue
            self.nodes.append(node)
            if load:
                self.events.append({"event": "node_joined", "node": node.index, "ip": node.ip, "time": time.time()})
                self.log(f"node {node.index} ({node.ip}) joined at iteration {self.iteration:,}")
        self.joining = still
        self.nodes.sort(key=lambda n: n.index)

    def _drop(self, node: _Node, share: list[Piece], why: str) -> None:
        """A node leaves the run: its share runs again elsewhere; the run stops if so configured."""
        if node not in self.nodes:
            return
        self.nodes.remove(node)
        self.dropped[node.node_id] = time.time()
        self.dead_stats += np.asarray(node.stats)
        self._kill(node)
        # Ray ends a dead actor's children (multiprocessing's resource tracker included), so
        # nothing unlinks its segments: here if it ran on this machine, else the next
        # trainer that starts on its node (every engine sweeps at its start)
        shm.sweep_orphans()
        lost = sum(p.count for p in share)
        self.todo.extend(share)
        self.lost_iterations += lost
        self.events.append({"event": "node_lost", "node": node.index, "ip": node.ip, "reason": why,
                            "lost_iterations": lost, "time": time.time()})
        self.log(f"node {node.index} ({node.ip}) {why}; dropped, "
                 + (f"its {lost:,} unsynced iterations run again" if lost else "none of its work was lost")
                 + f" ({len(self.nodes)} node(s) left)")
        if self.cfg.train.on_node_failure == "stop":
            self.failed = f"node {node.index} ({node.ip}) {why} (on_node_failure: stop)"

    def _kill(self, node: _Node) -> None:
        try:
            self.ray.kill(node.actor, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def _tell(self, message: Callable[[_Node], Any], nodes: list[_Node]) -> None:
        for node in nodes:
            try:
                message(node)
            except Exception:  # noqa: BLE001 - a dying node is found by its run call
                pass

    def _call(self, node: _Node, ref: Any, timeout: float, what: str) -> Any:
        try:
            return self.ray.get(ref, timeout=timeout)
        except Exception as e:  # noqa: BLE001 - the node cannot stay
            self._drop(node, [], f"failed {what}: {_first_line(e)}")
            return None

    def _log_nodes(self) -> None:
        t = self.cfg.train
        where = ", ".join(f"{n.ip}" for n in self.nodes)
        self.log(f"training on {len(self.nodes)} node(s) x {t.workers_per_node} worker(s) ({where}); "
                 f"sync every {self.interval:,} iterations per node")


class _NodeLost(Exception):
    def __init__(self, node: _Node, reason: str):
        super().__init__(reason)
        self.node, self.reason = node, reason


def _cause(e: BaseException) -> str:
    """The last line of a remote traceback (the exception itself), else the first line."""
    lines = [line for line in str(e).strip().splitlines() if line.strip()]
    errors = [line.strip() for line in lines if "Error" in line.split(":")[0]]
    return errors[-1] if errors else _first_line(e)


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
