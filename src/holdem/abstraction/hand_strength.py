"""A simple, exact Hold'em card abstraction: 169 preflop classes, hand-strength buckets after.

Preflop: the 169 suit-isomorphic starting-hand classes (13 pairs, 78 suited, 78 offsuit),
which lose nothing. Postflop, on each street, a hand's strength (HS) is its probability of
beating a uniformly random opponent hand on the current board, ties counting half,
computed exactly over every opponent hand (no sampling, no look-ahead to later cards).
Buckets are HS percentiles: cut points are HS quantiles of uniformly random (hand, board)
pairs, drawn once with a fixed seed, so buckets hold about equally many hands.

This is coarser than the potential-aware abstraction (it cannot tell a flush draw from
air of the same current strength) but real and cheap to build. The kernel computes it per
sampled deal: one pass evaluates every two-card opponent hand on the board once and all
players share it.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.core.evaluator import eval5, eval6, eval7
from holdem.core.rng import next_below, seed_state

HS_SCALE = 1 << 20  # HS is kept as an integer in [0, HS_SCALE]
RANKS = "23456789TJQKA"


@njit(cache=True)
def preflop_class(c0: int, c1: int) -> int:
    """Class 0..168 of two hole cards: pairs 0..12, then suited, then offsuit (by ranks)."""
    r0, r1 = c0 // 4, c1 // 4
    hi, lo = max(r0, r1), min(r0, r1)
    if hi == lo:
        return hi
    k = hi * (hi - 1) // 2 + lo  # 0..77 over hi > lo
    return 13 + k if c0 % 4 == c1 % 4 else 91 + k


def preflop_label(cls: int) -> str:
    """'AA', 'AKs', '72o' for a class id."""
    if cls < 13:
        return RANKS[cls] * 2
    k = (cls - 13) % 78
    hi = 1
    while (hi + 1) * hi // 2 <= k:
        hi += 1
    lo = k - hi * (hi - 1) // 2
    return RANKS[hi] + RANKS[lo] + ("s" if cls < 91 else "o")


@njit(cache=True)
def _value(hole0: int, hole1: int, board: np.ndarray, nb: int) -> int:
    if nb == 3:
        return eval5(hole0, hole1, board[0], board[1], board[2])
    if nb == 4:
        return eval6(hole0, hole1, board[0], board[1], board[2], board[3])
    return eval7(hole0, hole1, board[0], board[1], board[2], board[3], board[4])


@njit(cache=True)
def hand_strengths(holes: np.ndarray, board: np.ndarray, nb: int, out: np.ndarray) -> None:
    """HS (integer, scale HS_SCALE) of each row of ``holes`` (k x 2) on the first nb board cards.

    Every opponent hand from the cards not on the board is evaluated once; each player then
    counts the ones that do not share a card with its own hand.
    """
    used = np.zeros(52, dtype=np.bool_)
    for i in range(nb):
        used[board[i]] = True
    rest = np.empty(52, dtype=np.int64)
    m = 0
    for c in range(52):
        if not used[c]:
            rest[m] = c
            m += 1
    pairs = m * (m - 1) // 2
    a = np.empty(pairs, dtype=np.int64)
    b = np.empty(pairs, dtype=np.int64)
    v = np.empty(pairs, dtype=np.int64)
    k = 0
    for i in range(m):
        for j in range(i + 1, m):
            a[k] = rest[i]
            b[k] = rest[j]
            v[k] = _value(rest[i], rest[j], board, nb)
            k += 1
    for p in range(holes.shape[0]):
        h0, h1 = holes[p, 0], holes[p, 1]
        mine = _value(h0, h1, board, nb)
        score = 0  # 2 per win, 1 per tie
        count = 0
        for q in range(pairs):
            if a[q] == h0 or a[q] == h1 or b[q] == h0 or b[q] == h1:
                continue
            count += 1
            if v[q] < mine:
                score += 2
            elif v[q] == mine:
                score += 1
        out[p] = score * HS_SCALE // (2 * count)


@njit(cache=True)
def _sample_hs(nb: int, samples: int, rng: np.ndarray) -> np.ndarray:
    deck = np.arange(52, dtype=np.int64)
    board = np.zeros(5, dtype=np.int64)
    holes = np.zeros((1, 2), dtype=np.int64)
    out = np.zeros(samples, dtype=np.int64)
    one = np.zeros(1, dtype=np.int64)
    for s in range(samples):
        for i in range(2 + nb):  # partial Fisher-Yates over a persistent deck
            j = i + next_below(rng, 52 - i)
            t = deck[i]
            deck[i] = deck[j]
            deck[j] = t
        holes[0, 0], holes[0, 1] = deck[0], deck[1]
        for i in range(nb):
            board[i] = deck[2 + i]
        hand_strengths(holes, board, nb, one)
        out[s] = one[0]
    return out


def hs_cut_points(k: int, board_cards: int, samples: int = 20_000, seed: int = 0) -> np.ndarray:
    """The k-1 HS quantiles that split random hands on a ``board_cards`` board into k buckets."""
    hs = np.sort(_sample_hs(board_cards, samples, seed_state(seed, board_cards)))
    cuts = hs[(np.arange(1, k) * len(hs)) // k]
    return cuts.astype(np.int32)


@njit(cache=True)
def hs_bucket(hs: int, cuts: np.ndarray, lo: int, hi: int) -> int:
    """Bucket of an HS value: the number of cut points in cuts[lo:hi] at or below it."""
    a, b = lo, hi
    while a < b:
        mid = (a + b) // 2
        if cuts[mid] <= hs:
            a = mid + 1
        else:
            b = mid
    return a - lo
