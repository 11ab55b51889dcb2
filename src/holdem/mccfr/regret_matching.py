"""Regret matching (Hart & Mas-Colell 2000): the current strategy is proportional to the
positive cumulative regrets, uniform when none is positive."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def regret_matching(regret: np.ndarray, row: int, n: int, sigma: np.ndarray) -> None:
    """``sigma[:n]``: the current strategy of table row ``row``."""
    total = 0.0
    for a in range(n):
        r = regret[row, a]
        if r > 0.0:
            sigma[a] = r
            total += r
        else:
            sigma[a] = 0.0
    if total > 0.0:
        for a in range(n):
            sigma[a] /= total
    else:
        for a in range(n):
            sigma[a] = 1.0 / n
