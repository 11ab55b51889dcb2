"""Averaging schemes on three-player games: exact NashConv at equal iterations and equal time.

    python benchmarks/bench_averaging.py [--max-iters 10000000] [--seeds 1]

For 3-player Kuhn and 3-player Leduc (configs/kuhn-3p.yaml, configs/leduc-3p.yaml), each
scheme of ``solver.average`` trains in one process (linear CFR as in the configs) and is
evaluated by exact NashConv (sum over players of the best-response gain) at 10^5, 10^6, ...
iterations, and again after the wall time that ``simple`` needed to get there (evaluation
time not counted). ``pluribus`` keeps the average strategy of the first round only and plays
the mean of ``current_snapshots`` current-strategy snapshots, evenly spaced over the run,
after it; it trains once per target (its snapshots are spaced over that target). Kuhn has
one betting round, so there ``pluribus`` is ``sampled`` and is not run.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import _bench_util  # noqa: F401  (configures the numba cache before any kernel is imported)

from holdem.config import load_config
from holdem.mccfr.best_response import deal_table, nash_conv
from holdem.mccfr.policy import average_policy, current_policy, pluribus_policy
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver import Solver

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 10_000


def _policy(problem, solver: Solver, scheme: str, later: np.ndarray | None, count: int) -> np.ndarray:
    layout = problem.layout
    if scheme != "pluribus":
        return average_policy(layout, solver.tables.strategy)
    now = current_policy(layout, solver.tables.regret)
    return pluribus_policy(layout, solver.tables.strategy, later / count if count else now)


def train(problem, deals, solver_cfg, scheme: str, seed: int, targets: list[int],
          time_marks: dict[int, float]) -> dict[int, tuple[float, float, float | None]]:
    """{target: (NashConv at target, seconds to target, NashConv after time_marks[target] s)}."""
    solver = Solver(problem, replace(solver_cfg, average=scheme), seed=seed)
    solver.run(1)  # compile (or load) outside the clock
    solver = Solver(problem, replace(solver_cfg, average=scheme), seed=seed)
    end = max(targets)
    snap_every = max(1, end // solver_cfg.current_snapshots)
    later = np.zeros((problem.layout.num_rows, problem.layout.max_actions))
    count = 0
    out: dict[int, list] = {t: [None, None, None] for t in targets}
    pending_marks = sorted((s, t) for t, s in time_marks.items())
    elapsed = 0.0
    while solver.iteration < end:
        goal = min(end, solver.iteration + CHUNK - solver.iteration % CHUNK)
        if scheme == "pluribus":
            goal = min(goal, (solver.iteration // snap_every + 1) * snap_every)
        start = time.perf_counter()
        solver.run(goal - solver.iteration)
        if scheme == "pluribus" and solver.iteration % snap_every == 0:
            later += current_policy(problem.layout, solver.tables.regret)
            count += 1
        elapsed += time.perf_counter() - start
        while pending_marks and elapsed >= pending_marks[0][0]:
            _, t = pending_marks.pop(0)
            out[t][2] = nash_conv(problem.layout, deals, _policy(problem, solver, scheme, later, count))
        if solver.iteration in out:
            out[solver.iteration][0] = nash_conv(problem.layout, deals, _policy(problem, solver, scheme, later, count))
            out[solver.iteration][1] = elapsed
    return {t: tuple(v) for t, v in out.items()}


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-iters", type=int, default=1_000_000, help="largest target (powers of 10 from 10^5)")
    ap.add_argument("--seeds", type=int, default=1, help="seeds per cell (the table shows the mean)")
    ap.add_argument("--games", default="kuhn-3p,leduc-3p")
    ap.add_argument("--strategy-interval", type=int, default=None,
                    help="iterations between average-strategy passes of sampled/pluribus (default: the config's)")
    args = ap.parse_args()
    targets = [10 ** k for k in range(5, 11) if 10 ** k <= args.max_iters]
    print(f"{'game':<9} {'scheme':<9} {'iterations':>11} {'NashConv':>9} {'seconds':>8} {'it/s':>9} "
          f"{'NashConv @ simple time':>23}")
    for game in args.games.split(","):
        cfg = load_config(ROOT / "configs" / f"{game}.yaml")
        if args.strategy_interval:
            cfg = replace(cfg, solver=replace(cfg.solver, strategy_interval=args.strategy_interval))
        problem = build_problem(cfg.game, cfg.abstraction)
        deals = deal_table(problem.spec, problem.deal_model)
        schemes = ["simple", "sampled"] + (["pluribus"] if problem.spec.num_streets > 1 else [])
        simple_time: dict[int, float] = {}
        for scheme in schemes:
            cells: dict[int, list[tuple]] = {t: [] for t in targets}
            for seed in range(args.seeds):
                marks = {t: simple_time[t] for t in targets} if scheme != "simple" else {}
                runs = ([train(problem, deals, cfg.solver, scheme, seed, [t], {t: marks[t]} if marks else {})
                         for t in targets] if scheme == "pluribus"
                        else [train(problem, deals, cfg.solver, scheme, seed, targets, marks)])
                for r in runs:
                    for t, v in r.items():
                        cells[t].append(v)
            for t in targets:
                nc = float(np.mean([v[0] for v in cells[t]]))
                sec = float(np.mean([v[1] for v in cells[t]]))
                if scheme == "simple":
                    simple_time[t] = sec
                eq = [v[2] for v in cells[t] if v[2] is not None]
                # a scheme that reached the target sooner than simple: its value there (marked *)
                eq_txt = f"{np.mean(eq):.5f}" if eq else ("-" if scheme == "simple" else f"{nc:.5f}*")
                print(f"{game:<9} {scheme:<9} {t:>11,} {nc:>9.5f} {sec:>8.1f} {t / sec:>9,.0f} {eq_txt:>23}",
                      flush=True)
    print("* reached the iterations sooner than simple: the value at those iterations")


if __name__ == "__main__":
    main()
