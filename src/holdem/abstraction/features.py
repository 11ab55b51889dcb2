"""Equity features of every canonical Hold'em hand, per street (numba, parallel).

River: expected hand strength (EHS) of every canonical river hand against a uniformly
random opponent hand, ties counting half, exact. For each of the 2,598,960 boards all 1,081
remaining hole pairs are evaluated once and sorted; a hand's wins are the pairs below it
minus those sharing one of its cards (card removal, by per-card counters kept during the
sweep), ties likewise within its group of equal values (the sort-by-board trick). The
result is stored at each hand's canonical index (suit-isomorphic hands get the same value).

Turn: for each canonical turn hand, the distribution of its river EHS over the 46 river
cards, as a histogram over ``bins`` equal-width EHS bins, stored as a CDF (so that L1 is the
earth mover's distance; see kmeans.py).

Flop: for each canonical flop hand, the distribution of its turn bucket over the 47 turn
cards. Each turn bucket sits on the EHS axis at the mean river EHS of its centroid
(:func:`turn_bucket_positions`; buckets are ordered weak to strong, so positions ascend).
On a line, the earth mover's distance between two distributions over points
``p_0 <= .. <= p_{k-1}`` is ``sum_b |F(b) - G(b)| * (p_{b+1} - p_b)``, so each flop hand is
stored as its CDF scaled by those gaps and plain L1 between features is the exact EMD with
ground distance |p_i - p_j| between turn buckets. (Pluribus uses the EMD between the turn
centroids' own histograms as ground distance; the centroid means keep the problem 1-D and
the distance exact, and unlike bucket ranks they keep far-apart buckets far apart.)

Preflop (only when fewer than the 169 lossless classes are asked for): each class's
distribution of flop buckets over all 19,600 flops, flop buckets placed at their centroids'
mean river EHS, the same gap-scaled CDF.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from holdem.abstraction.isomorphism import NUM_INDICES, index_hand, unindex_into
from holdem.core.evaluator import eval7

EHS_SCALE = 65535  # river EHS stored as uint16


@njit(cache=True)
def _board_ehs(board: np.ndarray, out_index: np.ndarray, out_ehs: np.ndarray) -> None:
    """EHS of all 1,081 hole pairs on one 5-card board (sort-by-board trick)."""
    used = np.zeros(52, dtype=np.bool_)
    for c in board:
        used[c] = True
    a = np.empty(1081, dtype=np.int64)
    b = np.empty(1081, dtype=np.int64)
    v = np.empty(1081, dtype=np.int64)
    k = 0
    for i in range(52):
        if used[i]:
            continue
        for j in range(i + 1, 52):
            if used[j]:
                continue
            a[k] = i
            b[k] = j
            v[k] = eval7(i, j, board[0], board[1], board[2], board[3], board[4])
            k += 1
    order = np.argsort(v)
    less_card = np.zeros(52, dtype=np.int64)
    eq_card = np.zeros(52, dtype=np.int64)
    hole = np.empty(2, dtype=np.int64)
    less_total = 0
    g = 0
    while g < 1081:
        e = g
        while e < 1081 and v[order[e]] == v[order[g]]:
            e += 1
        for q in range(g, e):  # counts of the equal group
            eq_card[a[order[q]]] += 1
            eq_card[b[order[q]]] += 1
        eq_total = e - g
        for q in range(g, e):
            p = order[q]
            wins = less_total - less_card[a[p]] - less_card[b[p]]
            ties = eq_total - eq_card[a[p]] - eq_card[b[p]] + 1
            hole[0] = a[p]
            hole[1] = b[p]
            out_index[p] = index_hand(hole, board, 5)
            out_ehs[p] = (2 * wins + ties) * EHS_SCALE // (2 * 990)
        for q in range(g, e):
            eq_card[a[order[q]]] -= 1
            eq_card[b[order[q]]] -= 1
            less_card[a[order[q]]] += 1
            less_card[b[order[q]]] += 1
        less_total += eq_total
        g = e


@njit(cache=True, parallel=True)
def _river_chunk(boards: np.ndarray, ehs: np.ndarray) -> None:
    for t in prange(boards.shape[0]):
        idx = np.empty(1081, dtype=np.int64)
        val = np.empty(1081, dtype=np.int64)
        _board_ehs(boards[t], idx, val)
        for p in range(1081):
            ehs[idx[p]] = val[p]


def all_boards() -> np.ndarray:
    """The 2,598,960 five-card boards (int8 [n, 5])."""
    from itertools import combinations
    return np.array(list(combinations(range(52), 5)), dtype=np.int8)


def river_ehs(progress=None, chunk: int = 20_000) -> np.ndarray:
    """uint16 EHS (scale EHS_SCALE) of every canonical river index."""
    ehs = np.zeros(NUM_INDICES[3], dtype=np.uint16)
    boards = all_boards().astype(np.int64)
    for start in range(0, len(boards), chunk):
        _river_chunk(boards[start:start + chunk], ehs)
        if progress is not None:
            progress(min(start + chunk, len(boards)), len(boards))
    return ehs


@njit(cache=True, inline="always")
def _cdf_into(hist: np.ndarray, total: float, scale: np.ndarray, out: np.ndarray) -> None:
    acc = 0.0
    for i in range(hist.shape[0]):
        acc += hist[i] / total
        out[i] = acc
        out[i] *= scale[i]  # in the output's precision, scaled after rounding


@njit(cache=True, inline="always")
def _next_street_indices(street: int, index: int, out: np.ndarray) -> None:
    """``out``: the canonical indices on the next street of hand ``index`` (flop or turn), one
    per unseen card in card order (47 after a flop, 46 after a turn)."""
    k = street + 2  # board cards on the flop (3) or turn (4)
    cards = np.empty(k + 3, dtype=np.int64)
    unindex_into(street, index, cards)
    used = np.zeros(52, dtype=np.bool_)
    for c in cards[:k + 2]:
        used[c] = True
    n = 0
    for r in range(52):
        if not used[r]:
            cards[k + 2] = r
            out[n] = index_hand(cards[:2], cards[2:], k + 1)
            n += 1


@njit(cache=True, parallel=True)
def _turn_cdfs(indices: np.ndarray, river_ehs: np.ndarray, bins: int, out: np.ndarray) -> None:
    ones = np.ones(bins, dtype=np.float32)
    for t in prange(indices.shape[0]):
        rivers = np.empty(46, dtype=np.int64)
        _next_street_indices(2, indices[t], rivers)
        hist = np.zeros(bins, dtype=np.float32)
        for e in river_ehs[rivers]:
            hist[min(e * bins // (EHS_SCALE + 1), bins - 1)] += 1.0
        _cdf_into(hist, 46.0, ones, out[t])


def turn_features(indices: np.ndarray, river_ehs: np.ndarray, bins: int) -> np.ndarray:
    """CDF over ``bins`` EHS bins of the river EHS of each turn index in ``indices``."""
    out = np.empty((len(indices), bins), dtype=np.float32)
    _turn_cdfs(np.ascontiguousarray(indices, dtype=np.int64), river_ehs, bins, out)
    return out


def turn_bucket_positions(centers: np.ndarray) -> np.ndarray:
    """Mean river EHS (0..1) of each turn centroid (a CDF over equal-width EHS bins)."""
    bins = centers.shape[1]
    # mean bin of a CDF over bins 0..B-1 is B - 1 - sum(CDF[:-1]); bin i is centred at (i + .5) / B
    return (bins - 0.5 - centers[:, :-1].astype(np.float64).sum(axis=1)) / bins


@njit(cache=True, parallel=True)
def _flop_cdfs(indices: np.ndarray, turn_bucket: np.ndarray, gaps: np.ndarray, out: np.ndarray) -> None:
    for t in prange(indices.shape[0]):
        turns = np.empty(47, dtype=np.int64)
        _next_street_indices(1, indices[t], turns)
        hist = np.zeros(gaps.shape[0], dtype=np.float32)
        for b in turn_bucket[turns]:
            hist[b] += 1.0
        _cdf_into(hist, 47.0, gaps, out[t])


def _gaps(positions: np.ndarray) -> np.ndarray:
    """Weights that turn a CDF over buckets at ``positions`` into an EMD-under-L1 feature."""
    gaps = np.zeros(len(positions), dtype=np.float32)
    gaps[:-1] = np.diff(positions)  # the last CDF entry is always 1: no mass moves past it
    if (gaps < -1e-6).any():  # (float32 centroid sums may differ in the last bit)
        raise ValueError("bucket positions must ascend (buckets ordered weak to strong)")
    return np.maximum(gaps, 0)


def flop_features(indices: np.ndarray, turn_bucket: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Gap-scaled CDF over the turn buckets (at ``positions``) of each flop index in ``indices``:
    L1 between two rows is the EMD between the two hands' turn-bucket distributions."""
    out = np.empty((len(indices), len(positions)), dtype=np.float32)
    _flop_cdfs(np.ascontiguousarray(indices, dtype=np.int64), turn_bucket, _gaps(positions), out)
    return out


def flop_bucket_positions(centers: np.ndarray, turn_positions: np.ndarray) -> np.ndarray:
    """Mean river EHS of each flop centroid (a gap-scaled CDF over turn buckets at ``turn_positions``)."""
    # mean of a distribution over p_0 <= .. <= p_{k-1} is p_{k-1} - sum_b F(b) (p_{b+1} - p_b)
    return turn_positions[-1] - centers.astype(np.float64).sum(axis=1)


@njit(cache=True, parallel=True)
def _preflop_cdfs(flop_bucket: np.ndarray, gaps: np.ndarray, out: np.ndarray) -> None:
    k_flop = gaps.shape[0]
    for c in prange(169):
        hole = np.empty(2, dtype=np.int64)
        unindex_into(0, c, hole)
        rest = np.empty(50, dtype=np.int64)
        n = 0
        for card in range(52):
            if card != hole[0] and card != hole[1]:
                rest[n] = card
                n += 1
        board = np.zeros(3, dtype=np.int64)
        hist = np.zeros(k_flop, dtype=np.float64)
        for i in range(50):
            board[0] = rest[i]
            for j in range(i + 1, 50):
                board[1] = rest[j]
                for m in range(j + 1, 50):
                    board[2] = rest[m]
                    hist[flop_bucket[index_hand(hole, board, 3)]] += 1.0
        _cdf_into(hist, 19_600.0, gaps, out[c])


def preflop_features(flop_bucket: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Gap-scaled CDF over the flop buckets (at ``positions``) of each of the 169 preflop
    classes across all 19,600 flops: L1 between two rows is their EMD, as on the flop."""
    out = np.empty((169, len(positions)), dtype=np.float32)
    _preflop_cdfs(flop_bucket, _gaps(positions), out)
    return out
