"""Size of a config before training: ``python -m holdem.cli.tree_stats --config X``.

Prints, per street, decision nodes, infosets (rows), used action slots and the bytes of
each table in the config's scheme (regrets float32 or int32 on every slot; float64
strategy sums where the averaging keeps them; update counters only with
``train.check_updates``), the line ``bytes per used action slot: X``, and the memory plan
of the whole run (:mod:`holdem.run.memory_plan`) with ``--workers`` (default: the
config's). Exits 2 with one line when the run would not fit this machine.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from holdem.cli.common import ArgumentParser, run_cli


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = ArgumentParser(prog="tree_stats", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes of the planned run (default: train.num_workers; 0 = one per core)")
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.abstraction.card_abstraction import bucket_counts
        from holdem.config import load_config, with_train_overrides
        from holdem.core.inputs import InputError
        from holdem.game.tree import build_tree
        from holdem.mccfr.external_sampling import table_specs
        from holdem.mccfr.layout import build_layout
        from holdem.core.progress import format_bytes as size
        from holdem.run.memory_plan import available, bucket_bytes, fitting, plan, refusal
        from holdem.runtime.coordinator import resolve_workers
        from holdem.runtime.engine import worker_processes

        cfg = load_config(args.config)
        if args.workers is not None and args.workers < 0:
            raise InputError(f"--workers: invalid value {args.workers}: use 0 (one per core) or more")
        if args.workers is not None:
            cfg = with_train_overrides(cfg, num_workers=args.workers)
        workers = resolve_workers(cfg.train.num_workers)
        started = time.perf_counter()
        tree = build_tree(cfg.game)
        build_s = time.perf_counter() - started
        layout = build_layout(tree, bucket_counts(cfg.game, cfg.abstraction))
        params = cfg.solver.params(cfg.game)
        specs = table_specs(layout, params, cfg.train.check_updates)
        regret_size = np.dtype(specs["regret"][1]).itemsize
        decision = tree.player >= 0
        nodes = np.bincount(tree.street[decision], minlength=tree.num_streets)
        rows, slots = layout.rows_per_street(), layout.slots_per_street()
        print(f"game {cfg.game.name}: {cfg.game.num_players} players, {tree.num_nodes:,} nodes "
              f"({int(decision.sum()):,} decision, {int((tree.terminal > 0).sum()):,} terminal), "
              f"max {layout.max_actions} actions; tree built in {build_s:.1f} s "
              f"({tree.num_nodes / max(build_s, 1e-9):,.0f} nodes/s)")
        print(f"{'street':>6} {'decision nodes':>15} {'buckets':>8} {'infosets (rows)':>16} {'action slots':>15} "
              f"{'regret':>11} {'strategy':>11} {'counters':>11}")
        for s in range(tree.num_streets):
            strat = slots[s] * 8 if s < params.average_streets else 0
            counters = rows[s] * 8 if cfg.train.check_updates else 0
            print(f"{s:>6} {int(nodes[s]):>15,} {int(layout.num_buckets[s]):>8,} {int(rows[s]):>16,} "
                  f"{int(slots[s]):>15,} {size(slots[s] * regret_size):>11} {size(strat):>11} {size(counters):>11}")
        memory, shm = available()
        mp = fitting(plan(cfg, tree, layout, bucket_bytes(cfg, layout.num_buckets), worker_processes(cfg)), memory, shm)
        print(f"{'total':>6} {int(decision.sum()):>15,} {'':>8} {layout.num_rows:>16,} {layout.num_slots:>15,} "
              f"{size(mp.regret):>11} {size(mp.strategy):>11} {size(mp.counters):>11}")
        kept = "all streets" if params.average_streets >= tree.num_streets else "the first betting round only"
        print(f"tables: {size(mp.tables)} (regret {np.dtype(specs['regret'][1]).name}; strategy sums float64 on "
              f"{kept} (solver.average: {cfg.solver.average}); update counters "
              f"{'kept' if cfg.train.check_updates else 'only with train.check_updates'})")
        print(f"bytes per used action slot: {mp.bytes_per_slot:.2f}")
        row_layout = layout.num_rows * layout.max_actions * 12 + (layout.num_rows * 8 if cfg.train.check_updates else 0)
        print(f"  (the row layout before format 3: {row_layout / max(layout.num_slots, 1):.2f}, "
              f"{size(row_layout)} of [{layout.num_rows:,} x {layout.max_actions}] float32 + float64 tables)")
        print(f"memory plan, {workers} worker(s): peak {size(mp.peak)} = tables {size(mp.tables)} + "
              f"scratch {size(mp.scratch)} + snapshot copy {size(mp.snapshot_copy)} + tree {size(mp.tree)}"
              f"{' (+' + size(mp.tree_kernel) + ' shared)' if mp.num_workers else ''} + buckets {size(mp.buckets)}"
              f"{' (x2: shared)' if mp.num_workers else ''} + processes {size(mp.workers)}; "
              f"{size(mp.shared)} in /dev/shm")
        if mp.num_workers and not mp.snapshot_copy:
            print("  (two copies of the tables do not fit: the workers wait while a snapshot is written)")
        print(f"run directory: up to {size(mp.disk)} on disk ({cfg.train.keep_snapshots} kept snapshots, the one "
              f"being written and final/ of {size(mp.tables)} each"
              + (f", {cfg.solver.current_snapshots} current-strategy snapshots of {size(layout.num_slots * 2)}"
                 if cfg.solver.average == "pluribus" else "") + ")")
        print(f"this machine: {size(memory)} memory available, {size(shm)} free in /dev/shm")
        why = refusal(mp, memory, shm)
        if why is not None:
            print(f"tree_stats: error: {args.config}: {why}", file=sys.stderr)
            return 2
        return 0

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
