"""Throughput of blueprint evaluation on the small heads-up no-limit preset.

Head-to-head: duplicate deals (two hands each) per second, blueprint against itself inside
the abstract game (:func:`holdem.eval.match.head_to_head`, one core). LBR (Lisý & Bowling
2017, :mod:`holdem.eval.lbr`): LBR decisions and hands per second, on one thread and on
``--threads`` numba threads. The blueprint is trained in-process first (``--iters``) unless
``--policy RUN`` is given. Best of ``--repeats`` after a warm-up (which also compiles).

    python benchmarks/bench_eval.py [--policy RUN] [--deals N] [--lbr-deals N] [--threads T]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from holdem.config import load_config
from holdem.eval.lbr import local_best_response
from holdem.eval.match import head_to_head
from holdem.mccfr.policy import average_policy
from holdem.mccfr.problem import Problem, build_problem
from holdem.mccfr.solver import Solver

ROOT = Path(__file__).resolve().parent.parent


def blueprint(policy: Path | None, iters: int) -> tuple[Problem, np.ndarray]:
    """(problem, average strategy) of a run, or of the small preset trained for ``iters``."""
    if policy is not None:
        from holdem.eval.blueprint import load_blueprint

        bp = load_blueprint(policy)
        return bp.problem, bp.average
    cfg = load_config(ROOT / "configs" / "nlhe-hu-small-hs.yaml")
    problem = build_problem(cfg.game, cfg.abstraction)
    solver = Solver(problem, cfg.solver, seed=0)
    solver.run(iters)
    return problem, average_policy(problem.layout, solver.tables.strategy)


def bench_h2h(problem: Problem, table: np.ndarray, deals: int, repeats: int) -> float:
    """Best duplicate deals per second."""
    head_to_head(problem, table, table, deals=1_000)
    best = 0.0
    for r in range(repeats):
        start = time.perf_counter()
        head_to_head(problem, table, table, deals=deals, seed=r)
        best = max(best, deals / (time.perf_counter() - start))
    return best


def bench_lbr(problem: Problem, table: np.ndarray, deals: int, repeats: int, threads: int) -> tuple[float, float]:
    """Best (LBR decisions per second, hands per second)."""
    local_best_response(problem, table, deals=20, threads=threads)
    best = (0.0, 0.0)
    for r in range(repeats):
        res = local_best_response(problem, table, deals=deals, seed=r, threads=threads)
        if res.decisions / res.seconds > best[0]:
            best = (res.decisions / res.seconds, res.hands / res.seconds)
    return best


def main() -> None:
    """Print the numbers."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", type=Path, help="run or snapshot directory (default: train the small preset)")
    p.add_argument("--iters", type=int, default=20_000, help="training iterations without --policy")
    p.add_argument("--deals", type=int, default=100_000, help="duplicate deals per head-to-head repeat")
    p.add_argument("--lbr-deals", type=int, default=1_000, help="duplicate deals per LBR repeat")
    p.add_argument("--threads", type=int, default=2, help="numba threads for the parallel LBR run")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    problem, table = blueprint(args.policy, args.iters)
    h2h = bench_h2h(problem, table, args.deals, args.repeats)
    print(f"head-to-head: {h2h:,.0f} duplicate deals/s ({2 * h2h:,.0f} hands/s), one core")
    for threads in sorted({1, args.threads}):
        dec, hands = bench_lbr(problem, table, args.lbr_deals, args.repeats, threads)
        print(f"LBR, {threads} thread{'s' if threads > 1 else ''}: {dec:,.0f} decisions/s, {hands:,.0f} hands/s")


if __name__ == "__main__":
    main()
