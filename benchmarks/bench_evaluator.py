"""Throughput of the 7-card evaluator on random hands, one core, after warm-up.

Run: ``python benchmarks/bench_evaluator.py [--hands N] [--repeats R]``. Prints
hands/second (best of R) for the Python batch entry point and for a numba loop that calls
the ``eval7`` kernel per hand the way the MCCFR kernel does.
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
from holdem.core.evaluator import eval5, eval7, eval7_arr, evaluate_batch  # noqa: E402
from _bench_util import best_rate, random_hands  # noqa: E402


@njit(cache=True)
def loop_eval7(cards: np.ndarray) -> int:
    """Sum of eval7 over the rows, called with seven scalar arguments (kernel style)."""
    acc = 0
    for i in range(cards.shape[0]):
        acc += eval7(cards[i, 0], cards[i, 1], cards[i, 2], cards[i, 3], cards[i, 4],
                     cards[i, 5], cards[i, 6])
    return acc


@njit(cache=True)
def loop_eval7_arr(flat: np.ndarray) -> int:
    """Sum of eval7_arr over consecutive 7-card slices of a flat array."""
    acc = 0
    for o in range(0, flat.shape[0], 7):
        acc += eval7_arr(flat, o)
    return acc


@njit(cache=True)
def loop_eval5(cards: np.ndarray) -> int:
    """Sum of eval5 over the rows."""
    acc = 0
    for i in range(cards.shape[0]):
        acc += eval5(cards[i, 0], cards[i, 1], cards[i, 2], cards[i, 3], cards[i, 4])
    return acc


def main() -> None:
    """Print the throughput table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hands", type=int, default=4_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    n = args.hands
    h7 = random_hands(n, 7, 1)
    h7_i64 = h7.astype(np.int64)
    h7_i32 = h7.astype(np.int32)
    h5 = random_hands(n, 5, 2)
    flat = np.ascontiguousarray(h7_i32).reshape(-1)
    rows = [
        ("evaluate_batch (n,7) uint8, check=False", lambda: evaluate_batch(h7, check=False)),
        ("evaluate_batch (n,7) uint8, check=True", lambda: evaluate_batch(h7)),
        ("evaluate_batch (n,7) int64, check=False", lambda: evaluate_batch(h7_i64, check=False)),
        ("njit loop: eval7(c0..c6), uint8", lambda: loop_eval7(h7)),
        ("njit loop: eval7(c0..c6), int64", lambda: loop_eval7(h7_i64)),
        ("njit loop: eval7_arr(flat int32, o)", lambda: loop_eval7_arr(flat)),
        ("njit loop: eval5(c0..c4), uint8", lambda: loop_eval5(h5)),
    ]
    print(f"random hands: {n:,}  repeats: {args.repeats}  (best of, one core)")
    print(f"{'path':<44}{'Mhands/s':>10}")
    for name, fn in rows:
        print(f"{name:<44}{best_rate(fn, n, args.repeats) / 1e6:>10.1f}")


if __name__ == "__main__":
    main()
