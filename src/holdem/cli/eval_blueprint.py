"""Evaluate a blueprint: ``python -m holdem.cli.eval_blueprint --policy RUN_OR_SNAPSHOT``.

For small games (Kuhn, Leduc) prints the exact exploitability, each player's best-response
value and the profile's expected value, for the final policy and optionally every snapshot.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from holdem.cli.common import run_cli


def evaluate_small_game(path: Path) -> dict:
    """Exact evaluation of the average strategy in a run directory or snapshot."""
    from holdem.eval.blueprint import load_blueprint
    from holdem.mccfr.best_response import best_response_values, deal_table, expected_values
    from holdem.train import SMALL_GAME_DEALS, _deal_count

    bp = load_blueprint(path)
    if _deal_count(bp.problem) > SMALL_GAME_DEALS:
        raise ValueError(f"{path}: game {bp.problem.spec.name!r} is too large for exact evaluation")
    deals = deal_table(bp.problem.spec, bp.problem.deal_model)
    br = best_response_values(bp.problem.layout, deals, bp.average)
    ev = expected_values(bp.problem.layout, deals, bp.average)
    return {"snapshot": str(bp.path), "iteration": bp.iteration, "game": bp.problem.spec.name,
            "exploitability": float((br - ev).sum() / len(br)),
            "best_response_values": br.tolist(), "expected_values": ev.tolist()}


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = argparse.ArgumentParser(prog="eval_blueprint", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", required=True, type=Path, help="run directory or snapshot directory")
    p.add_argument("--all-snapshots", action="store_true", help="also evaluate every kept snapshot")
    p.add_argument("--out", type=Path, help="write the results as JSON (default RUN/eval.json)")
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.io.snapshot import list_snapshots

        paths = [args.policy]
        if args.all_snapshots:
            paths = list_snapshots(args.policy / "snapshots") + paths
        results = [evaluate_small_game(path) for path in paths]
        print(f"{'iteration':>12} {'exploitability':>15} {'EV player 0':>12}  snapshot")
        for r in results:
            print(f"{r['iteration']:>12,} {r['exploitability']:>15.6f} {r['expected_values'][0]:>12.6f}  {r['snapshot']}")
        out = args.out or (args.policy / "eval.json" if (args.policy / "config.yaml").exists() else None)
        if out is not None:
            out.write_text(json.dumps(results, indent=1))
        return 0

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
