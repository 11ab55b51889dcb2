"""The problem of a run: game -> betting tree -> card abstraction -> row map -> kernel arrays.

Built once per process from the config; the local solver, the parallel runtime, evaluation
and queries all take a :class:`Problem`.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Any

import numpy as np

from holdem.abstraction.card_abstraction import CardAbstraction, make_abstraction
from holdem.abstraction.deal import DealModel, make_deal_model
from holdem.game.spec import GameSpec
from holdem.game.tree import BettingTree, build_tree
from holdem.mccfr.layout import TableLayout, build_layout


@dataclass(frozen=True)
class Problem:
    """Everything fixed for a run: game, betting tree, card abstraction, row map, deal model."""

    spec: GameSpec
    tree: BettingTree
    abstraction: CardAbstraction
    layout: TableLayout
    deal_model: DealModel

    def kernel_args(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, DealModel]:
        """The read-only arrays every kernel call takes first."""
        return self.layout.node_info, self.layout.contrib, self.layout.edge_child, self.deal_model


def build_problem(spec: GameSpec, abstraction: CardAbstraction | str | dict[str, Any] = "lossless") -> Problem:
    """Game spec -> betting tree -> card abstraction -> row map -> kernel arrays."""
    tree = build_tree(spec)
    if not isinstance(abstraction, CardAbstraction):
        abstraction = make_abstraction(spec, abstraction)
    layout = build_layout(tree, abstraction.num_buckets)
    dm = make_deal_model(spec, abstraction.kind, abstraction.table, abstraction.offset)
    return Problem(spec, tree, abstraction, layout, dm)


def deal_count(problem: Problem) -> int:
    """Number of distinct deals of the game (exact evaluation is for games with few)."""
    spec = problem.spec
    left, total = spec.deck_size, 1
    for k in [spec.hole_cards] * spec.num_players + [b for b in spec.board_cards if b]:
        total *= comb(left, k)
        left -= k
    return total
