"""Size of a config before training: ``python -m holdem.cli.tree_stats --config X``.

Prints decision nodes and infosets (table rows) per street, and the bytes of the tables
(regret float32 + strategy sums float64, ``[rows, max_actions]``; per-row update counters
only with ``--check-updates``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from holdem.cli.common import ArgumentParser, run_cli


def table_bytes(num_rows: int, max_actions: int) -> int:
    """Bytes of regret (float32) + strategy sums (float64)."""
    return num_rows * max_actions * (4 + 8)


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = ArgumentParser(prog="tree_stats", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, type=Path)
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.abstraction.card_abstraction import bucket_counts
        from holdem.config import load_config
        from holdem.game.tree import build_tree
        from holdem.mccfr.layout import build_layout

        cfg = load_config(args.config)
        tree = build_tree(cfg.game)
        layout = build_layout(tree, bucket_counts(cfg.game, cfg.abstraction))
        decision = tree.player >= 0
        nodes = np.bincount(tree.street[decision], minlength=tree.num_streets)
        rows = layout.rows_per_street()
        print(f"game {cfg.game.name}: {cfg.game.num_players} players, {tree.num_nodes:,} nodes "
              f"({int(decision.sum()):,} decision, {int((tree.terminal > 0).sum()):,} terminal), "
              f"max {layout.max_actions} actions")
        print(f"{'street':>6} {'decision nodes':>15} {'buckets':>8} {'infosets (rows)':>16}")
        for s in range(tree.num_streets):
            print(f"{s:>6} {int(nodes[s]):>15,} {int(layout.num_buckets[s]):>8,} {int(rows[s]):>16,}")
        total = table_bytes(layout.num_rows, layout.max_actions)
        print(f"{'total':>6} {int(decision.sum()):>15,} {'':>8} {layout.num_rows:>16,}")
        print(f"tables: {_human(total)} ({total:,} bytes: regret float32 + strategy sums float64 "
              f"[{layout.num_rows:,} x {layout.max_actions}]; --check-updates adds "
              f"{_human(layout.num_rows * 8)} of update counters)")
        return 0

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
