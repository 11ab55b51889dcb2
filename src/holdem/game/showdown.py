"""Who wins a showdown: one strength number per player (higher wins, equal splits).

Three rules, named by ``GameSpec.showdown``: ``rank`` (Kuhn: the hole card's rank),
``pair-rank`` (Leduc: a hole card paired with the board beats any unpaired hand, else the
higher hole ranks) and ``best-five`` (Hold'em: the best five of hole and board cards by
:mod:`holdem.core.evaluator`). The kernel (through the deal model), the exact best response
and the referee all value hands with :func:`showdown_strengths`.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.core.evaluator import eval5, eval6, eval7
from holdem.game.spec import RANK_CHARS, SUIT_CHARS, GameSpec

SHOWDOWN_RANK, SHOWDOWN_PAIR_RANK, SHOWDOWN_BEST_FIVE = 0, 1, 2
SHOWDOWN_CODES = {"rank": SHOWDOWN_RANK, "pair-rank": SHOWDOWN_PAIR_RANK, "best-five": SHOWDOWN_BEST_FIVE}


def card_global(spec: GameSpec) -> np.ndarray:
    """int64 [deck]: the id ``rank*4 + suit`` of each of the game's cards (for the evaluator)."""
    return np.array([RANK_CHARS.index(r) * 4 + SUIT_CHARS.index(s) for r in spec.ranks for s in spec.suits],
                    dtype=np.int64)


@njit(cache=True)
def showdown_strengths(showdown: int, num_players: int, hole_cards: int, num_suits: int, board: int,
                       card_global: np.ndarray, deal: np.ndarray, values: np.ndarray) -> None:
    """``values[p]``: strength of player p's hand in ``deal`` (each player's ``hole_cards``
    cards, player 0 first, then ``board`` board cards) under rule ``showdown``."""
    h = hole_cards
    base = num_players * h
    if showdown == SHOWDOWN_BEST_FIVE:
        cards = np.empty(7, dtype=np.int64)
        for p in range(num_players):
            k = 0
            for i in range(h):
                cards[k] = card_global[deal[p * h + i]]
                k += 1
            for j in range(board):
                cards[k] = card_global[deal[base + j]]
                k += 1
            if k == 7:
                values[p] = eval7(cards[0], cards[1], cards[2], cards[3], cards[4], cards[5], cards[6])
            elif k == 6:
                values[p] = eval6(cards[0], cards[1], cards[2], cards[3], cards[4], cards[5])
            else:
                values[p] = eval5(cards[0], cards[1], cards[2], cards[3], cards[4])
        return
    for p in range(num_players):
        high = 0  # hole ranks, highest first, as one number: lexicographic high-card order
        for i in range(h - 1, -1, -1):
            high = high * 16 + deal[p * h + i] // num_suits
        v = high
        if showdown == SHOWDOWN_PAIR_RANK:
            for i in range(h):
                for j in range(board):
                    if deal[p * h + i] // num_suits == deal[base + j] // num_suits:
                        v = max(v, (1 << 40) + deal[p * h + i] // num_suits)
        values[p] = v
