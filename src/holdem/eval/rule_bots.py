"""Rule bots: fixed agents of the abstract betting tree, as strategy tables.

Each bot is a flat probability table over the action slots like a blueprint's average strategy, so it
plays wherever a strategy does: head-to-head matches (:func:`holdem.eval.match.head_to_head`)
and Local Best Response (:func:`holdem.eval.lbr.local_best_response`). The bots ignore their
cards:

- ``always-fold``: fold when facing a bet, else check;
- ``always-call``: always check/call;
- ``uniform``: uniform random over the node's legal abstract actions;
- ``min-raise``: the smallest raise of the tree (all-in when that is the only raise), or
  check/call when no raise is allowed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from holdem.game.tree import CALL, FOLD, RAISE

if TYPE_CHECKING:
    from holdem.mccfr.problem import Problem

RULE_BOTS = ("always-fold", "always-call", "uniform", "min-raise")


def _rule_column(kind: str, kinds: list[int]) -> int:
    """Column of the one action ``kind`` takes at a node whose edges have the kinds ``kinds``."""
    if kind == "always-fold" and FOLD in kinds:
        return kinds.index(FOLD)
    if kind == "min-raise" and RAISE in kinds:
        return kinds.index(RAISE)  # raises are in ascending order, all-in last
    return kinds.index(CALL)  # every decision node can check or call


def rule_strategy(problem: Problem, kind: str) -> np.ndarray:
    """The strategy table of the rule bot ``kind`` (one of ``RULE_BOTS``) in ``problem``'s tree."""
    from holdem.mccfr.policy import uniform_policy  # (the CLIs import RULE_BOTS without numba)

    layout = problem.layout
    if kind == "uniform":
        return uniform_policy(layout)
    if kind not in RULE_BOTS:
        raise ValueError(f"unknown rule strategy {kind!r}: use {', '.join(RULE_BOTS[:-1])} or {RULE_BOTS[-1]}")
    table = np.zeros(layout.num_slots)
    tree = problem.tree
    for node in tree.decision_nodes():
        fe, n = int(tree.first_edge[node]), int(tree.num_actions[node])
        col = _rule_column(kind, [int(k) for k in tree.edge_kind[fe:fe + n]])
        layout.node_block(table, node)[:, col] = 1.0
    return table


__all__ = ["RULE_BOTS", "rule_strategy"]
