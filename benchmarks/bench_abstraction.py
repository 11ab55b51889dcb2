"""Card abstraction: build time per stage, peak memory, and train-time lookups per second.

    python benchmarks/bench_abstraction.py [--preset tiny|small|mid] [--out DIR] [--lookups N]

Builds the preset into DIR (default: a temporary directory; an existing file there is
reused with its cached stages), prints the per-stage report, the peak resident memory of
the build, and how many (hole, board) -> bucket lookups per second the kernel's O(1) path
does on one core (all four streets of one player per lookup counted as four).
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import njit

from holdem.abstraction.build import PRESETS, BuildParams, build
from holdem.abstraction.card_abstraction import make_abstraction
from holdem.game.spec import no_limit_holdem
from holdem.mccfr.deal import DealModel, deal_buckets, sample_deal
from holdem.mccfr.rng import seed_state


@njit(cache=True)
def _deals(dm: DealModel, n: int, rng: np.ndarray) -> np.ndarray:
    deck = np.arange(52, dtype=np.int64)
    out = np.zeros((n, 9), dtype=np.int64)
    for i in range(n):
        sample_deal(dm, deck, rng, out[i])
    return out


@njit(cache=True)
def _lookups(dm: DealModel, deals: np.ndarray) -> int:
    buckets = np.zeros((2, 4), dtype=np.int64)
    total = 0
    for i in range(deals.shape[0]):
        deal_buckets(dm, deals[i], buckets)
        total += buckets[0, 3] + buckets[1, 1]
    return total


def main() -> None:
    """Print the report."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    p.add_argument("--out", type=Path)
    p.add_argument("--lookups", type=int, default=2_000_000)
    args = p.parse_args()
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="holdem-buckets-"))
    out = out_dir / f"{args.preset}.npz"
    start = time.time()
    if not out.exists():
        _, reports = build(BuildParams(*PRESETS[args.preset]), out, log=lambda m: None)
        print(f"{'stage':<8} {'k':>5} {'seconds':>8}")
        for r in reports[1:]:
            print(f"{r.street:<8} {r.k:>5} {r.seconds:>8.1f}")
        print(f"build {args.preset}: {time.time() - start:.0f}s total (river EHS included), peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    dm = make_abstraction(no_limit_holdem(), {"kind": "buckets", "file": str(out)})
    from holdem.mccfr.deal import ABSTRACTION_BUCKET_FILE, make_deal_model
    model = make_deal_model(no_limit_holdem(), ABSTRACTION_BUCKET_FILE, dm.table, dm.offset)
    deals = _deals(model, args.lookups, seed_state(1))
    _lookups(model, deals[:1000])
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        _lookups(model, deals)
        best = max(best, 8 * args.lookups / (time.perf_counter() - t))
    # each deal: 2 players x 4 streets = 8 (hole, board) -> bucket lookups
    print(f"lookups: {best:,.0f}/s on one core (canonical index + table read, best of 3)")


if __name__ == "__main__":
    main()
