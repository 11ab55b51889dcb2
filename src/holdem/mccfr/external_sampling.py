"""External-sampling Monte Carlo CFR (Lanctot, Waugh, Zinkevich & Bowling 2009) with the
Pluribus blueprint refinements (Brown & Sandholm 2019): negative-regret pruning and a
regret floor. Linear CFR discounting (Brown & Sandholm 2019, "Solving Imperfect-Information
Games via Discounted Regret Minimization") is applied between batches by :func:`discount`.

One iteration samples one deal (every player's cards and the whole board), reads each
player's bucket per street and the showdown strengths once, then traverses the betting tree
once per player as the traverser: every traverser action is explored (except pruned ones),
every other player's action is sampled from its current strategy.

Averaging scheme ("simple" external-sampling averaging): when a traversal passes a node of
a non-traversing player, that player's current strategy is added to the row's strategy
sum. In expectation this adds the strategy weighted by the player's own reach probability,
which is what the average strategy needs. Linear CFR discounting scales both tables.

The kernel only touches plain arrays, so the same compiled code runs on local tables in one
process or on shared-memory tables in many workers. With a non-empty ``locks`` array every
row update happens under the row's stripe lock; reads for regret matching are unlocked.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from holdem.abstraction.deal import DealModel, deal_buckets_batch, sample_deal, showdown_values
from holdem.core.locks import acquire, release, stripe_of
from holdem.core.payoff import hand_payoffs
from holdem.core.rng import next_float, stream_at
from holdem.mccfr.layout import ACTIVE, FIRST_EDGE, NUM_ACTIONS, PLAYER, ROW_BASE, STREET, TERMINAL

# statistics returned by run_iterations (float64 array)
STAT_ITERATIONS, STAT_NODES, STAT_REGRET_UPDATES, STAT_STRATEGY_UPDATES, STAT_PRUNED = range(5)
NUM_STATS = 8
#: deals drawn and bucketed together (their table reads overlap; see deal_buckets_batch)
DEAL_BLOCK = 64


class Tables(NamedTuple):
    """Arrays the kernel updates: local numpy arrays or views of shared memory."""

    regret: np.ndarray    # float32 [rows, max_actions]: cumulative counterfactual regret
    strategy: np.ndarray  # float32 [rows, max_actions]: cumulative strategy (average numerator)
    updates: np.ndarray   # int64 [rows]: row updates made (proves no update is lost)
    locks: np.ndarray     # int32 striped locks; empty = single process, no locking


class Params(NamedTuple):
    """Solver parameters the kernel reads (chip units of the game)."""

    enable_pruning: bool
    prune_start: int            # iteration after which pruning may happen
    pruning_probability: float  # share of iterations (after prune_start) that prune
    pruning_threshold: float    # skip traverser actions whose regret is below this
    regret_floor: float         # regrets never go below this


@njit(cache=True, inline="always")
def _regret_matching(regret: np.ndarray, row: int, n: int, sigma: np.ndarray) -> None:
    total = 0.0
    for a in range(n):
        r = regret[row, a]
        if r > 0.0:
            sigma[a] = r
            total += r
        else:
            sigma[a] = 0.0
    if total > 0.0:
        for a in range(n):
            sigma[a] /= total
    else:
        for a in range(n):
            sigma[a] = 1.0 / n


@njit(cache=True, inline="always")
def _lock(locks: np.ndarray, row: int, owner: int) -> int:
    if locks.shape[0] == 0:
        return -1
    stripe = stripe_of(row, locks.shape[0] // 16)
    acquire(locks, stripe, owner)
    return stripe


@njit(cache=True, inline="always")
def _unlock(locks: np.ndarray, stripe: int) -> None:
    if stripe >= 0:
        release(locks, stripe)


@njit(cache=True)
def traverse(trav: int, node_info: np.ndarray, contrib: np.ndarray, edge_child: np.ndarray,
             tb: Tables, owner: int, buckets: np.ndarray, values: np.ndarray, rng: np.ndarray,
             prune: bool, threshold: float, floor: float, last_street: int,
             stack_node: np.ndarray, stack_a: np.ndarray, sigma: np.ndarray, child_val: np.ndarray,
             explored: np.ndarray, payoff: np.ndarray, stats: np.ndarray) -> float:
    """One external-sampling traversal for ``trav`` from the root; returns its sampled value.

    Iterative depth-first walk: frame d holds a traverser node being expanded; nodes of the
    other players are replaced in place by their sampled child (they need no frame).
    """
    regret = tb.regret
    strategy = tb.strategy
    locks = tb.locks
    d = 0
    stack_node[0] = 0
    fresh = True
    ret = 0.0
    while True:
        node = stack_node[d]
        if fresh:
            stats[STAT_NODES] += 1.0
            if node_info[node, TERMINAL] != 0:
                hand_payoffs(contrib[node], node_info[node, ACTIVE], values, payoff)
                ret = payoff[trav]
                d -= 1
                if d < 0:
                    return ret
                fresh = False
                continue
            p = node_info[node, PLAYER]
            n = node_info[node, NUM_ACTIONS]
            fe = node_info[node, FIRST_EDGE]
            street = node_info[node, STREET]
            row = node_info[node, ROW_BASE] + buckets[p, street]
            sig = sigma[d]
            _regret_matching(regret, row, n, sig)
            if p != trav:
                stripe = _lock(locks, row, owner)
                for a in range(n):
                    strategy[row, a] += sig[a]
                tb.updates[row] += 1
                _unlock(locks, stripe)
                stats[STAT_STRATEGY_UPDATES] += 1.0
                u = next_float(rng)
                a = n - 1
                acc = 0.0
                for k in range(n):
                    acc += sig[k]
                    if u < acc:
                        a = k
                        break
                stack_node[d] = edge_child[fe + a]
                continue
            # traverser node: choose the actions to explore, then descend into the first
            first = -1
            for a in range(n):
                keep = True
                if prune and street != last_street and regret[row, a] < threshold:
                    child = edge_child[fe + a]
                    keep = node_info[child, TERMINAL] != 0  # never prune actions that end the hand
                explored[d, a] = keep
                if keep and first < 0:
                    first = a
            if first < 0:  # everything pruned: explore all rather than nothing
                for a in range(n):
                    explored[d, a] = True
                first = 0
            stack_a[d] = first
            stack_node[d + 1] = edge_child[fe + first]
            d += 1
            continue
        # back at traverser node ``node`` with the value of child stack_a[d]
        n = node_info[node, NUM_ACTIONS]
        a = stack_a[d]
        child_val[d, a] = ret
        a += 1
        while a < n and not explored[d, a]:
            a += 1
        if a < n:
            stack_a[d] = a
            stack_node[d + 1] = edge_child[node_info[node, FIRST_EDGE] + a]
            d += 1
            fresh = True
            continue
        p = node_info[node, PLAYER]
        row = node_info[node, ROW_BASE] + buckets[p, node_info[node, STREET]]
        sig = sigma[d]
        v = 0.0
        for k in range(n):
            if explored[d, k]:
                v += sig[k] * child_val[d, k]
        stripe = _lock(locks, row, owner)
        for k in range(n):
            if explored[d, k]:
                r = regret[row, k] + (child_val[d, k] - v)
                regret[row, k] = r if r > floor else floor
            else:
                stats[STAT_PRUNED] += 1.0
        tb.updates[row] += 1
        _unlock(locks, stripe)
        stats[STAT_REGRET_UPDATES] += 1.0
        ret = v
        d -= 1
        if d < 0:
            return ret
        fresh = False


@njit(cache=True)
def run_iterations(node_info: np.ndarray, contrib: np.ndarray, edge_child: np.ndarray,
                   dm: DealModel, tb: Tables, params: Params, owner: int, rng: np.ndarray,
                   deck: np.ndarray, max_depth: int, t_start: int, count: int, stats: np.ndarray) -> None:
    """Run iterations ``t_start + 1 .. t_start + count`` (1-based) on the tables in place.

    ``rng`` is ``[state, key]`` (:func:`holdem.core.rng.seed_state`): the traversals draw from
    the state, and the deal of iteration t comes from its own stream ``stream_at(key, t)``.
    Deals thus depend on the iteration number alone and can be drawn a block ahead, their
    buckets looked up together, while a resumed run still sees exactly the same deals.
    """
    num_players = dm.num_players
    streets = dm.board_start.shape[0] - 1
    depth = max_depth
    max_a = tb.regret.shape[1]
    stack_node = np.zeros(depth + 1, dtype=np.int64)
    stack_a = np.zeros(depth + 1, dtype=np.int64)
    sigma = np.zeros((depth + 1, max_a), dtype=np.float64)
    child_val = np.zeros((depth + 1, max_a), dtype=np.float64)
    explored = np.zeros((depth + 1, max_a), dtype=np.bool_)
    payoff = np.zeros(num_players, dtype=np.float64)
    deals = np.zeros((DEAL_BLOCK, num_players * dm.hole_cards + dm.board_start[-1]), dtype=np.int64)
    buckets = np.zeros((DEAL_BLOCK, num_players, streets), dtype=np.int64)
    values = np.zeros((DEAL_BLOCK, num_players), dtype=np.int64)
    deal_rng = np.zeros(1, dtype=np.uint64)
    end = t_start + count + 1
    for block in range(t_start + 1, end, DEAL_BLOCK):
        m = min(DEAL_BLOCK, end - block)
        for j in range(m):
            deal_rng[0] = stream_at(rng[1], block + j)
            sample_deal(dm, deck, deal_rng, deals[j])
            showdown_values(dm, deals[j], values[j])
        deal_buckets_batch(dm, deals[:m], buckets[:m])
        for j in range(m):
            prune = False
            if params.enable_pruning and block + j > params.prune_start:
                prune = next_float(rng) < params.pruning_probability
            for trav in range(num_players):
                traverse(trav, node_info, contrib, edge_child, tb, owner, buckets[j], values[j], rng, prune,
                         params.pruning_threshold, params.regret_floor, streets - 1, stack_node, stack_a,
                         sigma, child_val, explored, payoff, stats)
            stats[STAT_ITERATIONS] += 1.0


@njit(cache=True)
def discount(regret: np.ndarray, strategy: np.ndarray, factor: float) -> None:
    """Linear CFR: scale both tables by ``factor`` (called with all workers paused)."""
    f = np.float32(factor)
    for i in range(regret.shape[0]):
        for a in range(regret.shape[1]):
            regret[i, a] *= f
            strategy[i, a] *= f


def make_tables(num_rows: int, max_actions: int, num_stripes: int = 0) -> Tables:
    """Zeroed local tables (no locks unless ``num_stripes`` > 0)."""
    from holdem.core.locks import make_locks

    locks = make_locks(num_stripes) if num_stripes else np.zeros(0, dtype=np.int32)
    return Tables(np.zeros((num_rows, max_actions), dtype=np.float32),
                  np.zeros((num_rows, max_actions), dtype=np.float32),
                  np.zeros(num_rows, dtype=np.int64), locks)
