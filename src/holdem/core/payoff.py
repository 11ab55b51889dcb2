"""Chips won at the end of a hand, with side pots: the one payoff rule of the project.

The kernel, the exact best response and the referee all call :func:`hand_payoffs`, so the
chips a strategy is trained on are the chips the referee pays out.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def hand_payoffs(contrib: np.ndarray, active: int, values: np.ndarray, out: np.ndarray) -> None:
    """Net chips per player: pots split among the best active hands, ties share equally.

    ``contrib[p]`` is what player p put in, ``active`` the bitmask of players who did not
    fold, ``values[p]`` the showdown strength (higher wins; ignored when one player is left).
    Side pots: each contribution level of an active player caps a slice of the pot that only
    active players who reached that level can win; chips above the highest level return to
    whoever put them in (an uncalled bet). Chips stay integers: a slice that does not divide
    evenly gives its odd chips one each to the tied winners in seat order starting from the
    first seat left of the button (seat 0; heads-up, seat 1, since seat 0 is the button).
    """
    n = contrib.shape[0]
    for p in range(n):
        out[p] = -float(contrib[p])
    prev = 0
    while True:
        level = -1  # the next contribution level of an active player above prev
        for p in range(n):
            if (active >> p) & 1 and contrib[p] > prev and (level < 0 or contrib[p] < level):
                level = contrib[p]
        if level < 0:
            break
        slice_chips = 0
        for p in range(n):
            slice_chips += min(contrib[p], level) - min(contrib[p], prev)
        best = -1
        winners = 0
        for p in range(n):
            if (active >> p) & 1 and contrib[p] >= level:
                if best < 0 or values[p] > values[best]:
                    best = p
                    winners = 1
                elif values[p] == values[best]:
                    winners += 1
        share = slice_chips // winners
        odd = slice_chips - share * winners
        first = 1 if n == 2 else 0
        for k in range(n):
            p = (first + k) % n
            if (active >> p) & 1 and contrib[p] >= level and values[p] == values[best]:
                out[p] += share
                if odd > 0:
                    out[p] += 1
                    odd -= 1
        prev = level
    # folded chips above every active level (cannot happen in a legal hand) go to the pot's
    # last eligible winner so that chips are always conserved
    extra = 0
    for p in range(n):
        if contrib[p] > prev:
            extra += contrib[p] - prev
    if extra > 0:
        best = -1
        for p in range(n):
            if (active >> p) & 1 and (best < 0 or values[p] > values[best]):
                best = p
        out[best] += extra
