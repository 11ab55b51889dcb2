"""The policy API: load a trained blueprint from a run directory or a snapshot."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from holdem.config import RunConfig, config_from_dict
from holdem.core.inputs import InputError
from holdem.mccfr import infoset
from holdem.mccfr.policy import current_policy, normalise_block
from holdem.mccfr.problem import Problem, build_problem
from holdem.run import current_snapshots
from holdem.run.directory import resolve_snapshot, run_dir_of
from holdem.run.snapshot import TABLES, SnapshotError, load_snapshot, map_tables
from holdem.run.table_format import checked_tables


@dataclass
class Blueprint:
    """A trained strategy with the problem it belongs to."""

    config: RunConfig
    problem: Problem
    average: np.ndarray   # float64 [slots]: the blueprint: average strategy, normalised per row
    #                       (pluribus averaging: first round only, then the mean of current snapshots)
    current: np.ndarray   # float64 [slots]: regret-matching strategy
    iteration: int
    path: Path
    meta: dict[str, Any]

    def action_probabilities(self, hole: str, board: str, betting: str,
                             which: str = "average") -> dict[str, float]:
        """{ACPC action: probability} at the infoset of ``hole``/``board`` after ``betting``."""
        row, node = infoset.row_of(self.problem, hole, board, betting)
        probs = (self.average if which == "average" else self.current)[self.problem.layout.row_slots(row)]
        return dict(zip(infoset.action_labels(self.problem, node), map(float, probs)))

    def node_probs(self, node: int, buckets: np.ndarray, which: str = "average") -> np.ndarray:
        """The policy of ``buckets`` at ``node``, ``[len(buckets), actions]``."""
        table = self.average if which == "average" else self.current
        return table[self.problem.layout.slots(node, np.asarray(buckets, dtype=np.int64))]

    def policy_dict(self, which: str = "average") -> dict[str, dict[str, float]]:
        """{infoset key: {action: probability}} for every row (small games)."""
        table = self.average if which == "average" else self.current
        out: dict[str, dict[str, float]] = {}
        layout = self.problem.layout
        for row in range(layout.num_rows):
            node, bucket = layout.node_of_row(row)
            labels = infoset.action_labels(self.problem, node)
            probs = table[layout.slots(node, bucket)]
            out[infoset.infoset_key(self.problem, row)] = {a: float(p) for a, p in zip(labels, probs)}
        return out


def _open(path: str | Path, loader: Callable[[Path], tuple[dict[str, np.ndarray], dict[str, Any]]]):
    """(snapshot dir, arrays, meta, config, problem) of a run or snapshot, checked."""
    snap = resolve_snapshot(Path(path))
    arrays, meta = loader(snap)
    if "config" not in meta:
        raise SnapshotError(f"{snap / 'meta.json'}: no config recorded; cannot rebuild the game")
    try:
        cfg = config_from_dict(meta["config"])
    except InputError as e:
        raise SnapshotError(f"{snap / 'meta.json'}: recorded config is invalid ({e})") from None
    for name in ("regret", "strategy"):
        if name not in arrays:
            raise SnapshotError(f"{snap / 'tables.npz'}: array {name!r} missing; not a training snapshot")
    if cfg.problem_hash() != meta["problem_hash"]:
        raise SnapshotError(f"{snap / 'meta.json'}: config and problem hash disagree; the snapshot was modified")
    problem = build_problem(cfg.game, cfg.abstraction)
    arrays = checked_tables(problem, cfg, arrays, meta, snap / TABLES)
    return snap, arrays, meta, cfg, problem


def load_blueprint(path: str | Path) -> Blueprint:
    """Load ``final/`` or the newest snapshot of a run directory, or one snapshot directory."""
    snap, arrays, meta, cfg, problem = _open(path, load_snapshot)
    iteration = int(meta["iteration"])
    average = current_snapshots.blueprint_policy(cfg, problem.layout, run_dir_of(snap), iteration,
                                                 arrays["strategy"], arrays["regret"])
    return Blueprint(cfg, problem, average, current_policy(problem.layout, arrays["regret"]), iteration, snap, meta)


@dataclass
class MappedBlueprint:
    """A blueprint whose tables stay on disk (memory maps): :meth:`rows` reads only the rows
    asked for, so a report of a multi-GiB run needs memory for what it shows."""

    config: RunConfig
    problem: Problem
    strategy: np.ndarray  # memory map of the strategy sums
    regret: np.ndarray    # memory map of the regrets
    iteration: int
    path: Path
    meta: dict[str, Any]

    def node_probs(self, node: int, buckets: np.ndarray, which: str = "average") -> np.ndarray:
        """The policy (``average`` = the blueprint, or ``current``) of ``buckets`` at ``node``,
        ``[len(buckets), actions]``: what :func:`load_blueprint` gives for them, reading only
        their slots (and for pluribus runs only those of the current-strategy files)."""
        layout = self.problem.layout
        slots = layout.slots(node, np.asarray(buckets, dtype=np.int64))
        if which != "average":
            table = self.regret
        elif self.config.solver.average == "pluribus" and int(self.problem.tree.street[node]) > 0:
            return normalise_block(current_snapshots.later_weights(layout, run_dir_of(self.path), self.iteration,
                                                                   self.regret, slots))
        else:
            table = self.strategy
        return normalise_block(np.asarray(table[slots.ravel()]).reshape(slots.shape))


def map_blueprint(path: str | Path) -> MappedBlueprint:
    """Open a run or snapshot like :func:`load_blueprint`, its tables memory-mapped."""
    snap, arrays, meta, cfg, problem = _open(path, map_tables)
    return MappedBlueprint(cfg, problem, arrays["strategy"], arrays["regret"], int(meta["iteration"]), snap, meta)
