"""The policy API: load a trained blueprint from a run directory or a snapshot."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from holdem.config import RunConfig, config_from_dict
from holdem.mccfr import infoset
from holdem.mccfr.policy import average_policy, current_policy
from holdem.mccfr.problem import Problem, build_problem
from holdem.run.snapshot import SnapshotError, load_snapshot


@dataclass
class Blueprint:
    """A trained strategy with the problem it belongs to."""

    config: RunConfig
    problem: Problem
    average: np.ndarray   # float64 [rows, max_actions]: average strategy, normalised per row
    current: np.ndarray   # float64 [rows, max_actions]: regret-matching strategy
    iteration: int
    path: Path
    meta: dict[str, Any]

    def action_probabilities(self, hole: str, board: str, betting: str,
                             which: str = "average") -> dict[str, float]:
        """{ACPC action: probability} at the infoset of ``hole``/``board`` after ``betting``."""
        row, node = infoset.row_of(self.problem, hole, board, betting)
        probs = (self.average if which == "average" else self.current)[row]
        return dict(zip(infoset.action_labels(self.problem, node), map(float, probs)))

    def policy_dict(self, which: str = "average") -> dict[str, dict[str, float]]:
        """{infoset key: {action: probability}} for every row (small games)."""
        table = self.average if which == "average" else self.current
        out: dict[str, dict[str, float]] = {}
        for row in range(self.problem.layout.num_rows):
            node, _ = self.problem.layout.node_of_row(row)
            labels = infoset.action_labels(self.problem, node)
            out[infoset.infoset_key(self.problem, row)] = {a: float(p) for a, p in zip(labels, table[row])}
        return out


def load_blueprint(path: str | Path) -> Blueprint:
    """Load ``final/`` or the newest snapshot of a run directory, or one snapshot directory."""
    from holdem.run.directory import resolve_snapshot

    snap = resolve_snapshot(Path(path))
    arrays, meta = load_snapshot(snap)
    if "config" not in meta:
        raise SnapshotError(f"{snap / 'meta.json'}: no config recorded; cannot rebuild the game")
    cfg = config_from_dict(meta["config"])
    if cfg.problem_hash() != meta["problem_hash"]:
        raise SnapshotError(f"{snap / 'meta.json'}: config and problem hash disagree; the snapshot was modified")
    problem = build_problem(cfg.game, cfg.abstraction)
    shape = (problem.layout.num_rows, problem.layout.max_actions)
    if arrays["strategy"].shape != shape:
        raise SnapshotError(f"{snap / 'tables.npz'}: tables of shape {arrays['strategy'].shape}, the game needs {shape}")
    return Blueprint(cfg, problem, average_policy(problem.layout, arrays["strategy"]),
                     current_policy(problem.layout, arrays["regret"]), int(meta["iteration"]), snap, meta)
