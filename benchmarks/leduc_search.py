"""Exact exploitability of the search agent's policy on Leduc, against its blueprint's.

    python benchmarks/leduc_search.py [--iters 10000,100000,1000000] [--subgame-iters 1000]

Trains blueprints with the project's linear-CFR MCCFR (seed 0) and, at each size, prints
the exact exploitability (chips/hand) of the blueprint alone and of the policy the search
agent plays (holdem.search.small_game): round 2 searched, or rounds 1 and 2 (round 1
depth-limited with the blueprint's 4 continuations), each unsafe and safe (re-solving
gadget). Seconds are the time to build each searched policy (every subgame of the game).
"""
from __future__ import annotations

import argparse
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iters", default="10000,100000,1000000", help="blueprint iterations, comma-separated")
    p.add_argument("--subgame-iters", type=int, default=1000, help="DCFR iterations per subgame")
    args = p.parse_args()

    from holdem.game.spec import leduc
    from holdem.mccfr.best_response import deal_table, exploitability
    from holdem.mccfr.policy import average_policy
    from holdem.mccfr.problem import build_problem
    from holdem.mccfr.solver import Solver
    from holdem.mccfr.solver_config import SolverConfig
    from holdem.search.config import SearchConfig
    from holdem.search.small_game import search_policy

    problem = build_problem(leduc())
    deals = deal_table(problem.spec, problem.deal_model)
    solver = Solver(problem, SolverConfig(discount_interval=1000, lcfr_threshold=10**9), seed=0)
    columns = [(1, False), (1, True), (0, False), (0, True)]
    print("| blueprint | alone | " + " | ".join(f"rounds {'2' if fs else '1-2'}, {'safe' if safe else 'unsafe'}"
                                              for fs, safe in columns) + " |")
    print("|" + " --- |" * (2 + len(columns)))
    for total in (int(x) for x in args.iters.split(",")):
        solver.run(total - solver.iteration)
        blueprint = average_policy(problem.layout, solver.tables.strategy)
        row = [f"{total:,} it", f"{exploitability(problem.layout, deals, blueprint):.4f}"]
        for from_street, safe in columns:
            start = time.perf_counter()
            cfg = SearchConfig(iterations=args.subgame_iters, time_budget=0, from_street=from_street, safe=safe)
            searched, _ = search_policy(problem, blueprint, cfg)
            row.append(f"{exploitability(problem.layout, deals, searched):.4f} ({time.perf_counter() - start:.0f} s)")
        print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
