"""The 13x13 grid of Hold'em starting hands and a spot's strategy on it.

Cell ``(i, j)`` of rank order ``GRID_RANKS`` (ace first): the pair on the diagonal, suited
hands above it (``i < j``: AKs in row A, column K), offsuit below (``i > j``: AKo in row K,
column A), as poker players draw it. A cell's mix is the mean of its combos' strategies over
the combos the board does not block (each combo weighs the same: the grid shows what the
blueprint does with each hand, not how often it holds it); preflop every combo of a class is
the same infoset. Buckets of all 1,326 hole pairs on a street and board come from
:func:`holdem.eval.ranges._range_buckets`, the same code that LBR and the deal use.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from holdem.core.cards import RANKS, SUITS, format_card, make_card
from holdem.eval.ranges import NUM_PAIRS, PAIR_HI, PAIR_LO, _pair_index, _range_buckets
from holdem.mccfr.problem import Problem

GRID_RANKS = RANKS[::-1]  # "AKQJT98765432"
GRID_CELLS = 169


def card_id(rank: str, suit: str) -> int:
    """Card id of rank and suit letters."""
    return make_card(RANKS.index(rank), SUITS.index(suit))


def cell_hand(i: int, j: int) -> str:
    """The class of grid cell (i, j): 'AA', 'AKs' (i < j), 'AKo' (i > j)."""
    if i == j:
        return GRID_RANKS[i] * 2
    hi, lo = (i, j) if i < j else (j, i)
    return GRID_RANKS[hi] + GRID_RANKS[lo] + ("s" if i < j else "o")


def class_combos(hand: str) -> list[tuple[int, int]]:
    """The combos (card id pairs, higher rank first) of a class: 6 pairs, 4 suited, 12 offsuit."""
    a, b = hand[0], hand[1]
    if a == b:
        return [(card_id(a, SUITS[y]), card_id(a, SUITS[x])) for x in range(4) for y in range(x + 1, 4)][::-1]
    if hand.endswith("s"):
        return [(card_id(a, s), card_id(b, s)) for s in reversed(SUITS)]
    return [(card_id(a, s), card_id(b, t)) for s in reversed(SUITS) for t in reversed(SUITS) if s != t]


@dataclass(frozen=True)
class GridCell:
    """One of the 169 cells: its class and its combos as hole-pair indices."""

    hand: str
    combos: tuple[int, ...]   # pair indices
    cards: tuple[str, ...]    # 'AsKs', ...


def grid_cells() -> list[GridCell]:
    """The 169 cells, row-major."""
    cells = []
    for i in range(13):
        for j in range(13):
            hand = cell_hand(i, j)
            combos = class_combos(hand)
            cells.append(GridCell(hand, tuple(int(_pair_index(a, b)) for a, b in combos),
                                  tuple(format_card(a) + format_card(b) for a, b in combos)))
    return cells


def check_holdem(problem: Problem) -> None:
    """ValueError unless the game deals Texas Hold'em hole cards from a full deck (the grid's game)."""
    spec = problem.spec
    if spec.hole_cards != 2 or spec.deck_size != 52:
        raise ValueError(f"game {spec.name!r}: the 13x13 grid needs Texas Hold'em (two hole cards from "
                         f"52 cards); this game deals {spec.hole_cards} from {spec.deck_size}")


def pair_buckets(problem: Problem, street: int, board: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(bucket of every hole pair on ``street`` with ``board``, blocked mask): -1 where blocked."""
    blocked = np.zeros(NUM_PAIRS, dtype=bool)
    for c in board:
        blocked |= (PAIR_LO == c) | (PAIR_HI == c)
    weight = np.where(blocked, 0.0, 1.0)
    out = np.full(NUM_PAIRS, -1, dtype=np.int64)
    _range_buckets(problem.deal_model, street, np.asarray(board, dtype=np.int64), weight, -1, out)
    return out, blocked


def cell_mixes(cells: list[GridCell], pair_probs: np.ndarray, blocked: np.ndarray) -> list[np.ndarray | None]:
    """Each cell's mean strategy over its unblocked combos (None when the board blocks all)."""
    out: list[np.ndarray | None] = []
    for cell in cells:
        live = [h for h in cell.combos if not blocked[h]]
        out.append(pair_probs[live].mean(axis=0) if live else None)
    return out
