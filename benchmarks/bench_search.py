"""Search time per decision: the search agent plays the blueprint in the real game.

    python benchmarks/bench_search.py --policy RUN [--deals 40] [--time SEC] [--seed 0]

Every solve of the search agent (one per round where it acts, plus a re-solve when the
opponent bets a size the subgame lacks) is timed end to end: building the subgame, the
leaves' continuation values, and DCFR until the time budget or the iteration cap. Prints,
per street, the number of solves, median and 95th percentile seconds, and the median
iterations, subgame nodes and leaves.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

STREETS = ("preflop", "flop", "turn", "river")


def print_table(header: list[str], rows: list[list]) -> None:
    """A markdown table."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", required=True, type=Path, help="run or snapshot directory (heads-up Hold'em)")
    p.add_argument("--deals", type=int, default=40, help="duplicate deals (two hands each)")
    p.add_argument("--time", type=float, default=None, help="seconds per search (default: the config's)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    from holdem.eval.agents import BlueprintStrategy
    from holdem.eval.blueprint import load_blueprint
    from holdem.eval.real_match import rotation_match
    from holdem.search.agent import SearchStrategy
    from holdem.search.config import load_search_config

    bp = load_blueprint(args.policy)
    cfg = load_search_config(None, args.time)
    strategy = SearchStrategy(bp, cfg)
    agents = []
    make = strategy.make_agent

    def tracked():
        agent = make()
        agents.append(agent)
        return agent

    strategy.make_agent = tracked
    # one warm-up hand compiles the kernels; it is not counted
    rotation_match(bp.problem.spec, strategy, BlueprintStrategy(bp), 1, seed=10_000 + args.seed)
    agents.clear()
    start = time.perf_counter()
    m = rotation_match(bp.problem.spec, strategy, BlueprintStrategy(bp), args.deals, seed=args.seed)
    wall = time.perf_counter() - start
    rows = []
    for street in range(1, 4):
        solves = [s for a in agents for s in a.solves if s["street"] == street]
        if not solves:
            continue
        sec = np.array([s["seconds"] for s in solves])
        rows.append([STREETS[street], len(solves), f"{np.median(sec):.2f}", f"{np.percentile(sec, 95):.2f}",
                     f"{sec.max():.2f}", int(np.median([s["iterations"] for s in solves])),
                     int(np.median([s["nodes"] for s in solves])), int(np.median([s["leaves"] for s in solves]))])
    print(f"{bp.path} ({bp.problem.spec.name}, stacks {list(bp.problem.spec.stacks)}), time budget "
          f"{cfg.time_budget:g} s, iteration cap {cfg.iterations}, sizes {[list(d) for d in cfg.sizes]}, "
          f"{cfg.runouts} runouts, K = {cfg.continuations}")
    print_table(["street", "solves", "median s", "p95 s", "max s", "iterations", "nodes", "leaves"], rows)
    print(f"{m.hands} hands in {wall:.0f} s ({m.hands / wall:.2f} hands/s); search vs blueprint "
          f"{m.mbb_per_hand:+.0f} +/- {m.ci95_mbb:.0f} mbb/hand (too few hands to mean much)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
