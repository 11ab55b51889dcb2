"""Hand sets of a search: every private hand a player may hold, card removal, runouts.

A hand set lists the hands of one game as card ids of its deck: the 1,326 hole pairs of
Hold'em (in the order of :mod:`holdem.eval.ranges`, so a range is the same array as there)
or the single cards of Kuhn and Leduc. ``cards[h]`` holds a hand's cards, ``-1`` in the
second column when hands have one card. Two hands can be held together when they share no
card; the solver's terminal sums subtract, per card, the opponent's weight on hands holding
it (inclusion-exclusion, as postflop solvers do), so card removal costs O(hands) per
terminal instead of O(hands^2).
"""
from __future__ import annotations

from math import comb

import numpy as np
from numba import njit

from holdem.eval.ranges import NUM_PAIRS, PAIR_HI, PAIR_LO
from holdem.game.showdown import SHOWDOWN_CODES, card_global, showdown_strengths
from holdem.game.spec import GameSpec


class HandSet:
    """The private hands of ``spec`` (module docstring)."""

    def __init__(self, spec: GameSpec):
        if spec.num_players != 2:
            raise ValueError(f"search is heads-up only; game {spec.name!r} has {spec.num_players} players")
        if spec.hole_cards == 2 and spec.deck_size == 52:
            self.cards = np.stack([PAIR_LO, PAIR_HI], axis=1).astype(np.int64)
        elif spec.hole_cards == 1:
            self.cards = np.stack([np.arange(spec.deck_size), np.full(spec.deck_size, -1)], axis=1).astype(np.int64)
        else:
            raise ValueError(f"search supports 52-card Hold'em or one-card games; {spec.name!r} is neither")
        self.spec = spec
        self.size = len(self.cards)
        self.deck_size = spec.deck_size
        self._showdown = SHOWDOWN_CODES[spec.showdown]
        self._card_global = card_global(spec)

    def index(self, hole: tuple[int, ...] | list[int]) -> int:
        """Index of the hand holding ``hole``."""
        if self.cards[0, 1] < 0:
            return int(hole[0])
        lo, hi = min(hole), max(hole)
        return hi * (hi - 1) // 2 + lo

    def live(self, board: np.ndarray | tuple[int, ...]) -> np.ndarray:
        """bool [hands]: hands that share no card with ``board``."""
        dead = np.zeros(self.deck_size + 1, dtype=bool)
        dead[np.asarray(board, dtype=np.int64)] = True
        return ~(dead[self.cards[:, 0]] | (dead[self.cards[:, 1]] & (self.cards[:, 1] >= 0)))

    def strengths(self, board: np.ndarray | tuple[int, ...]) -> np.ndarray:
        """int64 [hands]: showdown strength on the full ``board`` (higher wins); -1 where dead."""
        board = np.asarray(board, dtype=np.int64)
        out = np.full(self.size, -1, dtype=np.int64)
        _strengths(self._showdown, self.spec.hole_cards, len(self.spec.suits), self._card_global, self.cards,
                   board, self.live(board), out)
        return out


@njit(cache=True)
def _strengths(showdown: int, hole_cards: int, num_suits: int, card_global: np.ndarray, cards: np.ndarray,
               board: np.ndarray, live: np.ndarray, out: np.ndarray) -> None:
    deal = np.empty(hole_cards + board.shape[0], dtype=np.int64)
    value = np.zeros(1, dtype=np.int64)
    for j in range(board.shape[0]):
        deal[hole_cards + j] = board[j]
    for h in range(cards.shape[0]):
        if not live[h]:
            continue
        for i in range(hole_cards):
            deal[i] = cards[h, i]
        showdown_strengths(showdown, 1, hole_cards, num_suits, board.shape[0], card_global, deal, value)
        out[h] = value[0]


def sample_runouts(spec: GameSpec, board: tuple[int, ...], count: int, rng: np.random.Generator) -> np.ndarray:
    """int64 [count, cards to come]: distinct uniformly drawn completions of ``board`` (all of
    them, in order, when there are no more than ``count``)."""
    to_come = sum(spec.board_cards) - len(board)
    if to_come == 0:
        return np.zeros((1, 0), dtype=np.int64)
    left = np.array([c for c in range(spec.deck_size) if c not in set(board)], dtype=np.int64)
    total = comb(len(left), to_come)
    if total <= count:
        from itertools import combinations
        return np.array(list(combinations(left.tolist(), to_come)), dtype=np.int64)
    seen: set[tuple[int, ...]] = set()
    out = []
    while len(out) < count:
        pick = tuple(sorted(rng.choice(left, size=to_come, replace=False).tolist()))
        if pick not in seen:
            seen.add(pick)
            out.append(pick)
    return np.array(out, dtype=np.int64)


def runout_weight(spec: GameSpec, board_len: int, hole_cards: int) -> float:
    """Chance correction for a uniformly drawn runout: a pair of hands sees only runouts that
    miss its cards, ``C(n, k) / C(n - 2*hole, k)`` times more likely each than a uniform draw."""
    n = spec.deck_size - board_len
    k = sum(spec.board_cards) - board_len
    if k == 0:
        return 1.0
    return comb(n, k) / comb(n - 2 * hole_cards, k)


__all__ = ["HandSet", "sample_runouts", "runout_weight", "NUM_PAIRS"]
