"""A node's trainer in a multi-node run (:mod:`holdem.runtime.cluster`), and the sync step.

Ray imports this module in the actor's fresh process to rebuild :class:`NodeTrainer`. It
imports no kernel module at import time: numba picks its cache directory when a kernel is
defined, so :meth:`NodeTrainer.__init__` first sets this machine's cache location
(:func:`holdem.core.numba_cache.configure`, which a cluster's processes would not inherit
from the driver) and only then imports the engine.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from typing import Any

import numpy as np

from holdem.core import numba_cache


class NodeTrainer:
    """One node's trainer: a parallel engine on its own tables, plus the base of the last sync.

    Used as a Ray actor (threaded, so that :meth:`stop` is heard while :meth:`run` runs).
    """

    def __init__(self, cfg_dict: dict[str, Any], workers: int, regret_scale: float):
        numba_cache.configure()  # before the first kernel module is imported (the workers inherit it)
        from holdem.config import config_from_dict
        from holdem.mccfr.external_sampling import table_arrays
        from holdem.mccfr.problem import build_problem
        from holdem.runtime import janitor
        from holdem.runtime.coordinator import ParallelEngine

        janitor.start(os.getpid())  # unlinks our segments if Ray ends this process without close()
        self.niceness = normal_priority()  # before the workers start: they inherit it
        cfg = config_from_dict(cfg_dict)
        problem = build_problem(cfg.game, cfg.abstraction)
        self.engine = ParallelEngine(problem, cfg, workers, regret_scale=regret_scale)
        self.tables = table_arrays(self.engine.tables)  # views of the shared tables
        self.base = {k: v.copy() for k, v in self.tables.items()}
        self.floor = float(self.engine.params.regret_floor)
        self._stop = threading.Event()
        self._hurry = threading.Event()

    def ready(self) -> dict[str, Any]:
        """Facts about this trainer: its process and its workers."""
        return {"pid": os.getpid(), "status": self.engine.status(), "niceness": self.niceness}

    def load(self, arrays: dict[str, np.ndarray]) -> None:
        """Take the cluster's tables (a start from a snapshot, or a node that joins)."""
        for key in self.base:
            np.copyto(self.tables[key], arrays[key])
            np.copyto(self.base[key], arrays[key])

    def run(self, pieces: list[list[int]], bounds: list[dict[str, tuple[int, int]]]) -> tuple[Any, ...]:
        """Run this node's share of a round; return its summary and its delta since the last
        sync cut into the chunks ``bounds`` (one object each, summed on different nodes).
        Strategy sums travel as float32: a round's contribution needs no more (the sums
        themselves stay float64)."""
        from holdem.runtime.coordinator import Piece

        self._stop.clear()
        self._hurry.clear()
        engine = self.engine
        before, cut_before, started = engine.iteration, engine.iterations_cut, time.time()
        updates_before = engine.issued_updates
        left = engine.run_pieces([Piece(*p) for p in pieces], self._stop.is_set, self._hurry.is_set)
        delta = {k: np.subtract(self.tables[k], self.base[k]) for k in self.base}
        delta["strategy"] = delta["strategy"].astype(np.float32)
        summary = {"applied": engine.iteration - before, "left": [list(p) for p in left],
                   "cut": engine.iterations_cut - cut_before, "seconds": time.time() - started,
                   "updates": engine.issued_updates - updates_before,  # row updates (exact in check mode)
                   "stats": engine.stats.tolist(), "status": engine.status()}
        chunks = [{k: v[piece[k][0]:piece[k][1]] for k, v in delta.items()} for piece in bounds]
        return (summary, *chunks)

    def stop(self, hurry: bool = False) -> None:
        """Ask the running share to stop (its batches get the engine's grace, 1 s with ``hurry``)."""
        if hurry:
            self._hurry.set()
        self._stop.set()

    def add(self, *parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """One chunk of the sync: strategy sums and counters summed over the nodes, regrets
        averaged (:mod:`holdem.runtime.cluster` says why); added in the order given, so every
        run is the same."""
        total = {k: np.array(v, copy=True) for k, v in parts[0].items()}
        for part in parts[1:]:
            for k, v in part.items():
                np.add(total[k], v, out=total[k])
        if len(parts) > 1:
            np.multiply(total["regret"], np.float32(1.0 / len(parts)), out=total["regret"])
        return total

    def apply(self, bounds: list[dict[str, tuple[int, int]]], factor: float | None,
              *summed: dict[str, np.ndarray]) -> float:
        """``tables = base + sum`` chunk by chunk, floored and discounted; then ``base = tables``."""
        started = time.time()
        for piece, part in zip(bounds, summed):
            apply_sum(self.tables, self.base, part, self.floor, factor, piece)
            for key, value in self.tables.items():
                lo, hi = piece[key]
                np.copyto(self.base[key][lo:hi], value[lo:hi])
        return time.time() - started

    def digest(self) -> str:
        """SHA-256 of the tables (tests: every copy is equal after a sync)."""
        return table_digest(self.tables)

    def close(self) -> None:
        """Stop the workers and unlink the shared memory."""
        self.tables = {}
        self.engine.close()


def normal_priority() -> int:
    """Undo Ray's worker niceness (15 unless the node was started with RAY_worker_niceness=0):
    a node's trainer is its main work, and at 15 every other process on the machine comes
    first. Returns the niceness the trainer keeps (above 0 where lowering it is not allowed)."""
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    if nice > 0:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, 0)
        except OSError:  # lowering needs CAP_SYS_NICE: the driver says how to start the node
            return nice
    return os.getpriority(os.PRIO_PROCESS, 0)


def apply_sum(tables: dict[str, np.ndarray], base: dict[str, np.ndarray], total: dict[str, np.ndarray],
              floor: float, factor: float | None, piece: dict[str, tuple[int, int]] | None = None) -> None:
    """The chunk ``piece`` (``(lo, hi)`` per table, all of them by default) of
    ``tables = base + total`` (``total`` holds just that chunk), regrets floored, then the
    discount: the one sync step that every copy (nodes and driver) runs, so that they stay
    bit-identical."""
    from holdem.mccfr.external_sampling import discount

    span = {key: slice(*piece[key]) if piece else slice(None) for key in base}
    for key in base:
        np.add(base[key][span[key]], total[key], out=tables[key][span[key]])
    regret = tables["regret"][span["regret"]]
    np.maximum(regret, np.float32(floor), out=regret)
    if factor is not None:
        discount(regret, tables["strategy"][span["strategy"]], factor)


def table_digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the arrays in key order."""
    h = hashlib.sha256()
    for key in sorted(arrays):
        h.update(key.encode())
        h.update(np.ascontiguousarray(arrays[key]).view(np.uint8).data)
    return h.hexdigest()
