"""Current-strategy snapshots of a ``pluribus``-averaged run, and the blueprint they make.

Pluribus (Brown & Sandholm 2019) keeps the average strategy only for the first betting
round; for the later rounds its blueprint is the mean of the current (regret-matching)
strategies saved at intervals during training. A run with ``solver.average: pluribus`` writes
``RUN/current/iter_<iteration>.npy`` (float16 probabilities over the action slots; runs of
an older holdem wrote ``[rows, max_actions]``, converted when read) at
``solver.current_snapshots`` evenly spaced iterations of ``train.iters``; the blueprint of
a snapshot at iteration T (:func:`blueprint_policy`) averages those written up to T. The
files are the run's output like ``final/`` and are never pruned.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from holdem.config import RunConfig
from holdem.mccfr.layout import TableLayout, slots_from_rows
from holdem.mccfr.policy import average_policy, current_policy, pluribus_policy
from holdem.mccfr.regret_matching import current_policy_chunks
from holdem.run.snapshot import SnapshotError

DIRECTORY = "current"


def interval(cfg: RunConfig) -> int:
    """Iterations between two current-strategy snapshots of ``cfg``'s run."""
    return max(1, cfg.train.iters // cfg.solver.current_snapshots)


def write(run_dir: Path, iteration: int, layout: TableLayout, regret: np.ndarray) -> Path:
    """Save the current strategy at ``iteration`` (atomically: a crash leaves no partial file)."""
    directory = Path(run_dir) / DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"iter_{iteration:012d}.npy"
    tmp = directory / f".tmp-{target.name}-{os.getpid()}"
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float16, shape=(layout.num_slots,))
    for lo, probs in current_policy_chunks(layout, regret):  # bounded memory on blueprint-size tables
        out[lo:lo + len(probs)] = probs
    out.flush()
    del out
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)
    return target


def listed(run_dir: Path, up_to: int) -> list[Path]:
    """The snapshot files of ``run_dir`` with iteration at most ``up_to``, oldest first."""
    directory = Path(run_dir) / DIRECTORY
    if not directory.is_dir():
        return []
    found = []
    for path in directory.glob("iter_*.npy"):
        digits = path.stem[len("iter_"):]
        if digits.isdigit() and int(digits) <= up_to:
            found.append((int(digits), path))
    return [p for _, p in sorted(found)]


def read(path: Path, layout: TableLayout) -> np.ndarray:
    """One current-strategy file as flat slots, memory-mapped (files of the row layout,
    ``[rows, max_actions]``, converted); SnapshotError when it is not of this game."""
    snap = np.load(path, mmap_mode="r", allow_pickle=False)
    if snap.ndim == 2 and snap.shape == (layout.num_rows, layout.max_actions):
        snap = slots_from_rows(layout, np.asarray(snap))  # written by a holdem of the row layout
    if snap.shape != (layout.num_slots,):
        raise SnapshotError(f"{path}: current-strategy snapshot of shape {snap.shape}, the game needs "
                            f"({layout.num_slots},)")
    return snap


def blueprint_policy(cfg: RunConfig, layout: TableLayout, run_dir: Path | None, iteration: int,
                     strategy: np.ndarray, regret: np.ndarray) -> np.ndarray:
    """The policy a run plays at ``iteration``: the average strategy, or for ``pluribus`` runs
    the first round's average and the mean of the current snapshots up to ``iteration`` (the
    current strategy now while there is none)."""
    if cfg.solver.average != "pluribus":
        return average_policy(layout, strategy)
    files = listed(run_dir, iteration) if run_dir is not None else []
    if not files:
        return pluribus_policy(layout, strategy, current_policy(layout, regret))
    total = np.zeros(layout.num_slots)
    for path in files:
        total += read(path, layout)
    return pluribus_policy(layout, strategy, total / len(files))


def later_weights(layout: TableLayout, run_dir: Path | None, iteration: int, regret: np.ndarray,
                  slots: np.ndarray) -> np.ndarray:
    """The later rounds' blueprint weights at ``slots`` only (``[..., actions]``): the mean of
    the snapshot files up to ``iteration`` read through memory maps, or the regrets (current
    strategy) while there is none. What :func:`blueprint_policy` gives there, for the cost
    of the slots asked for."""
    files = listed(run_dir, iteration) if run_dir is not None else []
    if not files:
        return np.asarray(regret[slots.ravel()], dtype=np.float64).reshape(slots.shape)
    total = np.zeros(slots.shape)
    for path in files:
        total += np.asarray(read(path, layout)[slots.ravel()], dtype=np.float64).reshape(slots.shape)
    return total / len(files)
