"""The average-strategy pass of Pluribus (Brown & Sandholm, "Superhuman AI for multiplayer
poker", Science 2019, supplementary Algorithm 1, UPDATE-STRATEGY).

External-sampling traversals visit a node of player p with probability pi_c * pi_p *
prod(pi_k for the other non-traversers k); "simple" averaging (adding p's current strategy
at every such visit) therefore weights each iteration by the other opponents' reach as well
as p's own, which is biased once there are three or more players. This pass instead walks
the tree once per player p on the iteration's deal: at p's nodes it adds p's current
strategy to the strategy sum and follows one action sampled from it, at every other
player's node it follows every action. A node of p is reached with probability pi_c * pi_p,
so the expected increment is p's own reach times its strategy: the unbiased average.

``average_streets`` limits the pass to the first streets (Pluribus: the first betting round
only, where the pass is cheap and the average strategy is what it plays; later rounds then
play the average of current-strategy snapshots, see :mod:`holdem.run.current_snapshots`).
The cost of one pass grows with the number of other players' action sequences, so on big
games it runs every ``strategy_interval`` iterations, not every iteration.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.core.locks import lock_row, unlock_row
from holdem.core.rng import sample_index
from holdem.mccfr.layout import ACTIVE, FIRST_EDGE, NUM_ACTIONS, PLAYER, ROW_BASE, SLOT_BASE, STREET, TERMINAL
from holdem.mccfr.regret_matching import regret_matching

AVERAGE_SIMPLE, AVERAGE_SAMPLED, AVERAGE_PLURIBUS = 0, 1, 2
AVERAGE_SCHEMES = {"simple": AVERAGE_SIMPLE, "sampled": AVERAGE_SAMPLED, "pluribus": AVERAGE_PLURIBUS}


@njit(cache=True, inline="always")
def add_strategy(strategy: np.ndarray, slot: int, n: int, sigma: np.ndarray) -> None:
    """``strategy[slot:slot + n] += sigma[:n]``: the one place strategy sums grow (float64
    tables keep every increment of a row visited 10^10 times; see tests/test_mccfr.py)."""
    for a in range(n):
        strategy[slot + a] += sigma[a]


@njit(cache=True)
def update_strategy(p: int, node_info: np.ndarray, edge_child: np.ndarray, regret: np.ndarray,
                    strategy: np.ndarray, updates: np.ndarray, locks: np.ndarray, owner: int,
                    buckets: np.ndarray, average_streets: int, rng: np.ndarray, stack: np.ndarray,
                    sigma: np.ndarray) -> int:
    """One UPDATE-STRATEGY walk for player ``p`` on the deal whose buckets are ``buckets``;
    returns the number of rows updated. ``stack`` has room for every pending node."""
    top = 0
    stack[0] = 0
    done = 0
    while top >= 0:
        node = stack[top]
        top -= 1
        if node_info[node, TERMINAL] != 0 or not (node_info[node, ACTIVE] >> p) & 1:
            continue  # the hand is over, or p folded: p has no decision below
        street = node_info[node, STREET]
        if street >= average_streets:
            continue
        n = node_info[node, NUM_ACTIONS]
        fe = node_info[node, FIRST_EDGE]
        if node_info[node, PLAYER] != p:
            for a in range(n):
                top += 1
                stack[top] = edge_child[fe + a]
            continue
        bucket = buckets[p, street]
        row = node_info[node, ROW_BASE] + bucket
        slot = node_info[node, SLOT_BASE] + bucket * n
        regret_matching(regret, slot, n, sigma)
        stripe = lock_row(locks, row, owner)
        add_strategy(strategy, slot, n, sigma)
        if updates.shape[0] > 0:
            updates[row] += 1
        unlock_row(locks, stripe)
        done += 1
        top += 1
        stack[top] = edge_child[fe + sample_index(sigma, n, rng)]
    return done
