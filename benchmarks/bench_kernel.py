"""Single-core throughput of the external-sampling kernel on Kuhn and Leduc.

Prints iterations per second (one iteration = one deal, one traversal per player) after a
warm-up, best of several repeats, plus nodes visited per second.

    python benchmarks/bench_kernel.py [--iters N] [--repeats R]
"""
from __future__ import annotations

import argparse
import time

from holdem.game.spec import kuhn, leduc
from holdem.mccfr.external_sampling import STAT_NODES
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver import Solver
from holdem.mccfr.solver_config import SolverConfig


def bench(spec, iters: int, repeats: int, linear: bool) -> tuple[float, float]:
    """Best iterations/s and nodes/s over ``repeats`` runs of ``iters`` iterations."""
    problem = build_problem(spec)
    cfg = SolverConfig(use_linear_weighting=linear, discount_interval=10_000, lcfr_threshold=10**12)
    best = (0.0, 0.0)
    Solver(problem, cfg).run(1_000)  # compile / load cache
    for r in range(repeats):
        solver = Solver(problem, cfg, seed=r)
        start = time.perf_counter()
        solver.run(iters)
        dt = time.perf_counter() - start
        if iters / dt > best[0]:
            best = (iters / dt, solver.stats[STAT_NODES] / dt)
    return best


def main() -> None:
    """Print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iters", type=int, default=500_000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    print(f"{'game':<8} {'linear CFR':<11} {'iterations/s':>14} {'nodes/s':>14}")
    for spec in (kuhn(), leduc()):
        for linear in (False, True):
            its, nodes = bench(spec, args.iters, args.repeats, linear)
            print(f"{spec.name:<8} {str(linear):<11} {its:>14,.0f} {nodes:>14,.0f}")


if __name__ == "__main__":
    main()
