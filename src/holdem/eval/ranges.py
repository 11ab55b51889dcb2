"""Hole-card ranges of heads-up Texas Hold'em: the 1,326 hole pairs and their buckets.

A range is a weight per hole pair ``h`` (an array of ``NUM_PAIRS``); pair ``h`` holds the
cards ``(PAIR_LO[h], PAIR_HI[h])`` with ``lo < hi`` and ``h = hi * (hi - 1) / 2 + lo``.
:func:`_range_buckets` puts every live pair of a range into the blueprint's card bucket on
the current board, so that a strategy table can be read for each hand the opponent may hold
(as Local Best Response, :mod:`holdem.eval.lbr`, does to keep the range by Bayes' rule).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.abstraction.deal import ABSTRACTION_BUCKET_FILE, DealModel
from holdem.abstraction.hand_strength import hand_strengths, hs_bucket
from holdem.abstraction.isomorphism import index_hand

NUM_PAIRS = 1326
# pair h <-> cards (PAIR_LO[h], PAIR_HI[h]) with lo < hi; h = hi * (hi - 1) / 2 + lo
PAIR_HI = np.array([hi for hi in range(52) for _ in range(hi)], dtype=np.int64)
PAIR_LO = np.array([lo for hi in range(52) for lo in range(hi)], dtype=np.int64)


@njit(cache=True, inline="always")
def _pair_index(a: int, b: int) -> int:
    """Index of the hole pair of cards ``a`` and ``b`` (in either order)."""
    lo, hi = min(a, b), max(a, b)
    return hi * (hi - 1) // 2 + lo


@njit(cache=True)
def _range_buckets(dm: DealModel, street: int, board: np.ndarray, weight: np.ndarray, extra: int,
                   out: np.ndarray) -> None:
    """``out[h]``: the blueprint's bucket of pair h on ``street`` for pairs with weight > 0
    (and pair ``extra``), exactly as :func:`holdem.abstraction.deal.deal_buckets` computes it."""
    if street == 0:  # both Hold'em abstractions keep preflop as a 52x52 card-pair table
        for h in range(NUM_PAIRS):
            if weight[h] > 0.0 or h == extra:
                out[h] = dm.bucket_table[dm.bucket_offset[0] + PAIR_LO[h] * 52 + PAIR_HI[h]]
        return
    if dm.abstraction == ABSTRACTION_BUCKET_FILE:  # canonical index -> bucket, O(1) per pair
        hole = np.empty(2, dtype=np.int64)
        nb = dm.board_start[street + 1]
        for h in range(NUM_PAIRS):
            if weight[h] > 0.0 or h == extra:
                hole[0] = PAIR_LO[h]
                hole[1] = PAIR_HI[h]
                out[h] = dm.bucket_table[dm.bucket_offset[street] + index_hand(hole, board, nb)]
        return
    k = 0
    for h in range(NUM_PAIRS):
        if weight[h] > 0.0 or h == extra:
            k += 1
    holes = np.empty((k, 2), dtype=np.int64)
    idx = np.empty(k, dtype=np.int64)
    k = 0
    for h in range(NUM_PAIRS):
        if weight[h] > 0.0 or h == extra:
            holes[k, 0] = PAIR_LO[h]
            holes[k, 1] = PAIR_HI[h]
            idx[k] = h
            k += 1
    hs = np.empty(k, dtype=np.int64)
    hand_strengths(holes, board, dm.board_start[street + 1], hs)
    lo, hi = dm.bucket_offset[street], dm.bucket_offset[street + 1]
    for i in range(k):
        out[idx[i]] = hs_bucket(hs[i], dm.bucket_table, lo, hi)


__all__ = ["NUM_PAIRS", "PAIR_HI", "PAIR_LO"]
