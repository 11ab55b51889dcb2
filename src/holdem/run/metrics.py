"""Training metrics: one JSON object per line in ``metrics.jsonl``; TensorBoard optionally."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from holdem.mccfr.layout import PLAYER, STREET, TableLayout
from holdem.mccfr.policy import actions_per_row


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


def table_statistics(layout: TableLayout, regret: np.ndarray, strategy: np.ndarray,
                     updates: np.ndarray, iteration: int) -> dict[str, Any]:
    """Average positive regret per visited row (divided by iterations) and mean entropy (nats)
    of the average strategy per street over visited rows."""
    legal = actions_per_row(layout)
    # rows the kernel has touched (counted when counters are kept)
    visited = updates > 0 if updates.shape[0] else (regret != 0).any(axis=1) | (strategy != 0).any(axis=1)
    mask = np.arange(regret.shape[1])[None, :] < legal[:, None]
    pos = np.where(mask, np.maximum(regret, 0.0), 0.0).max(axis=1)
    avg_regret = float(pos[visited].mean() / max(iteration, 1)) if visited.any() else 0.0
    s = np.where(mask, np.maximum(strategy.astype(np.float64), 0.0), 0.0)
    tot = s.sum(axis=1, keepdims=True)
    p = np.divide(s, tot, out=np.zeros_like(s), where=tot > 0)
    ent = -(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)).sum(axis=1)
    decision = layout.node_info[:, PLAYER] >= 0
    row_street = np.repeat(layout.node_info[decision, STREET], layout.num_buckets[layout.node_info[decision, STREET]])
    entropy = []
    for st in range(len(layout.num_buckets)):
        sel = visited & (row_street == st) & (tot[:, 0] > 0)
        entropy.append(round(float(ent[sel].mean()), 6) if sel.any() else None)
    return {"avg_regret": avg_regret, "entropy_per_street": entropy,
            "rows_visited": int(visited.sum()), "rows": int(layout.num_rows)}
