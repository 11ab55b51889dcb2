"""Evaluate a blueprint: ``python -m holdem.cli.eval_blueprint --policy RUN_OR_SNAPSHOT``.

Small games (Kuhn, Leduc): the exact exploitability, each player's best-response value and
the profile's expected value.

Hold'em, in the real game (any bet size; :mod:`holdem.eval.real_match`, :mod:`holdem.eval.lbr_real`):

- ``--vs AGENT`` (repeatable): duplicate matches with seat rotation against another run or
  snapshot (any tree and buckets of the same real game: cross-abstraction) or a rule bot
  (``always-call``, ``always-fold``, ``min-raise``, ``pot-raise``). Both sides translate the
  other's bets onto their own trees. Heads-up: each deal in both seats; six-max (n players):
  "1 vs 5" (the blueprint alone against five copies) and "5 vs 1" (five blueprints against one).
- ``--lbr SETTING[:ROUNDS]`` (repeatable): Local Best Response as published (Lisý & Bowling
  2017): ``fc``, ``fcpa``, ``56bets``, in rounds ``1-4`` (default) or e.g. ``3-4``.
- ``--aivat``: AIVAT estimates (Burch et al. 2018) beside the plain ones, heads-up, with
  imaginary observations of both seats' cards where both agents' strategies are known.
- ``--agent search --paired``: every match hand is replayed with the blueprint alone in the
  search agent's seat, on the same cards and random streams; ``search - blueprint`` per deal
  estimates what the search adds, without the noise of the hands it does not change.
- ``--phh DIR``: every hand played, as PHH hand histories (one ``.phhs`` per match).

Hold'em inside the blueprint's abstraction (cheaper, useful during training): ``--opponents``
head-to-head on the same tree (:func:`holdem.eval.match.head_to_head`) and ``--lbr-tree``, LBR
restricted to the tree's raises (:mod:`holdem.eval.lbr`).

All in mbb/hand (milli-big-blinds per hand) with a 95% confidence interval; positive = the
blueprint wins; LBR's number is what LBR wins from the blueprint.

``--all-snapshots`` evaluates every kept snapshot too (the same seed for each, so their
differences are not blurred by different cards); ``--plot`` draws the metrics against the
iteration (needs matplotlib: ``pip install 'holdem[plot]'``). Results go to ``RUN/eval.json``
(or ``--out``); an existing results, plot or hand-history file is kept unless ``--force``.
Ctrl-C stops the running match after its current deal; what was played is reported and saved.
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
from holdem.eval.results import metrics_of
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
    """In-tree head-to-head results against ``opponents`` and (``lbr_deals`` > 0) in-tree LBR, in mbb/hand."""
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
        result["lbr_tree"] = {"mbb_per_hand": r.mbb_per_hand, "ci95_mbb": r.ci95_mbb,
                         "chips_per_hand": r.chips_per_hand, "deals": r.deals, "hands": r.hands,
                         "decisions": r.decisions, "seconds": r.seconds, "bet_fractions": list(lbr_bets)}
    return result


class Interrupted(Exception):
    """Ctrl-C ended a match; the results so far are kept."""


def phh_names(iteration: int, vs: list[str], lbr: list[str]) -> list[str]:
    """The hand-history files one snapshot's evaluation writes (in ``--phh DIR``)."""
    def safe(text: str) -> str:
        return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)
    return ([f"iter_{iteration:012d}-vs-{safe(Path(v).name)}.phhs" for v in vs]
            + [f"iter_{iteration:012d}-lbr-{safe(s.replace(':', '_'))}.phhs" for s in lbr])


def evaluate_real_game(path: Path, vs: list[str], lbr: list[str], deals: int, lbr_deals: int, seed: int,
                       aivat: bool, phh_dir: Path | None, force: bool = False,
                       search: Any = None, paired: bool = False) -> dict[str, Any]:
    """Real-game matches against ``vs`` and LBR in the settings ``lbr`` (module docstring);
    with a ``search`` config the evaluated agent is the blueprint with search; ``paired``
    replays every match hand with the blueprint alone in its seat (common random numbers)."""
    from contextlib import ExitStack

    from holdem.eval.agents import BlueprintStrategy, make_strategy
    from holdem.eval.blueprint import load_blueprint
    from holdem.eval.lbr_real import parse_setting, real_lbr
    from holdem.eval.real_match import rotation_match

    bp = load_blueprint(path)
    spec = bp.problem.spec
    if search is not None:
        from holdem.search.agent import SearchStrategy

        me = SearchStrategy(bp, search, "search")
    else:
        me = BlueprintStrategy(bp, "blueprint")
    n = spec.num_players
    result: dict[str, Any] = {"snapshot": str(bp.path), "iteration": bp.iteration, "game": spec.name,
                              "agent": me.name}
    files = iter(phh_names(bp.iteration, vs, lbr))
    with ExitStack() as stack:
        def writer():
            name = next(files)
            if phh_dir is None:
                return None
            from holdem.eval.phh import PHHWriter

            return stack.enter_context(PHHWriter(phh_dir / name, force=force)).write

        if vs:
            result["real_match"] = {}
        for name in vs:
            other = make_strategy(name, spec)
            on_hand = writer()
            lineups: dict[str, Any] = {}
            result["real_match"][name] = lineups
            m = rotation_match(spec, me, other, deals, seed, on_hand, aivat=aivat and n == 2, progress=True,
                               baseline=BlueprintStrategy(bp, "blueprint") if paired else None)
            lineups["heads-up" if n == 2 else f"1 vs {n - 1}"] = m.to_dict()
            print(m, flush=True)
            if m.interrupted:
                raise Interrupted(result)
            if n > 2:  # the other alone against copies of the blueprint, from the blueprint side
                f = rotation_match(spec, other, me, deals, seed, on_hand, progress=True)
                d = f.to_dict()
                d["mbb_per_hand"], d["chips_per_hand"] = -f.mbb_per_hand, -f.chips_per_hand
                lineups[f"{n - 1} vs 1"] = d
                print(f"{n - 1} blueprints vs 1 {other.name}: {-f.mbb_per_hand:+.1f} +/- {f.ci95_mbb:.1f} "
                      f"mbb/hand (the blueprints' total)", flush=True)
                if f.interrupted:
                    raise Interrupted(result)
        if lbr:
            result["lbr"] = {}
        for text in lbr:
            setting = parse_setting(text)
            r = real_lbr(me, setting, lbr_deals, seed, writer(), aivat=aivat, progress=True)
            result["lbr"][setting.label] = r.to_dict()
            print(r, flush=True)
            if r.interrupted:
                raise Interrupted(result)
    return result


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
    if any(k in r for r in results for k in ("head_to_head", "lbr", "lbr_tree", "real_match")):
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
    p.add_argument("--vs", action="append", default=[], metavar="AGENT",
                   help="real-game match against a run/snapshot (any abstraction of the same game) or a rule "
                   "bot (always-call, always-fold, min-raise, pot-raise); repeatable")
    p.add_argument("--hands", type=number(integer=True, low=2), default=20_000,
                   help="duplicate deals per match (--opponents, --vs), each played in every seat (default 20000)")
    p.add_argument("--lbr", action="append", default=[], metavar="SETTING[:ROUNDS]",
                   help="Local Best Response in the real game: fc, fcpa or 56bets, rounds 1-4 (default) or e.g. "
                   ":3-4; repeatable")
    p.add_argument("--lbr-tree", action="store_true",
                   help="LBR restricted to the blueprint's own raises (cheaper; --lbr-bets)")
    p.add_argument("--lbr-hands", type=number(integer=True, low=2), default=2_000,
                   help="duplicate deals for each LBR, each played in both seats (default 2000)")
    p.add_argument("--aivat", action="store_true", help="also the AIVAT estimate of heads-up --vs and --lbr results")
    p.add_argument("--phh", type=Path, metavar="DIR",
                   help="write every hand of --vs and --lbr as PHH hand histories, one .phhs per match")
    p.add_argument("--lbr-bets", default="1.0",
                   help="--lbr-tree's bet sizes as pot fractions, each mapped to the nearest raise of the tree; "
                   "all-in is always tried (default 1.0)")
    p.add_argument("--agent", choices=("blueprint", "search"), default="blueprint",
                   help="the agent evaluated in --vs matches: the blueprint alone, or with depth-limited search")
    p.add_argument("--search-config", type=Path, metavar="YAML",
                   help="search settings (keys of holdem.search.config.SearchConfig), with --agent search")
    p.add_argument("--search-time", type=number(low=0, high=3600), metavar="SEC",
                   help="seconds per search (overrides the config's time_budget)")
    p.add_argument("--paired", action="store_true",
                   help="with --agent search and --vs: replay every hand with the blueprint alone in the search "
                        "agent's seat on the same cards and random streams, and report search - blueprint")
    p.add_argument("--seed", type=number(integer=True, low=0), default=0,
                   help="seed of the deals (the same for every snapshot; default 0)")
    p.add_argument("--threads", type=number(integer=True, low=1, high=1024), default=1,
                   help="numba threads for --lbr-tree (default 1)")
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
        from holdem.run.directory import is_run_dir, resolve_snapshot
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
        real = bool(args.vs or args.lbr)
        if real:
            from holdem.eval.agents import REAL_RULE_BOTS, check_real_game
            from holdem.eval.lbr_real import parse_setting

            for text in args.lbr:
                parse_setting(text)
            for name in args.vs:
                if name not in REAL_RULE_BOTS and not Path(name).exists():
                    raise ValueError(f"--vs: {name!r} is neither one of {', '.join(REAL_RULE_BOTS)} nor a run or "
                                     "snapshot directory")
            try:
                check_real_game(head.problem.spec)
            except ValueError as err:
                raise ValueError(f"--vs/--lbr: {args.policy}: {err}") from None
            if args.lbr and head.problem.spec.num_players != 2:
                raise ValueError(f"--lbr: {args.policy}: LBR is heads-up only; game {head.problem.spec.name!r} has "
                                 f"{head.problem.spec.num_players} players")
        search = None
        if args.agent == "search" or args.search_config is not None or args.search_time is not None:
            from holdem.search.config import load_search_config

            if args.agent != "search":
                raise ValueError("--search-config/--search-time: give --agent search too")
            if not real:
                raise ValueError("--agent search: give --vs AGENT or --lbr SETTING (real-game evaluations; the "
                                 "in-tree ones read a fixed strategy)")
            search = load_search_config(args.search_config, args.search_time)
            if head.problem.spec.num_players != 2:
                raise ValueError(f"--agent search: {args.policy}: search is heads-up only")
        if args.paired and (search is None or not args.vs):
            raise ValueError("--paired: give --agent search and --vs AGENT (it replays the matches' hands with the "
                             "blueprint alone in the search agent's seat)")
        if args.aivat and not real:
            raise ValueError("--aivat: give --vs or --lbr too (AIVAT corrects their estimates)")
        if args.phh is not None:
            if not real:
                raise ValueError("--phh: give --vs or --lbr too (their hands are written)")
            if args.phh.exists() and not args.phh.is_dir():
                raise ValueError(f"--phh: {args.phh} is not a directory")
            for path in paths:
                for name in phh_names(read_meta(resolve_snapshot(path))["iteration"], args.vs, args.lbr):
                    check_output(args.phh / name, args.force, "--phh")
        if not small and not opponents and not args.lbr_tree and not real:
            if head.problem.spec.num_players != 2:
                raise ValueError(f"{args.policy}: game {head.problem.spec.name!r} is too large for exact "
                                 "evaluation and in-tree head-to-head/LBR are heads-up only; use --vs")
            opponents = list(FIXED_AGENTS)
        if (opponents or args.lbr_tree) and head.problem.spec.num_players != 2:
            raise ValueError(f"--opponents/--lbr-tree: {args.policy}: in-tree head-to-head and LBR are heads-up "
                             f"only; game {head.problem.spec.name!r} has {head.problem.spec.num_players} players "
                             "(use --vs)")
        if args.phh is not None:
            args.phh.mkdir(parents=True, exist_ok=True)
        results = []
        interrupted = False
        for path in paths:
            r: dict[str, Any] = evaluate_small_game(path) if small else {}
            if opponents or args.lbr_tree:
                r.update(evaluate_heads_up(path, opponents, args.hands, args.lbr_hands if args.lbr_tree else 0,
                                           args.seed, args.threads, lbr_bets))
            if real:
                try:
                    r.update(evaluate_real_game(path, args.vs, args.lbr, args.hands, args.lbr_hands, args.seed,
                                                args.aivat, args.phh, args.force, search, args.paired))
                except Interrupted as stop:
                    r.update(stop.args[0])
                    interrupted = True
            results.append(r)
            if interrupted:
                break
        print_table(results)
        if out is not None:
            write_atomic(out, json.dumps(results, indent=1))
        if plot_path is not None:
            plot(results, plot_path)
            print(f"plot: {plot_path}")
        if interrupted:
            print("interrupted: the results above are what was played before Ctrl-C", file=sys.stderr)
            return 130
        return 0

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
