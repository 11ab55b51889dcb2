"""Card abstraction: build time per stage, peak memory, and train-time lookups per second.

    python benchmarks/bench_abstraction.py [--preset tiny|small|mid] [--out DIR] [--deals N]

Builds the preset into DIR (default: a temporary directory; an existing file there is
reused with its cached stages), prints the per-stage report, the peak resident memory of
the build, and how many (hole, board) -> bucket lookups per second one core does, counting
each player's bucket on each street as one lookup (8 per heads-up deal):

* ``kernel (blocks of 64 deals)``: what training does, :func:`deal_buckets_batch` on the
  kernel's blocks of deals (positions of the whole block first, then the table reads);
* ``deal by deal``: :func:`deal_buckets` on one deal at a time (evaluation, best response).
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
from holdem.abstraction.deal import (ABSTRACTION_BUCKET_FILE, DealModel, deal_buckets, deal_buckets_batch,
                               make_deal_model, sample_deal)
from holdem.core.rng import seed_state
from holdem.mccfr.external_sampling import DEAL_BLOCK


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


@njit(cache=True)
def _lookups_blocks(dm: DealModel, deals: np.ndarray) -> int:
    buckets = np.zeros((DEAL_BLOCK, 2, 4), dtype=np.int64)
    total = 0
    for start in range(0, deals.shape[0], DEAL_BLOCK):
        m = min(DEAL_BLOCK, deals.shape[0] - start)
        deal_buckets_batch(dm, deals[start:start + m], buckets[:m])
        total += buckets[0, 0, 3] + buckets[m - 1, 1, 1]
    return total


def _rate(fn, model: DealModel, deals: np.ndarray) -> float:
    """Best of 3 lookups per second (8 per heads-up deal)."""
    fn(model, deals[:1000])
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        fn(model, deals)
        best = max(best, 8 * deals.shape[0] / (time.perf_counter() - t))
    return best


def main() -> None:
    """Print the report."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    p.add_argument("--out", type=Path)
    p.add_argument("--deals", type=int, default=2_000_000, help="random heads-up deals to look up")
    args = p.parse_args()
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="holdem-buckets-"))
    out = out_dir / f"{args.preset}.npz"
    start = time.time()
    if not out.exists():
        messages: list[str] = []
        _, reports = build(BuildParams(*PRESETS[args.preset]), out, log=messages.append)
        ehs_seconds = time.time() - start - sum(r.seconds for r in reports)  # what the reports leave out
        cached = any(m.startswith("river_ehs: reusing") for m in messages)
        print(f"{'stage':<10} {'k':>5} {'seconds':>8}")
        print(f"{'river EHS':<10} {'':>5} {'cached' if cached else f'{ehs_seconds:.1f}':>8}")
        for r in reports[1:]:
            print(f"{r.street:<10} {r.k:>5} {r.seconds:>8.1f}")
        print(f"build {args.preset}: {time.time() - start:.0f}s total, peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    abstraction = make_abstraction(no_limit_holdem(), {"kind": "buckets", "file": str(out)})
    model = make_deal_model(no_limit_holdem(), ABSTRACTION_BUCKET_FILE, abstraction.table, abstraction.offset)
    deals = _deals(model, args.deals, seed_state(1))
    print(f"{'lookups on one core':<34} {'per second':>14}")
    for name, fn in (("kernel (blocks of 64 deals)", _lookups_blocks), ("deal by deal", _lookups)):
        print(f"{name:<34} {_rate(fn, model, deals):>14,.0f}")


if __name__ == "__main__":
    main()
