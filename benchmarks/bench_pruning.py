"""Negative-regret pruning (Pluribus): speed against quality, and the scale of the regrets.

For Leduc (``configs/leduc.yaml``) and the small heads-up preset
(``configs/nlhe-hu-small-hs.yaml``, hand-strength buckets), in one process
(:class:`holdem.mccfr.solver.Solver`):

1. ``--prune-start`` iterations without pruning (shared by every variant), then ``--iters``
   more per variant, all variants advancing together 1,000 iterations at a time so that
   the load of a shared machine hits them alike: iterations/s, node visits per iteration,
   the share of traverser actions pruned (``kernel_facts``), and the quality at equal
   iterations, at equal time (the iterations the variant's measured speed buys in the
   unpruned run's time) and at equal node visits (what a run whose time goes into the
   traversal would get; the hand-strength abstraction spends most of an iteration on the
   deal, printed as "kernel time outside the traversal"). Below the variant's
   ``--iters`` it is taken at its last 10,000-iteration mark.
   Quality: Leduc, exact exploitability (chips/hand); small preset, the exploitability
   within the card abstraction by a best response on ``--br-deals`` sampled deals (the same
   deals for every variant; optimistic, as the best response sees those deals: read the
   differences) and the duplicate head-to-head result against the unpruned blueprint
   (:func:`holdem.eval.match.head_to_head`), in mbb/hand; optionally LBR.
   Variants: ``off``; ``off, other stream`` (same prefix, another random stream: the noise
   of the quality columns); the old default -30,000 x stack chips; and -C bb x W(t), which
   the kernel evaluates at every iteration (the config default, ``pruning_threshold: null``,
   is C = 0.01), where W(t) = t - K * discount_interval / 2 is the total linear-CFR weight
   of the iterations so far (K = discounts applied, ``SolverConfig.iteration_weight``), what
   a dominated action's regret grows with.
2. The distribution of the negative regrets of prunable actions (not on the last street,
   not ending the hand) after ``prune_start + iters`` unpruned iterations, per unit of
   W(t), R / (bb W), and per discounted visit of the row, R / (bb n W/t), with the share of
   the traverser's prunable action visits that each threshold would skip; also for the
   small preset with 32 buckets per street (how each scale depends on the abstraction) and,
   with ``--dist-200bb``, for the 200bb preset with 50 hand-strength buckets per street.

    python benchmarks/bench_pruning.py [--games leduc,small] [--iters N] [--prune-start P]
        [--scales 0.003,0.01,0.03,0.1] [--br-deals N] [--h2h-deals N] [--lbr-deals N]
        [--no-dist] [--dist-200bb]

Timings come from a shared machine (noisy); node visits per iteration are exact.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from _bench_util import numba_cache  # importing it sets the numba cache before any kernel

from holdem.config import RunConfig, load_config
from holdem.core.rng import seed_state
from holdem.mccfr.best_response import DealTable, _fill, best_response_values, deal_table, exploitability
from holdem.mccfr.external_sampling import NUM_STATS, kernel_facts
from holdem.mccfr.layout import FIRST_EDGE, NUM_ACTIONS, PLAYER, STREET, TERMINAL
from holdem.mccfr.policy import average_policy
from holdem.mccfr.problem import Problem, build_problem
from holdem.mccfr.solver import Solver
from holdem.mccfr.solver_config import DEFAULT_PRUNING_SCALE

ROOT = Path(__file__).resolve().parent.parent
GAMES = {"leduc": ROOT / "configs" / "leduc.yaml", "small": ROOT / "configs" / "nlhe-hu-small-hs.yaml"}
DEFAULT_ITERS = {"leduc": 400_000, "small": 300_000}
DEFAULT_PRUNE_START = {"leduc": 100_000, "small": 200_000}
CHUNK = 1_000   # iterations per kernel call (the variants take turns at this grain)
MARK = 10_000   # iterations between kept strategy tables (equal time of a slower variant)


@dataclass(frozen=True)
class Variant:
    name: str
    prune: bool
    fixed: float | None = None   # chips
    scale: float | None = None   # big blinds per unit of W(t), recomputed per call
    other_stream: bool = False


class Run:
    """One variant, continued from the shared prefix."""

    def __init__(self, problem: Problem, cfg: RunConfig, v: Variant, prefix: Solver):
        sc = replace(cfg.solver, enable_pruning=v.prune, prune_start=prefix.iteration)
        sc = replace(sc, pruning_threshold=v.fixed)
        self.v, self.sc, self.bb = v, sc, problem.spec.big_blind
        self.solver = Solver(problem, sc, seed=cfg.train.seed)
        if v.scale is not None:
            self.solver.params = self.solver.params._replace(pruning_scale=-v.scale * self.bb)
        self.solver.tables.regret[...] = prefix.tables.regret
        self.solver.tables.strategy[...] = prefix.tables.strategy
        self.solver.rng[...] = seed_state(cfg.train.seed + 1, 1) if v.other_stream else prefix.rng
        self.solver.iteration = self.start = prefix.iteration
        self.solver.stats = np.zeros(NUM_STATS)
        self.seconds = 0.0
        self.marks: dict[int, np.ndarray] = {}
        self.facts: dict[str, float] = {}

    def step(self, iterations: int) -> None:
        """Run ``iterations`` more (timed), 1,000 at a time."""
        s = self.solver
        for _ in range(iterations // CHUNK):
            t0 = time.perf_counter()
            s.run(CHUNK)
            self.seconds += time.perf_counter() - t0
            if (s.iteration - self.start) % MARK == 0:
                self.marks[s.iteration - self.start] = s.tables.strategy.copy()

    @property
    def threshold(self) -> float:
        """The threshold at the last iteration (chips)."""
        params = self.solver.params
        if params.pruning_scale == 0.0:
            return float(params.pruning_threshold)
        return params.pruning_scale * self.sc.iteration_weight(self.solver.iteration)


def variants(cfg: RunConfig, scales: list[float]) -> list[Variant]:
    """The configurations compared on one game."""
    out = [Variant("off", False), Variant("off, other stream", False, other_stream=True),
           Variant("-30,000 x stack (old)", True, fixed=-30_000.0 * max(cfg.game.stacks))]
    out += [Variant(f"-{c:g} bb x W(t)" + (" (default)" if c == DEFAULT_PRUNING_SCALE else ""), True, scale=c)
            for c in scales]
    return out


def sampled_deals(problem: Problem, n: int, seed: int) -> DealTable:
    """``n`` uniform deals (holes, then flop, turn, river) with their buckets and strengths."""
    spec = problem.spec
    rng = np.random.default_rng(seed)
    cut = spec.num_players * spec.hole_cards + sum(spec.board_cards)
    deals = np.argsort(rng.random((n, spec.deck_size)), axis=1)[:, :cut].astype(np.int64)
    lo = 0
    for size in [spec.hole_cards] * spec.num_players + [b for b in spec.board_cards if b]:
        deals[:, lo:lo + size].sort(axis=1)
        lo += size
    return DealTable(*_fill(problem.deal_model, deals, spec.num_streets))


def quality(problem: Problem, strategy: np.ndarray, ref: np.ndarray, deals: DealTable, exact: bool, args) -> str:
    """Leduc: exact exploitability (chips); Hold'em: sampled-deal best response and
    head-to-head against ``ref`` (mbb/hand; + LBR)."""
    policy = average_policy(problem.layout, strategy)
    if exact:
        return f"{exploitability(problem.layout, deals, policy):.4f}"
    from holdem.eval.match import head_to_head

    mbb = 1000.0 / problem.spec.big_blind
    br = float(np.mean(best_response_values(problem.layout, deals, policy))) * mbb
    text = f"{br:5.0f}"
    if args.h2h_deals:
        res = head_to_head(problem, policy, average_policy(problem.layout, ref), deals=args.h2h_deals)
        text += f" {res.mbb_per_hand:+6.1f}+/-{res.ci95_mbb:4.1f}"
    if args.lbr_deals:
        from holdem.eval.lbr import LBRConfig, local_best_response

        lbr = local_best_response(problem, policy, deals=args.lbr_deals, threads=args.threads,
                                  config=LBRConfig(bet_fractions=(0.5, 1.0)))
        text += f" LBR {lbr.mbb_per_hand:+4.0f}+/-{lbr.ci95_mbb:3.0f}"
    return text


def deal_cost(problem: Problem, cfg: RunConfig, iters: int = 50_000) -> float:
    """Microseconds per iteration of the same deal and abstraction with a betting tree of
    almost nothing (stacks of 1.5 big blinds): what pruning cannot save."""
    tiny = build_problem(replace(cfg.game, stacks=(3 * cfg.game.big_blind // 2,) * cfg.game.num_players),
                         cfg.abstraction)
    solver = Solver(tiny, cfg.solver, seed=cfg.train.seed)
    solver.run(CHUNK)
    t0 = time.perf_counter()
    solver.run(iters)
    return 1e6 * (time.perf_counter() - t0) / iters


def prunable_mask(problem: Problem) -> np.ndarray:
    """Per (row, action): an action pruning may skip (not on the last street, not ending the hand)."""
    lay = problem.layout
    dec = np.nonzero(lay.node_info[:, PLAYER] >= 0)[0]
    streets = lay.node_info[dec, STREET]
    last = int(lay.num_buckets.shape[0]) - 1
    ok = np.zeros((dec.shape[0], lay.max_actions), dtype=bool)
    for i, node in enumerate(dec):
        fe = lay.node_info[node, FIRST_EDGE]
        for a in range(lay.node_info[node, NUM_ACTIONS]):
            ok[i, a] = streets[i] != last and lay.node_info[lay.edge_child[fe + a], TERMINAL] == 0
    return np.repeat(ok, lay.num_buckets[streets], axis=0)


def distribution(problem: Problem, cfg: RunConfig, iters: int, per_it: list[float],
                 per_visit: list[float]) -> list[str]:
    """Regret scale after ``iters`` unpruned iterations: percentiles and would-be pruned shares."""
    # "sampled" averaging with an interval never reached: the traversals (and regrets) are
    # those of the default scheme, and the update counters count traverser visits only
    sc = replace(cfg.solver, enable_pruning=False, average="sampled", strategy_interval=2**62)
    solver = Solver(problem, sc, seed=cfg.train.seed, check_updates=True)
    solver.run(iters)
    ok = prunable_mask(problem)
    regret = solver.tables.regret.astype(np.float64)
    visits = np.broadcast_to(solver.tables.updates.astype(np.float64)[:, None], regret.shape)
    w = sc.iteration_weight(iters)
    bb = problem.spec.big_blind
    neg = ok & (regret < 0) & (visits > 0)
    r_it = regret[neg] / (bb * w)
    r_visit = regret[neg] / (bb * visits[neg] * w / iters)
    v_neg, v_all = visits[neg], visits[ok].sum()
    q = [0.1, 1, 5, 25, 50]
    return [f"  prunable (row, action) entries {int(ok.sum()):,}, negative {int(neg.sum()):,}; W(t) = {w:,.0f}",
            "  percentiles            " + "".join(f"{f'{x:g}%':>9}" for x in q) + "      min",
            "    R / (bb W)           " + "".join(f"{x:9.4f}" for x in np.percentile(r_it, q)) + f"{r_it.min():9.4f}",
            "    R / (bb n W/t)       " + "".join(f"{x:9.3f}" for x in np.percentile(r_visit, q))
            + f"{r_visit.min():9.3f}",
            "  share of the traverser's prunable action visits below a threshold:",
            "    R < -C bb W          " + "  ".join(f"C={c:g} {v_neg[r_it < -c].sum() / v_all:5.1%}" for c in per_it),
            "    R < -C bb n W/t      " + "  ".join(f"C={c:g} {v_neg[r_visit < -c].sum() / v_all:5.1%}"
                                                   for c in per_visit)]


def bench_game(name: str, args) -> None:
    """Print the comparison table of one game."""
    cfg = load_config(GAMES[name])
    problem = build_problem(cfg.game, cfg.abstraction)
    iters = (args.iters or DEFAULT_ITERS[name]) // MARK * MARK
    start = args.prune_start or DEFAULT_PRUNE_START[name]
    exact = name == "leduc"
    deals = deal_table(problem.spec, problem.deal_model) if exact else sampled_deals(problem, args.br_deals, 12345)
    Solver(problem, cfg.solver).run(CHUNK)  # compile / load the cache
    prefix = Solver(problem, replace(cfg.solver, enable_pruning=False), seed=cfg.train.seed)
    prefix.run(start)
    what = ("exact exploitability, chips/hand" if exact else
            f"best response on {args.br_deals:,} sampled deals (mbb/hand)"
            + (f", head-to-head vs off over {args.h2h_deals:,} duplicate deals (mbb/hand, 95% CI)"
               if args.h2h_deals else ""))
    print(f"\n{name}: {GAMES[name].relative_to(ROOT)}, {start:,} unpruned iterations, then {iters:,} per "
          f"variant; bb = {cfg.game.big_blind}, stack = {max(cfg.game.stacks)}, pruning_probability "
          f"{cfg.solver.pruning_probability}, discount_interval {cfg.solver.discount_interval:,}")
    print(f"quality: {what}")
    runs = [Run(problem, cfg, v, prefix) for v in variants(cfg, args.scales)]
    for _ in range(iters // CHUNK):  # all variants in step: the machine's load hits them alike
        for r in runs:
            r.step(CHUNK)
    for r in runs:
        r.facts = {**kernel_facts(r.solver.stats), "threshold": r.threshold}
    if not exact:
        print(f"  kernel time per iteration outside the traversal (deal, hand-strength buckets; measured "
              f"with 1.5 bb stacks): {deal_cost(problem, cfg):.1f} us of {1e6 * runs[0].seconds / iters:.1f}")
    ref = runs[0]
    w = 6 + (17 if args.h2h_deals and not exact else 0) + (17 if args.lbr_deals and not exact else 0)
    heads = ["at equal iterations", "at equal time (iters)", "at equal node visits (iters)"]
    widths = [max(w, len(heads[0])), max(w + 10, len(heads[1])), max(w + 10, len(heads[2]))]
    print(f"{'variant':<26} {'threshold':>10} {'it/s':>8} {'nodes/it':>8} {'pruned':>7}  "
          + "  ".join(h.ljust(k) for h, k in zip(heads, widths)))
    for r in runs:
        its, nodes = iters / r.seconds, r.facts["nodes"] / iters
        targets = {"time": int(iters * ref.seconds / r.seconds) // CHUNK * CHUNK,
                   "nodes": int(iters * (ref.facts["nodes"] / iters) / nodes) // CHUNK * CHUNK}
        cols = {}
        for key, n in sorted(targets.items(), key=lambda kv: kv[1]):
            if n <= iters:
                n = max(MARK, n // MARK * MARK)
                strat = r.marks[n]
            else:
                r.step(n - (r.solver.iteration - r.start))
                strat = r.solver.tables.strategy
            cols[key] = f"{quality(problem, strat, ref.marks[iters], deals, exact, args):<{w}} {n:>9,}"
        q_it = quality(problem, r.marks[iters], ref.marks[iters], deals, exact, args)
        thr = f"{r.facts['threshold']:,.0f}" if r.v.prune else "-"
        print(f"{r.v.name:<26} {thr:>10} {its:>8,.0f} {nodes:>8.1f} {r.facts['pruned_share']:>7.2%}  "
              + "  ".join(c.ljust(k) for c, k in zip([q_it, cols["time"], cols["nodes"]], widths)), flush=True)
    if args.dist:
        print(f"  regret scale after {start + iters:,} unpruned iterations:")
        for line in distribution(problem, cfg, start + iters, args.scales, args.visit_scales):
            print(line)
        if name == "small":
            cfg32 = replace(cfg, abstraction={**cfg.abstraction, "k_flop": 32, "k_turn": 32, "k_river": 32})
            p32 = build_problem(cfg32.game, cfg32.abstraction)
            print(f"  the same game with 32 buckets per street, after {start + iters:,} unpruned iterations:")
            for line in distribution(p32, cfg32, start + iters, args.scales, args.visit_scales):
                print(line, flush=True)
            if args.dist_200bb:
                big = load_config(ROOT / "configs" / "nlhe-hu.yaml")
                big = replace(big, abstraction={"kind": "hand-strength", "k_flop": 50, "k_turn": 50, "k_river": 50})
                print(f"  configs/nlhe-hu.yaml (200bb) with 50 hand-strength buckets per street, after "
                      f"{start + iters:,} unpruned iterations:")
                for line in distribution(build_problem(big.game, big.abstraction), big, start + iters,
                                         args.scales, args.visit_scales):
                    print(line, flush=True)


def main() -> None:
    """Print the tables."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--games", default="leduc,small", help="comma-separated: leduc, small")
    p.add_argument("--iters", type=int, default=0,
                   help=f"iterations per variant after the prefix (default {DEFAULT_ITERS})")
    p.add_argument("--prune-start", type=int, default=0, help=f"unpruned prefix (default {DEFAULT_PRUNE_START})")
    p.add_argument("--scales", default="0.003,0.01,0.03,0.1", help="C of the -C bb x W(t) thresholds")
    p.add_argument("--visit-scales", default="0.3,1,3", help="C of the per-visit shares in the distribution")
    p.add_argument("--br-deals", type=int, default=50_000, help="sampled deals of the best response (small)")
    p.add_argument("--h2h-deals", type=int, default=200_000, help="duplicate deals per head-to-head (small; 0: none)")
    p.add_argument("--lbr-deals", type=int, default=0, help="also LBR with this many deals (small; slow)")
    p.add_argument("--threads", type=int, default=2, help="numba threads for LBR")
    p.add_argument("--no-dist", dest="dist", action="store_false", help="skip the regret distribution")
    p.add_argument("--dist-200bb", action="store_true", help="also the distribution on the 200bb preset (~1 min)")
    args = p.parse_args()
    args.scales = [float(x) for x in args.scales.split(",") if x]
    args.visit_scales = [float(x) for x in args.visit_scales.split(",") if x]
    print(f"numba cache: {numba_cache.configure()}")
    for name in args.games.split(","):
        bench_game(name.strip(), args)


if __name__ == "__main__":
    main()
