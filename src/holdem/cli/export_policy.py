"""Export a small game's policy: ``python -m holdem.cli.export_policy --run DIR --out policy.json``.

Writes ``{infoset_key: {action: probability}}`` (average strategy; ``--current`` for the
regret-matching strategy) with ACPC action letters; keys are ``<hole>|<board>|<betting>``.
``--search`` writes instead the policy the search agent plays (small games: every infoset of
the last street takes the solution of its subgame, :mod:`holdem.search.small_game`) and
prints both policies' exact exploitability.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from holdem.cli.common import ArgumentParser, run_cli

MAX_EXPORT_ROWS = 5_000_000


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = ArgumentParser(prog="export_policy", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, type=Path, help="run directory or snapshot directory")
    p.add_argument("--out", required=True, type=Path, help="output JSON file")
    p.add_argument("--current", action="store_true", help="export the current (regret-matching) strategy")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--search", action="store_true", help="export the search agent's policy (small games)")
    p.add_argument("--search-config", type=Path, metavar="YAML", help="search settings, with --search")
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.core.files import check_output, write_atomic
        from holdem.eval.blueprint import load_blueprint

        check_output(args.out, args.force, "--out")
        if args.search_config is not None and not args.search:
            raise ValueError("--search-config: give --search too")
        if args.search and args.current:
            raise ValueError("--search: the search starts from the average strategy; drop --current")
        search = None
        if args.search:
            from holdem.search.config import load_search_config

            search = load_search_config(args.search_config).with_(time_budget=0.0)
        bp = load_blueprint(args.run)
        if bp.problem.layout.num_rows > MAX_EXPORT_ROWS:
            raise ValueError(f"{args.run}: {bp.problem.layout.num_rows:,} infosets are too many for JSON; "
                             "use holdem.cli.query for single spots")
        if search is not None:
            bp = searched_blueprint(bp, search)
        policy = bp.policy_dict("current" if args.current else "average")
        write_atomic(args.out, json.dumps(policy, indent=1, sort_keys=True))
        print(f"wrote {len(policy):,} infosets to {args.out}")
        return 0

    return run_cli(go)


def searched_blueprint(bp, search):
    """``bp`` with the search agent's policy as its average (printing both exploitabilities)."""
    from dataclasses import replace

    from holdem.mccfr.best_response import MAX_DEALS, deal_table, exploitability
    from holdem.mccfr.problem import deal_count
    from holdem.search.small_game import search_policy

    problem = bp.problem
    if deal_count(problem) > MAX_DEALS:
        raise ValueError(f"--search: game {problem.spec.name!r} is not a small game; the search agent of the "
                         "real game plays with eval_blueprint --agent search or play --search")
    searched, stats = search_policy(problem, bp.average, search, problem.spec.num_streets - 1)
    deals = deal_table(problem.spec, problem.deal_model)
    print(f"exploitability: blueprint {exploitability(problem.layout, deals, bp.average):.5f}, with search "
          f"{exploitability(problem.layout, deals, searched):.5f} chips/hand ({stats['subgames']} subgames, "
          f"{stats['iterations']:,} DCFR iterations)")
    return replace(bp, average=searched)


if __name__ == "__main__":
    sys.exit(main())
