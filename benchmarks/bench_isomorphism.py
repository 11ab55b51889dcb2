"""Throughput of suit-isomorphic hand indexing, one core, after warm-up.

Run: ``python benchmarks/bench_isomorphism.py [--hands N] [--repeats R]``. Prints, per street,
index lookups/second on random hands (a numba loop calling ``index_hand`` per hand, hands
pre-dealt so dealing is not timed) and unindex rate (``unindex_into`` on random indices and
on consecutive indices, the abstraction builder's access pattern). Best of R repeats.
"""
from __future__ import annotations

import argparse
import os

# One core: the target is per-core throughput, and numba must not spawn threads.
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from holdem.core import numba_cache  # noqa: E402

numba_cache.configure()  # before the first kernel is compiled
from holdem.abstraction.isomorphism import (  # noqa: E402
    BOARD_CARDS,
    NUM_INDICES,
    index_hand,
    unindex_into,
)
from _bench_util import best_rate, random_hands  # noqa: E402


@njit(cache=True)
def loop_index(hands: np.ndarray, k: int) -> int:
    """Sum of index_hand over the rows (hole = first 2 columns, board = the rest)."""
    acc = 0
    for i in range(hands.shape[0]):
        acc += index_hand(hands[i, :2], hands[i, 2:], k)
    return acc


@njit(cache=True)
def loop_unindex(street: int, indices: np.ndarray) -> int:
    """Sum of all cards of the canonical representatives of the given indices."""
    buf = np.empty(7, np.int64)
    acc = 0
    k = 0 if street == 0 else street + 2
    for i in range(indices.shape[0]):
        unindex_into(street, indices[i], buf)
        for j in range(2 + k):
            acc += buf[j]
    return acc


def main() -> None:
    """Print the throughput table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hands", type=int, default=4_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    n = args.hands
    rng = np.random.default_rng(0)
    print(f"{'street':>7} {'index/s':>12} {'unindex/s (random)':>19} {'unindex/s (sequential)':>23}")
    for street, k in enumerate(BOARD_CARDS):
        hands = random_hands(n, 2 + k, street)
        idx_rand = rng.integers(0, NUM_INDICES[street], n // 4)
        idx_seq = np.arange(min(n // 4, NUM_INDICES[street]), dtype=np.int64)
        r_idx = best_rate(lambda: loop_index(hands, k), n, args.repeats)
        r_un = best_rate(lambda: loop_unindex(street, idx_rand), idx_rand.size, args.repeats)
        r_seq = best_rate(lambda: loop_unindex(street, idx_seq), idx_seq.size, args.repeats)
        print(f"{street:>7} {r_idx / 1e6:>10.1f} M {r_un / 1e6:>17.2f} M {r_seq / 1e6:>21.2f} M")


if __name__ == "__main__":
    main()
