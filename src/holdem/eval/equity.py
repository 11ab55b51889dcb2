"""Equity of Texas Hold'em hands: board runouts, win probabilities against a range, all-in payoffs.

A runout completes the board from the unseen cards, either every combination (exact; at
most two cards to come) or uniform samples. :func:`win_probabilities` gives a hand's chance
to beat each hole pair of a range (:mod:`holdem.eval.ranges`) over the runouts, and
:func:`allin_payoff` the expected payoff of a showdown reached before the river, over the
rest of the board. Both are numba kernels used by Local Best Response (:mod:`holdem.eval.lbr`).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.core.evaluator import eval7
from holdem.core.payoff import hand_payoffs
from holdem.core.rng import next_below
from holdem.eval.ranges import NUM_PAIRS, PAIR_HI, PAIR_LO


@njit(cache=True)
def unseen_cards(known: np.ndarray) -> tuple[np.ndarray, int]:
    """(the cards not ``known`` in ascending order, in a 52-slot array; how many there are)."""
    unseen = np.empty(52, dtype=np.int64)
    m = 0
    for c in range(52):
        if not known[c]:
            unseen[m] = c
            m += 1
    return unseen, m


@njit(cache=True)
def _runouts(known: np.ndarray, need: int, samples: int, rng: np.ndarray) -> np.ndarray:
    """[R, need] cards completing the board from the cards not ``known``: every combination
    when ``samples`` is 0 (need <= 2), else ``samples`` uniform draws."""
    unseen, m = unseen_cards(known)
    if samples > 0:
        out = np.empty((samples, need), dtype=np.int64)
        for r in range(samples):
            for j in range(need):  # partial Fisher-Yates over the unseen cards
                t = j + next_below(rng, m - j)
                c = unseen[t]
                unseen[t] = unseen[j]
                unseen[j] = c
                out[r, j] = c
        return out
    if need == 0:
        return np.empty((1, 0), dtype=np.int64)
    if need == 1:
        out = np.empty((m, 1), dtype=np.int64)
        for i in range(m):
            out[i, 0] = unseen[i]
        return out
    out = np.empty((m * (m - 1) // 2, 2), dtype=np.int64)
    r = 0
    for j in range(m):
        for i in range(j):
            out[r, 0] = unseen[i]
            out[r, 1] = unseen[j]
            r += 1
    return out


@njit(cache=True)
def win_probabilities(me0: int, me1: int, board: np.ndarray, nb: int, weight: np.ndarray, runouts: int,
                      rng: np.ndarray, w: np.ndarray) -> None:
    """``w[h]``: P(``me0 me1`` beats pair h, ties half) over the rest of the board, for pairs
    with weight > 0. ``runouts`` > 0 samples that many runouts; 0 enumerates them all."""
    known = np.zeros(52, dtype=np.bool_)
    known[me0] = True
    known[me1] = True
    for i in range(nb):
        known[board[i]] = True
    need = 5 - nb
    runs = _runouts(known, need, runouts if need > 0 else 0, rng)
    k = 0
    for h in range(NUM_PAIRS):
        if weight[h] > 0.0:
            k += 1
    live = np.empty(k, dtype=np.int64)
    k = 0
    for h in range(NUM_PAIRS):
        if weight[h] > 0.0:
            live[k] = h
            k += 1
    wins = np.zeros(k, dtype=np.int64)   # 2 per win, 1 per tie
    count = np.zeros(k, dtype=np.int64)  # 2 per runout counted
    fb = np.empty(5, dtype=np.int64)
    for i in range(nb):
        fb[i] = board[i]
    in_run = np.zeros(52, dtype=np.bool_)
    for r in range(runs.shape[0]):
        for j in range(need):
            fb[nb + j] = runs[r, j]
            in_run[runs[r, j]] = True
        mine = eval7(me0, me1, fb[0], fb[1], fb[2], fb[3], fb[4])
        for i in range(k):
            h = live[i]
            a, b = PAIR_LO[h], PAIR_HI[h]
            if in_run[a] or in_run[b]:
                continue
            v = eval7(a, b, fb[0], fb[1], fb[2], fb[3], fb[4])
            count[i] += 2
            if mine > v:
                wins[i] += 2
            elif mine == v:
                wins[i] += 1
        for j in range(need):
            in_run[runs[r, j]] = False
    for i in range(k):
        # a pair that met no sampled runout (never when exact) gets a coin flip
        w[live[i]] = wins[i] / count[i] if count[i] > 0 else 0.5


@njit(cache=True)
def allin_payoff(deal: np.ndarray, nb: int, contrib: np.ndarray, active: int, seat: int, samples: int,
                 rng: np.ndarray) -> float:
    """Expected payoff of ``seat`` at a showdown reached with ``nb`` board cards dealt, over
    the rest of the board (exact from the flop on, ``samples`` boards preflop)."""
    known = np.zeros(52, dtype=np.bool_)
    for i in range(4 + nb):
        known[deal[i]] = True
    need = 5 - nb
    runs = _runouts(known, need, samples if need > 2 else 0, rng)
    fb = np.empty(5, dtype=np.int64)
    for i in range(nb):
        fb[i] = deal[4 + i]
    values = np.zeros(2, dtype=np.int64)
    payoff = np.zeros(2)
    acc = 0.0
    for r in range(runs.shape[0]):
        for j in range(need):
            fb[nb + j] = runs[r, j]
        values[0] = eval7(deal[0], deal[1], fb[0], fb[1], fb[2], fb[3], fb[4])
        values[1] = eval7(deal[2], deal[3], fb[0], fb[1], fb[2], fb[3], fb[4])
        hand_payoffs(contrib, active, values, payoff)
        acc += payoff[seat]
    return acc / runs.shape[0]


__all__ = ["win_probabilities", "allin_payoff"]
