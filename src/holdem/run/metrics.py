"""Training metrics: one JSON object per line in ``metrics.jsonl``; TensorBoard optionally."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from numba import njit

from holdem.mccfr.layout import NUM_ACTIONS, SLOT_BASE, STREET, TableLayout


class MetricsWriter:
    """Appends records to ``metrics.jsonl`` (flushed per line, so a crash loses nothing
    written) and mirrors scalar fields to TensorBoard event files when enabled."""

    def __init__(self, run_dir: Path, tensorboard: bool = False):
        self.path = Path(run_dir) / "metrics.jsonl"
        self.file = open(self.path, "a", buffering=1)
        self.tb = None
        if tensorboard:
            try:
                from tensorboardX import SummaryWriter
            except ImportError:
                print("holdem: --tensorboard needs tensorboardX: pip install 'holdem[tensorboard]' "
                      "(metrics.jsonl is written regardless)", file=sys.stderr)
            else:
                self.tb = SummaryWriter(str(Path(run_dir) / "tensorboard"))

    def write(self, record: dict[str, Any]) -> None:
        """Append one record."""
        self.file.write(json.dumps(record, sort_keys=True) + "\n")
        if self.tb is not None:
            step = int(record.get("iteration", 0))
            for key, value in _flatten(record):
                if key != "iteration":
                    self.tb.add_scalar(key, value, step)

    def close(self) -> None:
        """Flush and close."""
        self.file.close()
        if self.tb is not None:
            self.tb.close()


def _flatten(record: dict[str, Any], prefix: str = ""):
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + "/")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                    yield f"{name}/{i}", float(v)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            yield name, float(value)


@njit(cache=True)
def _row_statistics(node_info: np.ndarray, nodes: np.ndarray, num_buckets: np.ndarray, regret: np.ndarray,
                    strategy: np.ndarray, updates: np.ndarray, out: np.ndarray) -> None:
    """Per street s: out[s] = (rows visited, sum of their largest positive regret, rows
    with strategy sums, sum of those rows' entropy). One pass, no temporaries."""
    counted = updates.shape[0] > 0
    row = 0
    for node in nodes:
        n = node_info[node, NUM_ACTIONS]
        st = node_info[node, STREET]
        base = node_info[node, SLOT_BASE]
        kept = base + num_buckets[st] * n <= strategy.shape[0]
        for b in range(num_buckets[st]):
            slot = base + b * n
            touched = False
            best = 0.0
            total = 0.0
            for a in range(n):
                r = float(regret[slot + a])
                touched |= r != 0.0
                best = max(best, r)
                if kept:
                    w = strategy[slot + a]
                    touched |= w != 0.0
                    total += max(w, 0.0)
            visited = updates[row] > 0 if counted else touched
            row += 1
            if not visited:
                continue
            out[st, 0] += 1.0
            out[st, 1] += best
            if kept and total > 0.0:
                ent = 0.0
                for a in range(n):
                    p = max(strategy[slot + a], 0.0) / total
                    if p > 0.0:
                        ent -= p * np.log(p)
                out[st, 2] += 1.0
                out[st, 3] += ent


def table_statistics(layout: TableLayout, regret: np.ndarray, strategy: np.ndarray,
                     updates: np.ndarray, iteration: int, regret_unit: float = 0.0) -> dict[str, Any]:
    """Average positive regret per visited row (chips, divided by iterations) and mean
    entropy (nats) of the average strategy per street over visited rows (on the streets
    whose sums are kept). ``regret_unit``: int32 table units per chip (0: float regrets)."""
    out = np.zeros((len(layout.num_buckets), 4))
    _row_statistics(layout.node_info, layout.decision_nodes(), layout.num_buckets, regret, strategy, updates, out)
    visited = int(out[:, 0].sum())
    avg_regret = float(out[:, 1].sum() / visited / max(iteration, 1) / (regret_unit or 1.0)) if visited else 0.0
    entropy = [round(float(e / c), 6) if c else None for c, e in zip(out[:, 2], out[:, 3])]
    return {"avg_regret": avg_regret, "entropy_per_street": entropy,
            "rows_visited": visited, "rows": int(layout.num_rows)}
