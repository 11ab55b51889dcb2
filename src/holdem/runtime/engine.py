"""Engines: who runs the kernel. The run loop (:mod:`holdem.run.loop`) drives any engine
through :class:`Engine`; :class:`LocalEngine` runs the kernel in this process, the parallel
coordinator (:mod:`holdem.runtime.coordinator`) offers the same interface over workers that
update shared-memory tables."""
from __future__ import annotations

from typing import Any, Callable, Protocol

import numpy as np

from holdem.config import RunConfig
from holdem.mccfr.external_sampling import Tables, kernel_facts, restore_tables
from holdem.mccfr.problem import Problem
from holdem.mccfr.solver import Solver


class Engine(Protocol):
    """What the run loop needs from whoever runs the kernel."""

    iteration: int
    chunk: int  # iterations per advance() call between progress updates

    @property
    def tables(self) -> Tables: ...

    def advance(self, iterations: int, should_stop: Callable[[], bool], hurry: Callable[[], bool] = ...) -> None: ...

    def rng_states(self) -> list[int]: ...

    def restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None: ...

    def status(self) -> dict[str, Any]: ...

    def snapshot_facts(self) -> dict[str, Any]: ...

    def frozen_tables(self) -> dict[str, np.ndarray] | None: ...

    def quiesce(self, hurry: Callable[[], bool] = ...) -> None: ...

    def close(self) -> None: ...


class LocalEngine:
    """The kernel in this process on local tables."""

    def __init__(self, problem: Problem, cfg: RunConfig):
        self.solver = Solver(problem, cfg.solver, seed=cfg.train.seed, check_updates=cfg.train.check_updates)
        self.chunk = cfg.train.batch_size

    @property
    def iteration(self) -> int:
        """Iterations done."""
        return self.solver.iteration

    @property
    def tables(self) -> Tables:
        """The tables."""
        return self.solver.tables

    def advance(self, iterations: int, should_stop: Callable[[], bool] = lambda: False,
                hurry: Callable[[], bool] = lambda: False) -> None:
        """Run ``iterations`` iterations (one short kernel call: no need to check should_stop)."""
        self.solver.run(iterations)

    def rng_states(self) -> list[int]:
        """Generator state(s) for the snapshot."""
        return [int(self.solver.rng[0])]

    def restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Continue from a snapshot."""
        restore_tables(self.solver.tables, arrays)
        self.solver.iteration = int(meta["iteration"])
        self.solver.rng[0] = np.uint64(int(meta["rng"][0]))

    def status(self) -> dict[str, Any]:
        """Progress facts for the progress line and metrics."""
        return {"workers_alive": 1, **kernel_facts(self.solver.stats)}

    def snapshot_facts(self) -> dict[str, Any]:
        """Nothing beyond the tables and the generator: every iteration runs in order, here."""
        return {}

    def frozen_tables(self) -> None:
        """None: the kernel runs in this thread, so a snapshot is written synchronously."""
        return None

    def quiesce(self, hurry: Callable[[], bool] = lambda: False) -> None:
        """Nothing runs between calls: nothing to stop."""

    def close(self) -> None:
        """Nothing to release."""


def worker_processes(cfg: RunConfig, resumed: dict[str, Any] | None = None) -> int:
    """Worker processes a local run of ``cfg`` starts: 0 when one worker runs the kernel in
    this process (deterministic), else one per worker; a one-worker resume of a snapshot with
    pending pieces needs the coordinator (only it runs those), so one process."""
    from holdem.runtime.coordinator import resolve_workers

    workers = resolve_workers(cfg.train.num_workers)
    return 0 if workers == 1 and not (resumed or {}).get("unfinished") else workers


def make_engine(problem: Problem, cfg: RunConfig, resumed: dict[str, Any] | None = None) -> Engine:
    """The multi-node engine for ``backend: ray``; else in-process for one worker
    (deterministic), the shared-memory coordinator for more, or for one when the snapshot
    to resume has pending pieces (only the coordinator runs those)."""
    from holdem.runtime.coordinator import ParallelEngine

    if cfg.train.backend == "ray":
        from holdem.runtime.cluster import ClusterEngine
        return ClusterEngine(problem, cfg)
    processes = worker_processes(cfg, resumed)
    return LocalEngine(problem, cfg) if processes == 0 else ParallelEngine(problem, cfg, processes)
