"""Export a small game's policy: ``python -m holdem.cli.export_policy --run DIR --out policy.json``.

Writes ``{infoset_key: {action: probability}}`` (average strategy; ``--current`` for the
regret-matching strategy) with ACPC action letters; keys are ``<hole>|<board>|<betting>``.
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
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.core.files import check_output, write_atomic
        from holdem.eval.blueprint import load_blueprint

        check_output(args.out, args.force, "--out")
        bp = load_blueprint(args.run)
        if bp.problem.layout.num_rows > MAX_EXPORT_ROWS:
            raise ValueError(f"{args.run}: {bp.problem.layout.num_rows:,} infosets are too many for JSON; "
                             "use holdem.cli.query for single spots")
        policy = bp.policy_dict("current" if args.current else "average")
        write_atomic(args.out, json.dumps(policy, indent=1, sort_keys=True))
        print(f"wrote {len(policy):,} infosets to {args.out}")
        return 0

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
