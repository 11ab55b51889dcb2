"""Current-strategy snapshots of a ``pluribus``-averaged run, and the blueprint they make.

Pluribus (Brown & Sandholm 2019) keeps the average strategy only for the first betting
round; for the later rounds its blueprint is the mean of the current (regret-matching)
strategies saved at intervals during training. A run with ``solver.average: pluribus`` writes
``RUN/current/iter_<iteration>.npy`` (float16 probabilities, ``[rows, max_actions]``) at
``solver.current_snapshots`` evenly spaced iterations of ``train.iters``; the blueprint of
a snapshot at iteration T (:func:`blueprint_policy`) averages those written up to T. The
files are the run's output like ``final/`` and are never pruned.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from holdem.config import RunConfig
from holdem.mccfr.layout import TableLayout
from holdem.mccfr.policy import average_policy, current_policy, pluribus_policy
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
    with open(tmp, "wb") as f:
        np.save(f, current_policy(layout, regret).astype(np.float16))
        f.flush()
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
    total = np.zeros((layout.num_rows, layout.max_actions))
    for path in files:
        snap = np.load(path, allow_pickle=False)
        if snap.shape != total.shape:
            raise SnapshotError(f"{path}: current-strategy snapshot of shape {snap.shape}, the game needs {total.shape}")
        total += snap
    return pluribus_policy(layout, strategy, total / len(files))
