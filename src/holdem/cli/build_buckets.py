"""Build a Hold'em card abstraction (bucket file).

    python -m holdem.cli.build_buckets --preset small --out assets/buckets/small.npz
    python -m holdem.cli.build_buckets --k-flop 50 --k-turn 50 --k-river 50 --seed 0 --out FILE

Presets: tiny 169/10/10/10, small 169/50/50/50, mid 169/200/200/200, large 169/500/500/500.
``--k-preflop`` below 169 clusters the 169 lossless preflop classes as well.
Each stage shows a progress bar with ETA; Ctrl-C keeps the finished stages (cached beside the
output) and a rerun continues from there. An existing output is not overwritten without --force.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from holdem.cli.common import ArgumentParser, number, run_cli


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = ArgumentParser(prog="build_buckets", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=("tiny", "small", "mid", "large"))
    buckets = number(integer=True, low=1, high=65536)
    p.add_argument("--k-preflop", type=buckets, default=None, help="preflop buckets (169 = lossless)")
    p.add_argument("--k-flop", type=buckets, default=None, help="flop buckets")
    p.add_argument("--k-turn", type=buckets, default=None, help="turn buckets")
    p.add_argument("--k-river", type=buckets, default=None, help="river buckets")
    p.add_argument("--seed", type=number(integer=True, low=0, high=(1 << 63) - 1), default=0,
                   help="seed of the sampling and k-means (default 0)")
    p.add_argument("--sample", type=number(integer=True, low=1, high=100_000_000), default=200_000,
                   help="hands per street the centroids are fitted on (default 200000)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--force", action="store_true", help="overwrite an existing bucket file")
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.abstraction.build import PRESETS, BuildParams, build
        from holdem.core.files import check_output

        ks = list(PRESETS[args.preset]) if args.preset else [169, 50, 50, 50]
        for i, value in enumerate((args.k_preflop, args.k_flop, args.k_turn, args.k_river)):
            if value is not None:
                ks[i] = value
        for name, k in zip(("--k-preflop", "--k-flop", "--k-turn", "--k-river"), ks):
            if not 1 <= k <= 65536:
                raise ValueError(f"{name} {k}: use a bucket count from 1 to 65536")
        check_output(args.out, args.force, "--out")
        params = BuildParams(*ks, seed=args.seed, sample=args.sample)
        start = time.time()
        try:
            digest, reports = build(params, args.out, log=lambda m: print(f"build_buckets: {m}", file=sys.stderr))
        except KeyboardInterrupt:
            print("build_buckets: interrupted; finished stages are cached, rerun the same command to continue",
                  file=sys.stderr)
            return 130
        print(f"{'street':<8} {'k':>6} {'min':>10} {'median':>10} {'max':>10} {'mean dist':>10} {'seconds':>8}")
        for r in reports:
            print(f"{r.street:<8} {r.k:>6} {int(r.sizes.min()):>10,} {int(sorted(r.sizes)[len(r.sizes) // 2]):>10,} "
                  f"{int(r.sizes.max()):>10,} {r.mean_distance:>10.4f} {r.seconds:>8.1f}")
        print(f"wrote {args.out} (sha256 {digest[:16]}...) in {time.time() - start:.0f}s")
        return 0

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
