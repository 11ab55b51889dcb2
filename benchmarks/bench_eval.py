"""Throughput of blueprint evaluation on the small heads-up no-limit preset.

Inside the abstraction: head-to-head duplicate deals (two hands each) per second, blueprint
against itself (:func:`holdem.eval.match.head_to_head`, one core); in-tree LBR
(:mod:`holdem.eval.lbr`): decisions and hands per second, on one thread and on ``--threads``
numba threads.

In the real game (one core, Python orchestration over numba kernels): rotation matches with
translation (:mod:`holdem.eval.real_match`) against a twin of the blueprint, against a
blueprint of other bet sizes (cross-abstraction) and with AIVAT; LBR as published
(:mod:`holdem.eval.lbr_real`) per setting: LBR decisions and hands per second.

The blueprint is trained in-process first (``--iters``) unless ``--policy RUN`` is given.
Best of ``--repeats`` after a warm-up (which also compiles). Prints one table.

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


def bench_real(problem: Problem, table: np.ndarray, deals: int, lbr_deals: int,
               repeats: int) -> list[tuple[str, float, float]]:
    """[(what, hands/s, LBR decisions/s or nan)] in the real game, best of ``repeats``."""
    from dataclasses import replace

    from holdem.eval.agents import BlueprintStrategy
    from holdem.eval.blueprint import Blueprint
    from holdem.eval.lbr_real import parse_setting, real_lbr
    from holdem.eval.real_match import rotation_match

    cfg = load_config(ROOT / "configs" / "nlhe-hu-small-hs.yaml")
    bp = Blueprint(cfg, problem, table, table, 0, Path("bench"), {})
    me, twin = BlueprintStrategy(bp, "A"), BlueprintStrategy(bp, "A-twin")
    other_game = replace(problem.spec, raise_sizes=(((0.5, 2.0),), ((0.5, 1.5),), ((0.5,),), ((1.0,),)))
    other_problem = build_problem(other_game, cfg.abstraction)
    solver = Solver(other_problem, cfg.solver, seed=1)
    solver.run(20_000)
    other = BlueprintStrategy(Blueprint(cfg, other_problem, average_policy(other_problem.layout,
                                                                           solver.tables.strategy),
                                        table, 0, Path("bench-b"), {}), "B")
    rows = []
    for label, opp, aivat in (("real match vs twin (translation)", twin, False),
                              ("real match vs other sizes", other, False),
                              ("real match vs twin + AIVAT and IO", twin, True)):
        rotation_match(problem.spec, me, opp, 20, aivat=aivat)
        best = max(m.hands / m.seconds for m in (rotation_match(problem.spec, me, opp, deals, seed=r, aivat=aivat)
                                                  for r in range(repeats)))
        rows.append((label, best, float("nan")))
    for text in ("fc:1-4", "fcpa:1-4", "fcpa:3-4", "56bets:3-4"):
        setting = parse_setting(text)
        real_lbr(me, setting, 5)
        res = [real_lbr(me, setting, lbr_deals, seed=100 + r) for r in range(repeats)]
        top = max(res, key=lambda x: x.hands / x.seconds)
        rows.append((f"LBR {setting.label}", top.hands / top.seconds, top.decisions / top.seconds))
    return rows


def main() -> None:
    """Print the numbers."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", type=Path, help="run or snapshot directory (default: train the small preset)")
    p.add_argument("--iters", type=int, default=20_000, help="training iterations without --policy")
    p.add_argument("--deals", type=int, default=100_000, help="duplicate deals per head-to-head repeat")
    p.add_argument("--lbr-deals", type=int, default=1_000, help="duplicate deals per LBR repeat")
    p.add_argument("--threads", type=int, default=2, help="numba threads for the parallel LBR run")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--real-deals", type=int, default=1_000, help="duplicate deals per real-game match repeat")
    p.add_argument("--real-lbr-deals", type=int, default=100, help="duplicate deals per real-game LBR repeat")
    args = p.parse_args()
    problem, table = blueprint(args.policy, args.iters)
    rows = [("in-tree head-to-head", 2 * bench_h2h(problem, table, args.deals, args.repeats), float("nan"))]
    for threads in sorted({1, args.threads}):
        dec, hands = bench_lbr(problem, table, args.lbr_deals, args.repeats, threads)
        rows.append((f"in-tree LBR, {threads} thread{'s' if threads > 1 else ''}", hands, dec))
    if problem.spec.num_players == 2:
        rows += bench_real(problem, table, args.real_deals, args.real_lbr_deals, args.repeats)
    print(f"{'evaluation':<36} {'hands/s':>10} {'LBR decisions/s':>16}")
    for label, hands, dec in rows:
        print(f"{label:<36} {hands:>10,.0f} {'' if dec != dec else f'{dec:,.0f}':>16}")


if __name__ == "__main__":
    main()
