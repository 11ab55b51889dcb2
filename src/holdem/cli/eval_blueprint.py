"""Evaluate a blueprint: ``python -m holdem.cli.eval_blueprint --policy RUN_OR_SNAPSHOT``.

Small games (Kuhn, Leduc): the exact exploitability, each player's best-response value and
the profile's expected value.

Heads-up games too large for that (Hold'em): head-to-head matches inside the abstract game
with duplicate deals (:func:`holdem.eval.match.head_to_head`) against fixed agents
(``always-call``, ``uniform``, ``min-raise``) or other runs/snapshots of the same game, and
with ``--lbr`` Local Best Response (Lisý & Bowling 2017, :mod:`holdem.eval.lbr`), a lower
bound on exploitability. All in mbb/hand (milli-big-blinds per hand) with a 95% confidence
interval; positive = the blueprint wins; LBR's number is what LBR wins from the blueprint.

``--all-snapshots`` evaluates every kept snapshot too (the same seed for each, so their
differences are not blurred by different cards); ``--plot`` draws the metrics against the
iteration (needs matplotlib: ``pip install 'holdem[plot]'``). Results go to ``RUN/eval.json``
(or ``--out``); an existing results or plot file is kept unless ``--force``.

Off-tree actions never occur here: both agents play on the blueprint's tree. Playing a real
opponent (``holdem.cli.play``) maps its sizes onto the tree with the pseudo-harmonic
translation of :mod:`holdem.eval.translation`.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import json
import sys
from pathlib import Path
from typing import Any

from holdem.cli.common import ArgumentParser, number, run_cli
from holdem.eval.rule_bots import RULE_BOTS

# the rule bots that --opponents accepts and plays by default (all but always-fold)
FIXED_AGENTS = tuple(name for name in RULE_BOTS if name != "always-fold")


def evaluate_small_game(path: Path) -> dict:
    """Exact evaluation of the average strategy in a run directory or snapshot."""
    from holdem.eval.blueprint import load_blueprint
    from holdem.mccfr.best_response import best_response_values, deal_table, expected_values
    from holdem.mccfr.best_response import SMALL_GAME_DEALS
    from holdem.mccfr.problem import deal_count

    bp = load_blueprint(path)
    if deal_count(bp.problem) > SMALL_GAME_DEALS:
        raise ValueError(f"{path}: game {bp.problem.spec.name!r} is too large for exact evaluation")
    deals = deal_table(bp.problem.spec, bp.problem.deal_model)
    br = best_response_values(bp.problem.layout, deals, bp.average)
    ev = expected_values(bp.problem.layout, deals, bp.average)
    return {"snapshot": str(bp.path), "iteration": bp.iteration, "game": bp.problem.spec.name,
            "exploitability": float((br - ev).sum() / len(br)), "nash_conv": float((br - ev).sum()),
            "best_response_values": br.tolist(), "expected_values": ev.tolist()}


def load_opponents(names: list[str], problem_hash: str) -> dict[str, Any]:
    """{name: agent} for head-to-head: fixed agent names, or strategy tables of runs/snapshots
    of the same game and abstraction."""
    from holdem.eval.blueprint import load_blueprint

    out: dict[str, Any] = {}
    for name in names:
        if name in FIXED_AGENTS:
            out[name] = name
            continue
        if not Path(name).exists():
            raise ValueError(f"--opponents: {name!r} is neither one of {', '.join(FIXED_AGENTS)} "
                             "nor a run or snapshot directory")
        opp = load_blueprint(Path(name))
        if opp.config.problem_hash() != problem_hash:
            raise ValueError(f"--opponents: {name} was trained on another game or abstraction; "
                             "head-to-head needs the same betting tree and buckets")
        out[name] = opp.average
    return out


def evaluate_heads_up(path: Path, opponents: list[str], deals: int, lbr_deals: int, seed: int = 0,
                      threads: int = 1, lbr_bets: tuple[float, ...] = (1.0,)) -> dict[str, Any]:
    """Head-to-head results against ``opponents`` and (``lbr_deals`` > 0) LBR, in mbb/hand."""
    from holdem.eval.blueprint import load_blueprint
    from holdem.eval.lbr import LBRConfig, local_best_response
    from holdem.eval.match import head_to_head

    bp = load_blueprint(path)
    if bp.problem.spec.num_players != 2:
        raise ValueError(f"{path}: head-to-head and LBR are heads-up only; game {bp.problem.spec.name!r} "
                         f"has {bp.problem.spec.num_players} players")
    result: dict[str, Any] = {"snapshot": str(bp.path), "iteration": bp.iteration, "game": bp.problem.spec.name}
    if opponents:
        result["head_to_head"] = {}
        for name, agent in load_opponents(opponents, bp.config.problem_hash()).items():
            m = head_to_head(bp.problem, bp.average, agent, deals, seed)
            result["head_to_head"][name] = {"mbb_per_hand": m.mbb_per_hand, "ci95_mbb": m.ci95_mbb,
                                            "chips_per_hand": m.chips_per_hand, "deals": m.deals}
    if lbr_deals > 0:
        r = local_best_response(bp.problem, bp.average, lbr_deals, seed, LBRConfig(bet_fractions=lbr_bets),
                                threads=threads)
        result["lbr"] = {"mbb_per_hand": r.mbb_per_hand, "ci95_mbb": r.ci95_mbb,
                         "chips_per_hand": r.chips_per_hand, "deals": r.deals, "hands": r.hands,
                         "decisions": r.decisions, "seconds": r.seconds, "bet_fractions": list(lbr_bets)}
    return result


def metrics_of(result: dict[str, Any]) -> dict[str, tuple[float, float | None]]:
    """{column name: (value, 95% CI half-width or None)} of one result, for tables and plots."""
    out: dict[str, tuple[float, float | None]] = {}
    if "exploitability" in result:
        out["exploitability"] = (result["exploitability"], None)
    if "nash_conv" in result:
        out["NashConv"] = (result["nash_conv"], None)
    for name, m in result.get("head_to_head", {}).items():
        label = name if name in FIXED_AGENTS else Path(name).name  # a run/snapshot: its folder name
        out[f"vs {label}"] = (m["mbb_per_hand"], m["ci95_mbb"])
    if "lbr" in result:
        out["LBR wins"] = (result["lbr"]["mbb_per_hand"], result["lbr"]["ci95_mbb"])
    return out


def print_table(results: list[dict[str, Any]]) -> None:
    """One row per evaluated snapshot, one column per metric."""
    columns: list[str] = []
    for r in results:
        for name in metrics_of(r):
            if name not in columns:
                columns.append(name)
    cells = []
    for r in results:
        m = metrics_of(r)
        row = []
        for c in columns:
            if c not in m:
                row.append("")
            elif m[c][1] is None:
                row.append(f"{m[c][0]:.6f}")
            else:
                row.append(f"{m[c][0]:+.1f} +/- {m[c][1]:.1f}")
        cells.append(row)
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    if any("head_to_head" in r or "lbr" in r for r in results):
        print("mbb/hand of the blueprint against each opponent (95% CI); LBR: what LBR wins from it")
    print(f"{'iteration':>12}  " + "  ".join(f"{c:>{w}}" for c, w in zip(columns, widths))
          + ("  EV player 0" if "exploitability" in columns else "") + "  snapshot")
    for r, row in zip(results, cells):
        ev = f"  {r['expected_values'][0]:>11.6f}" if "expected_values" in r else ""
        print(f"{r['iteration']:>12,}  " + "  ".join(f"{v:>{w}}" for v, w in zip(row, widths)) + ev
              + f"  {r['snapshot']}")


def plot(results: list[dict[str, Any]], path: Path) -> None:
    """PNG of every metric against the iteration (needs matplotlib)."""
    import matplotlib

    from holdem.core.files import write_atomic

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = sorted(results, key=lambda r: r["iteration"])
    names: list[str] = []
    for r in results:
        names += [n for n in metrics_of(r) if n not in names]
    fig, ax = plt.subplots(figsize=(8, 5))
    for name in names:
        pts = [(r["iteration"], *metrics_of(r)[name]) for r in results if name in metrics_of(r)]
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        errs = [p[2] or 0.0 for p in pts]
        ax.errorbar(xs, ys, yerr=errs, marker="o", capsize=3, label=name)
    ax.set_xlabel("iteration")
    ax.set_ylabel("exploitability" if names == ["exploitability"] else "mbb/hand (95% CI)")
    ax.set_title(f"{results[0]['game']}: {Path(results[-1]['snapshot']).parent}")
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.legend()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=path.suffix.lstrip(".").lower() or "png", dpi=100)
    write_atomic(path, buf.getvalue())
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = ArgumentParser(prog="eval_blueprint", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", required=True, type=Path, help="run directory or snapshot directory")
    p.add_argument("--all-snapshots", action="store_true", help="also evaluate every kept snapshot")
    p.add_argument("--out", type=Path, help="write the results as JSON (default RUN/eval.json)")
    p.add_argument("--force", action="store_true", help="overwrite an existing results/plot file")
    p.add_argument("--opponents", help="comma-separated: always-call, uniform, min-raise, or run/snapshot "
                   "directories of the same game (default for heads-up Hold'em: the three fixed agents)")
    p.add_argument("--hands", type=number(integer=True, low=2), default=20_000,
                   help="duplicate deals per head-to-head match, each played in both seats (default 20000)")
    p.add_argument("--lbr", action="store_true", help="run Local Best Response against the blueprint")
    p.add_argument("--lbr-hands", type=number(integer=True, low=2), default=2_000,
                   help="duplicate deals for LBR, each played in both seats (default 2000)")
    p.add_argument("--lbr-bets", default="1.0",
                   help="LBR's bet sizes as pot fractions, each mapped to the nearest raise of the tree; "
                   "all-in is always tried (default 1.0)")
    p.add_argument("--seed", type=number(integer=True, low=0), default=0,
                   help="seed of the deals (the same for every snapshot; default 0)")
    p.add_argument("--threads", type=number(integer=True, low=1, high=1024), default=1,
                   help="numba threads for LBR (default 1)")
    p.add_argument("--plot", nargs="?", type=Path, const=True, default=None, metavar="PNG",
                   help="draw the metrics against the iteration (default RUN/eval.png, or ./eval.png "
                   "for a snapshot; needs matplotlib)")
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.eval.blueprint import load_blueprint
        from holdem.mccfr.best_response import SMALL_GAME_DEALS
        from holdem.mccfr.problem import deal_count
        from holdem.core.files import check_output, write_atomic
        from holdem.core.inputs import InputError, parse_number
        from holdem.run.directory import is_run_dir
        from holdem.run.snapshot import list_snapshots, read_meta

        if args.plot is not None and importlib.util.find_spec("matplotlib") is None:
            raise ValueError("--plot needs matplotlib: pip install 'holdem[plot]' (or pip install matplotlib)")
        lbr_bets = tuple(parse_number("--lbr-bets", x, low=0, low_open=True, high=1000,
                                      fix="use positive pot fractions like 0.5,1")
                         for x in args.lbr_bets.split(",") if x.strip())
        if not lbr_bets:
            raise InputError(f"--lbr-bets: invalid value {args.lbr_bets!r}: use pot fractions like 0.5,1")
        run_dir = args.policy if is_run_dir(args.policy) else None
        out = args.out or (run_dir / "eval.json" if run_dir is not None else None)
        if out is not None:
            check_output(out, args.force, "--out")
        plot_path = None
        if args.plot is not None:
            plot_path = args.plot if isinstance(args.plot, Path) else (run_dir or Path.cwd()) / "eval.png"
            check_output(plot_path, args.force, "--plot")
        head = load_blueprint(args.policy)
        paths = [args.policy]
        if args.all_snapshots:
            # final/ is written from the same tables as a snapshot of its iteration: skip that one
            paths = [s for s in list_snapshots(args.policy / "snapshots")
                     if read_meta(s)["iteration"] != head.iteration] + paths
        small = deal_count(head.problem) <= SMALL_GAME_DEALS
        opponents = [o.strip() for o in args.opponents.split(",") if o.strip()] if args.opponents else []
        if not small and not opponents and not args.lbr:
            if head.problem.spec.num_players != 2:
                raise ValueError(f"{args.policy}: game {head.problem.spec.name!r} is too large for exact "
                                 "evaluation and head-to-head/LBR are heads-up only")
            opponents = list(FIXED_AGENTS)
        results = []
        for path in paths:
            r: dict[str, Any] = evaluate_small_game(path) if small else {}
            if opponents or args.lbr:
                r.update(evaluate_heads_up(path, opponents, args.hands, args.lbr_hands if args.lbr else 0,
                                           args.seed, args.threads, lbr_bets))
            results.append(r)
        print_table(results)
        if out is not None:
            write_atomic(out, json.dumps(results, indent=1))
        if plot_path is not None:
            plot(results, plot_path)
            print(f"plot: {plot_path}")
        return 0

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
