"""Helpers shared by the benchmark scripts (run as ``python benchmarks/X.py``)."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
from numba import njit

from holdem.core import numba_cache

numba_cache.configure()  # before the first kernel is compiled


@njit(cache=True)
def random_hands(n: int, k: int, seed: int) -> np.ndarray:
    """n random k-card hands (distinct cards per row) as an (n, k) uint8 array."""
    np.random.seed(seed)
    out = np.empty((n, k), np.uint8)
    deck = np.arange(52, dtype=np.uint8)
    for i in range(n):
        # partial Fisher-Yates: the first k slots become a uniform random k-subset
        for j in range(k):
            r = j + np.random.randint(0, 52 - j)
            deck[j], deck[r] = deck[r], deck[j]
            out[i, j] = deck[j]
    return out


def best_rate(fn: Callable[[], object], n: int, repeats: int) -> float:
    """Best items/second of fn() over repeats runs (first call is a warm-up)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best
