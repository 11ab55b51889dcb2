"""The memory a training run will need, known before anything is allocated.

:func:`plan` adds up what a run holds at its peak, from the layout and the config alone:

- the tables (regrets on every action slot, strategy sums on the averaged streets' slots,
  update counters only in check mode, locks and the workers' discount scratch), in shared
  memory when workers run them;
- the copy of the tables a snapshot is written from while the workers go on
  (:meth:`holdem.runtime.coordinator.ParallelEngine.frozen_tables`);
- the betting tree and the kernel's node arrays (in the trainer, and a shared copy for the
  workers), the card abstraction's tables (likewise);
- each worker process's own memory (Python, numpy, numba and the compiled kernel:
  ``WORKER_BYTES``, measured with ``benchmarks/bench_parallel.py``'s workers).

:func:`check_fits` turns a plan that exceeds the machine's available memory or the free
space of ``/dev/shm`` into one line naming the numbers and what to change; ``train``
raises it before the run directory or any table exists, and ``tree_stats`` prints it.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace

import numpy as np

from holdem.abstraction.isomorphism import NUM_INDICES
from holdem.config import RunConfig
from holdem.core.inputs import InputError
from holdem.core.progress import format_bytes
from holdem.game.tree import BettingTree
from holdem.mccfr.external_sampling import table_specs
from holdem.mccfr.layout import TableLayout
from holdem.mccfr.problem import Problem

#: resident memory of one worker process beside the shared tables (Python, numpy, numba,
#: the loaded kernel); measured on this machine (README "Memory plan")
WORKER_BYTES = 200 << 20
#: the trainer process itself (Python, numpy, numba, the coordinator) beside its arrays
TRAINER_BYTES = 300 << 20
SHM = "/dev/shm"


@dataclass(frozen=True)
class MemoryPlan:
    """Bytes of each part of a run at its peak."""

    regret: int
    strategy: int
    counters: int
    scratch: int        # locks and the workers' discount scratch
    snapshot_copy: int  # the copy a background snapshot writes from
    tree: int           # the betting tree and the kernel's node arrays
    buckets: int        # the card abstraction's tables
    workers: int        # processes' own memory (workers and trainer)
    num_workers: int    # worker processes (0: the kernel runs in the trainer)
    num_slots: int
    tree_kernel: int    # the part of ``tree`` the workers read (node_info, contrib, edge_child)
    disk: int           # the run directory at its largest (snapshots, current-strategy snapshots)

    @property
    def tables(self) -> int:
        """Regrets + strategy sums + counters."""
        return self.regret + self.strategy + self.counters

    @property
    def shared(self) -> int:
        """Bytes in /dev/shm (tables, node arrays and abstraction for the workers)."""
        if not self.num_workers:
            return 0
        return self.tables + self.scratch + self.tree_kernel + self.buckets

    @property
    def peak(self) -> int:
        """Everything at once: the shared parts once, the trainer's own copies, the processes."""
        local_tables = 0 if self.num_workers else self.tables
        return self.shared + local_tables + self.snapshot_copy + self.tree + self.buckets + self.workers

    @property
    def bytes_per_slot(self) -> float:
        """Table bytes (regrets, strategy sums, counters) per used action slot."""
        return self.tables / max(self.num_slots, 1)


def plan(cfg: RunConfig, tree: BettingTree, layout: TableLayout, bucket_bytes: int, num_workers: int) -> MemoryPlan:
    """The memory plan of training ``cfg`` (its betting tree, layout, and card abstraction
    tables of ``bucket_bytes``) with ``num_workers`` worker processes on shared tables (0:
    the kernel in the trainer's own process; :func:`holdem.runtime.engine.worker_processes`)."""
    from holdem.runtime.worker import DISCOUNT_CHUNK

    params = cfg.solver.params(cfg.game)
    specs = table_specs(layout, params, cfg.train.check_updates)
    size = {name: int(np.prod(shape)) * np.dtype(dtype).itemsize for name, (shape, dtype) in specs.items()}
    tables = sum(size.values())
    scratch = num_workers * min(layout.num_slots, DISCOUNT_CHUNK) * (np.dtype(specs["regret"][1]).itemsize + 8)
    tree_bytes = sum(getattr(tree, f).nbytes for f in ("player", "street", "terminal", "num_actions", "first_edge",
                                                       "contrib", "active", "parent", "parent_edge", "edge_child",
                                                       "edge_kind", "edge_amount"))
    kernel = layout.node_info.nbytes + layout.contrib.nbytes + layout.edge_child.nbytes
    tree_total = tree_bytes + layout.node_info.nbytes + (
        0 if np.shares_memory(layout.contrib, tree.contrib) else layout.contrib.nbytes)
    background = num_workers > 0  # only workers in other processes go on while a snapshot is written
    # kept snapshots, the one being written, final/; pluribus: float16 current strategies
    current = cfg.solver.current_snapshots * layout.num_slots * 2 if cfg.solver.average == "pluribus" else 0
    disk = (cfg.train.keep_snapshots + 2) * tables + current
    return MemoryPlan(size["regret"], size["strategy"], size["updates"], scratch, tables if background else 0,
                      tree_total, bucket_bytes, TRAINER_BYTES + num_workers * WORKER_BYTES, num_workers,
                      layout.num_slots, kernel, disk)


def plan_of(problem: Problem, cfg: RunConfig, num_workers: int) -> MemoryPlan:
    """:func:`plan` of a built problem."""
    dm = problem.deal_model
    buckets = int(dm.bucket_table.nbytes + dm.bucket_offset.nbytes + dm.card_global.nbytes)
    return plan(cfg, problem.tree, problem.layout, buckets, num_workers)


def bucket_bytes(cfg: RunConfig, num_buckets: np.ndarray) -> int:
    """Bytes of the card abstraction's tables, from the config alone (nothing built or loaded):
    a bucket file holds one label per isomorphic hand, the smallest unsigned type for k."""
    if cfg.abstraction.get("kind") != "buckets":
        return 0  # lossless and hand-strength tables are small
    return sum(int(n) * (1 if k <= 256 else 2 if k <= 65536 else 4) for n, k in zip(NUM_INDICES, num_buckets))


def available() -> tuple[int, int]:
    """(available memory, free bytes of /dev/shm) of this machine now."""
    try:
        import psutil
        memory = int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil is a dependency
        memory = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    try:
        shm = shutil.disk_usage(SHM).free
    except OSError:
        shm = 0
    return memory, shm


def refusal(p: MemoryPlan, memory: int, shm: int) -> str | None:
    """The one-line refusal of a plan that does not fit ``memory`` and ``shm``, or None."""
    advice = ("fewer buckets, raise sizes or max_raises (configs/nlhe-6max.yaml explains its choice), "
              "solver.average: pluribus (strategy sums for the first round only), solver.regret_dtype: int32")
    b = format_bytes
    if p.peak > memory:
        return (f"the run needs {b(p.peak)} at its peak (tables {b(p.tables)}, snapshot copy {b(p.snapshot_copy)}, "
                f"tree {b(p.tree)}, buckets {b(p.buckets)}, processes {b(p.workers)}) but {b(memory)} of memory "
                f"is available: use {advice}")
    if p.shared > shm:
        return (f"the run puts {b(p.shared)} in {SHM} but {b(shm)} is free there: enlarge it "
                f"(mount -o remount,size=...), or use {advice}")
    return None


def fitting(p: MemoryPlan, memory: int, shm: int) -> MemoryPlan:
    """``p``, or without the snapshot copy when ``p`` does not fit (snapshots are then
    written with the workers waiting): the plan the run follows, or the least it needs."""
    if p.snapshot_copy and refusal(p, memory, shm):
        return replace(p, snapshot_copy=0)
    return p


def check_fits(problem: Problem, cfg: RunConfig, num_workers: int) -> MemoryPlan:
    """The plan the run follows (:func:`fitting`); InputError (one line) when it does not
    fit this machine."""
    memory, shm = available()
    p = fitting(plan_of(problem, cfg, num_workers), memory, shm)
    why = refusal(p, memory, shm)
    if why is not None:
        raise InputError(f"{cfg.game.name}: {why}")
    return p
