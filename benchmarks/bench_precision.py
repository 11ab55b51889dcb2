"""Is float32 enough for regrets, and int32? The same run with float32, float64 and int32 regret tables.

    python benchmarks/bench_precision.py [--iters 1000000] [--game leduc]

Same game, seed and schedule (linear CFR, regret floor); the kernel compiles once per table
dtype. Prints the exact exploitability of both at powers of ten, how far their average
strategies drift apart (largest per-row total-variation distance; the runs share their
random stream, so they diverge only through rounding), the largest regret and float32's
step there. The int32 run draws its stochastic rounding from the traversals' stream, so it
samples differently from the first update on: compare its exploitability, not its drift.
"""
from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
import _bench_util  # noqa: F401  (configures the numba cache before any kernel is imported)

from holdem.game.spec import kuhn, leduc
from holdem.mccfr.best_response import deal_table, exploitability
from holdem.mccfr.external_sampling import Tables, make_tables
from holdem.mccfr.policy import average_policy
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver import Solver
from holdem.mccfr.solver_config import SolverConfig


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iters", type=int, default=1_000_000)
    ap.add_argument("--game", choices=("kuhn", "leduc"), default="leduc")
    ap.add_argument("--seeds", type=int, default=3, help="independent runs per dtype")
    args = ap.parse_args()
    problem = build_problem(kuhn() if args.game == "kuhn" else leduc())
    deals = deal_table(problem.spec, problem.deal_model)
    cfg = SolverConfig(discount_interval=10_000, lcfr_threshold=10**9)
    layout = problem.layout
    starts = np.cumsum(layout.row_actions()) - layout.row_actions()
    print(f"{args.game}: regret tables float32, float64 and int32 (Pluribus's integers, 0.01 bb units, "
          "stochastic rounding); exploitability in chips/hand")
    print(f"{'seed':>4} {'iterations':>11} {'float32':>10} {'float64':>10} {'int32':>10} {'TV f32':>8} "
          f"{'max |regret|':>13} {'f32 step':>9}")
    for seed in range(args.seeds):
        solvers = {}
        for name, dtype in (("float32", np.float32), ("float64", np.float64)):
            base = make_tables(layout, cfg.params(problem.spec))
            tables = Tables(np.zeros(layout.num_slots, dtype=dtype), base.strategy, base.updates, base.locks)
            solvers[name] = Solver(problem, cfg, seed=seed, tables=tables)
        solvers["int32"] = Solver(problem, replace(cfg, regret_dtype="int32"), seed=seed)
        t = 10_000
        while t <= args.iters:
            for s in solvers.values():
                s.run(t - s.iteration)
            pol = {k: average_policy(layout, s.tables.strategy) for k, s in solvers.items()}

            def tv(name: str) -> float:
                return float(0.5 * np.add.reduceat(np.abs(pol[name] - pol["float64"]), starts).max())
            top = float(np.abs(solvers["float32"].tables.regret).max())
            print(f"{seed:>4} {t:>11,} {exploitability(layout, deals, pol['float32']):>10.5f} "
                  f"{exploitability(layout, deals, pol['float64']):>10.5f} "
                  f"{exploitability(layout, deals, pol['int32']):>10.5f} {tv('float32'):>8.4f} "
                  f"{top:>13,.1f} {float(np.spacing(np.float32(top))):>9.2g}", flush=True)
            t *= 10

if __name__ == "__main__":
    main()
