"""Helpers shared by the benchmark scripts (run as ``python benchmarks/X.py``)."""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any, Callable

import numba
import psutil

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


def machine() -> dict[str, Any]:
    """CPU model, cores, versions, date and load: what the numbers were measured on."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    return {"cpu_model": model, "logical_cores": psutil.cpu_count(logical=True),
            "physical_cores": psutil.cpu_count(logical=False), "memory_bytes": psutil.virtual_memory().total,
            "platform": platform.platform(), "python": platform.python_version(), "numba": numba.__version__,
            "numpy": np.__version__, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
