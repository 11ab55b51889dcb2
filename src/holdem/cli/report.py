"""The strategy report of a Hold'em blueprint: ``python -m holdem.cli.report --policy RUN``.

Writes a static site (``index.html`` + ``report.js`` + ``report.css`` + ``data.js``; opens
from ``file://``, no server, no network) into ``--out`` (default ``RUN/report``): the run's
summary and training curves, the betting spots breadth first from the root to ``--depth``
actions (postflop ones for each ``--board``), and at each spot the 13x13 grid of starting
hands coloured by the action mix (pairs on the diagonal, suited above, offsuit below);
hovering or clicking a cell shows its exact probabilities, buckets and combos.

``--png`` also writes each spot's grid as a PNG (``DIR/png/spot-<id>.png``, the spot ids
of ``data.js``). The tables are memory-mapped: the report reads the rows it shows. An
existing report is replaced only with ``--force``.
"""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from holdem.cli.common import ArgumentParser, number, run_cli


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = ArgumentParser(prog="report", description=__doc__)
    p.add_argument("--policy", required=True, type=Path, help="run directory or snapshot directory")
    p.add_argument("--out", type=Path, help="report directory (default RUN/report)")
    p.add_argument("--board", action="append", default=[],
                   help="a board for postflop spots, e.g. 'Ks Qd 9h' (3-5 cards; may be repeated)")
    p.add_argument("--depth", type=number(integer=True, low=0, high=64), default=None,
                   help="actions from the root down to which spots are shown (default 4 heads-up, "
                        "players + 3 otherwise)")
    p.add_argument("--max-spots", type=number(integer=True, low=1, high=100_000), default=400, dest="max_spots",
                   help="at most this many spots, the shallowest first (default 400)")
    p.add_argument("--png", action="store_true", help="also write every spot's grid as DIR/png/spot-<id>.png")
    p.add_argument("--force", action="store_true", help="replace an existing report directory")
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.core.progress import format_bytes
        from holdem.eval.blueprint import map_blueprint
        from holdem.report.site import build_report, check_report_dir, parse_board, write_site
        from holdem.run.directory import is_run_dir, resolve_snapshot, run_dir_of

        start = time.time()
        boards = [parse_board(b) for b in args.board]
        snapshot = resolve_snapshot(args.policy)
        run_dir = run_dir_of(snapshot)
        out = args.out or ((run_dir if is_run_dir(run_dir) else Path.cwd()) / "report")
        check_report_dir(out, args.force)
        bp = map_blueprint(args.policy)
        depth = args.depth if args.depth is not None else (4 if bp.problem.spec.num_players == 2
                                                            else bp.problem.spec.num_players + 3)
        report = build_report(bp, boards, depth, args.max_spots)
        write_site(report, out, args.png)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(f"report: {out / 'index.html'}  ({len(report['spots'])} spots, {time.time() - start:.1f}s, "
              f"peak memory {format_bytes(peak)}; tables {format_bytes(report['summary']['table_bytes'])} on disk, mapped)")
        return 0

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
