"""External-sampling Monte Carlo CFR (Lanctot, Waugh, Zinkevich & Bowling 2009) with the
Pluribus blueprint refinements (Brown & Sandholm 2019): negative-regret pruning and a
regret floor. Linear CFR discounting (Brown & Sandholm 2019, "Solving Imperfect-Information
Games via Discounted Regret Minimization") is applied between batches by :func:`discount`.

One iteration samples one deal (every player's cards and the whole board), reads each
player's bucket per street and the showdown strengths once, then traverses the betting tree
once per player as the traverser: every traverser action is explored (except pruned ones),
every other player's action is sampled from its current strategy.

Averaging (``Params.average``): with ``simple`` (external-sampling averaging, exact in
expectation for two players), when a traversal passes a node of a non-traversing player
that player's current strategy is added to the row's strategy sum. With ``sampled`` and
``pluribus`` the traversals leave the strategy sums alone and every ``strategy_interval``
iterations Pluribus's UPDATE-STRATEGY pass (:mod:`holdem.mccfr.average_strategy`) adds each
player's strategy weighted by its own reach only, unbiased for any number of players.
Linear CFR discounting scales both tables.

Tables are flat arrays of action slots (:mod:`holdem.mccfr.layout`): an infoset's regrets
are ``regret[slot_of(node, bucket) + a]``. Strategy sums are float64 (a float32 sum stops
growing once it is large: at 3e5 its step is 0.03, so increments below that vanish, and
blueprint rows are visited 10^8 times), kept only on the streets the averaging scheme
averages (``Params.average_streets``: a prefix of the slots). Regrets are float32, or int32
in units of ``Params.regret_unit`` per chip as Pluribus kept them; int32 updates are
rounded stochastically (``floor(x + u)``, u uniform: unbiased) and saturate at the int32
range (the precision argument is in the README, "Precision").

The deal's buckets are known before the walk, so the slots of a node's children are known
as soon as the node is: the kernel prefetches them (:mod:`holdem.core.prefetch`) while it
works on the node, which hides part of the memory latency once the tables are far larger
than the caches.

The kernel only touches plain arrays, so the same compiled code runs on local tables in one
process or on shared-memory tables in many workers. With a non-empty ``locks`` array every
row update happens under the row's stripe lock; reads for regret matching are unlocked.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from holdem.abstraction.deal import DealModel, deal_buckets_batch, sample_deal, showdown_values
from holdem.core.locks import lock_row, unlock_row
from holdem.core.payoff import hand_payoffs
from holdem.core.prefetch import prefetch
from holdem.core.rng import next_float, sample_index, stream_at
from holdem.mccfr.average_strategy import AVERAGE_SIMPLE, add_strategy, update_strategy
from holdem.mccfr.layout import (ACTIVE, FIRST_EDGE, NUM_ACTIONS, PLAYER, ROW_BASE, SLOT_BASE, STREET, TERMINAL,
                                 TableLayout, slot_of)
from holdem.mccfr.regret_matching import regret_matching

# statistics returned by run_iterations (float64 array)
(STAT_ITERATIONS, STAT_NODES, STAT_REGRET_UPDATES, STAT_STRATEGY_UPDATES, STAT_PRUNED, STAT_TRAVERSER_ACTIONS,
 STAT_DECISIONS) = range(7)
NUM_STATS = 8
#: ``progress`` slots the kernel writes after every finished iteration (a worker's slot in
#: shared memory tells the coordinator exactly what a killed worker applied): the last
#: finished iteration number, the row updates of this call up to it, and (only when
#: update counters are kept) the row updates of this call so far, partial iteration included
PROGRESS_ITERATION, PROGRESS_UPDATES, PROGRESS_LIVE_UPDATES = range(3)
PROGRESS_LEN = 8  # one cache line per worker
#: deals drawn and bucketed together (their table reads overlap; see deal_buckets_batch)
DEAL_BLOCK = 64
#: most actions at one node the kernel's scratch arrays hold (checked by make_tables)
KERNEL_MAX_ACTIONS = 32
#: the largest int32 regret; int32 tables saturate there
INT32_MAX = 2_147_483_647.0


class Tables(NamedTuple):
    """Arrays the kernel updates: local numpy arrays or views of shared memory."""

    regret: np.ndarray    # float32 or int32 [slots]: cumulative counterfactual regret
    strategy: np.ndarray  # float64 [slots of the averaged streets]: cumulative strategy (average numerator)
    updates: np.ndarray   # int64 [rows]: row updates made (proves no update is lost); empty = not kept
    locks: np.ndarray     # int32 striped locks; empty = single process, no locking


class Params(NamedTuple):
    """Solver parameters the kernel reads (chip units of the game)."""

    enable_pruning: bool
    prune_start: int            # iteration after which pruning may happen
    pruning_probability: float  # share of iterations (after prune_start) that prune
    pruning_threshold: float    # skip traverser actions whose regret is below this (chips) ...
    pruning_scale: float        # ... or, when nonzero, below pruning_scale * W(t) (see iteration_weight)
    discount_interval: int      # linear CFR's schedule, for W(t)
    lcfr_threshold: int         # last discounted iteration; 0 = no linear weighting
    regret_floor: float         # regrets never go below this (in table units)
    regret_unit: float          # int32 regrets: table units per chip; 0 = float32 regrets in chips
    average: int                # AVERAGE_SIMPLE / _SAMPLED / _PLURIBUS (holdem.mccfr.average_strategy)
    strategy_interval: int      # sampled/pluribus: iterations between average-strategy passes
    average_streets: int        # sampled/pluribus: streets whose strategy sums are kept


@njit(cache=True)
def traverse(trav: int, node_info: np.ndarray, contrib: np.ndarray, edge_child: np.ndarray,
             tb: Tables, owner: int, buckets: np.ndarray, values: np.ndarray, rng: np.ndarray,
             prune: bool, threshold: float, floor: float, unit: float, last_street: int, simple_average: bool,
             stack_node: np.ndarray, stack_a: np.ndarray, sigma: np.ndarray, child_val: np.ndarray,
             explored: np.ndarray, payoff: np.ndarray, stats: np.ndarray, progress: np.ndarray) -> float:
    """One external-sampling traversal for ``trav`` from the root; returns its sampled value.

    Iterative depth-first walk: frame d holds a traverser node being expanded; nodes of the
    other players are replaced in place by their sampled child (they need no frame).
    """
    regret = tb.regret
    strategy = tb.strategy
    locks = tb.locks
    counted = tb.updates.shape[0] > 0
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
            stats[STAT_DECISIONS] += 1.0
            p = node_info[node, PLAYER]
            n = node_info[node, NUM_ACTIONS]
            fe = node_info[node, FIRST_EDGE]
            street = node_info[node, STREET]
            bucket = buckets[p, street]
            row = node_info[node, ROW_BASE] + bucket
            slot = node_info[node, SLOT_BASE] + bucket * n
            for a in range(n):  # the children's slots are known now: fetch them while we work here
                child = edge_child[fe + a]
                if node_info[child, TERMINAL] == 0:
                    cp = node_info[child, PLAYER]
                    cslot = slot_of(node_info, child, buckets[cp, node_info[child, STREET]])
                    prefetch(regret, cslot)
                    if simple_average and cp != trav:
                        prefetch(strategy, cslot)
            sig = sigma[d]
            regret_matching(regret, slot, n, sig)
            if p != trav:
                if simple_average:
                    stripe = lock_row(locks, row, owner)
                    add_strategy(strategy, slot, n, sig)
                    if counted:
                        tb.updates[row] += 1
                    unlock_row(locks, stripe)
                    stats[STAT_STRATEGY_UPDATES] += 1.0
                    if counted:
                        progress[PROGRESS_LIVE_UPDATES] += 1
                stack_node[d] = edge_child[fe + sample_index(sig, n, rng)]
                continue
            # traverser node: choose the actions to explore, then descend into the first
            first = -1
            for a in range(n):
                keep = True
                if prune and street != last_street and regret[slot + a] < threshold:
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
        bucket = buckets[p, node_info[node, STREET]]
        row = node_info[node, ROW_BASE] + bucket
        slot = node_info[node, SLOT_BASE] + bucket * n
        sig = sigma[d]
        v = 0.0
        for k in range(n):
            if explored[d, k]:
                v += sig[k] * child_val[d, k]
        stripe = lock_row(locks, row, owner)
        for k in range(n):
            if explored[d, k]:
                if unit > 0.0:  # int32 table: stochastic rounding, saturating
                    r = regret[slot + k] + np.floor((child_val[d, k] - v) * unit + next_float(rng))
                    regret[slot + k] = min(max(r, floor), INT32_MAX)
                else:
                    r = regret[slot + k] + (child_val[d, k] - v)
                    regret[slot + k] = r if r > floor else floor
            else:
                stats[STAT_PRUNED] += 1.0
        if counted:
            tb.updates[row] += 1
        unlock_row(locks, stripe)
        stats[STAT_REGRET_UPDATES] += 1.0
        stats[STAT_TRAVERSER_ACTIONS] += n
        if counted:
            progress[PROGRESS_LIVE_UPDATES] += 1
        ret = v
        d -= 1
        if d < 0:
            return ret
        fresh = False


@njit(cache=True, inline="always")
def iteration_weight(t: int, discount_interval: int, lcfr_threshold: int) -> float:
    """W(t): the weight of iterations 1..t in the tables after iteration t, in units of the
    newest one's: t - K * discount_interval / 2 after K linear-CFR discounts (a dominated
    action's regret falls in proportion to it), at least 1."""
    k = min(t, lcfr_threshold) // discount_interval
    return max(1.0, t - k * discount_interval * 0.5)


@njit(cache=True)
def run_iterations(node_info: np.ndarray, contrib: np.ndarray, edge_child: np.ndarray,
                   dm: DealModel, tb: Tables, params: Params, owner: int, rng: np.ndarray,
                   deck: np.ndarray, max_depth: int, t_start: int, count: int, stats: np.ndarray,
                   progress: np.ndarray) -> None:
    """Run iterations ``t_start + 1 .. t_start + count`` (1-based) on the tables in place.

    After each finished iteration t, ``progress`` (``PROGRESS_LEN`` int64, zeroed by the
    caller) holds t and the row updates made so far by this call (``PROGRESS_*``).

    ``rng`` is ``[state, key]`` (:func:`holdem.core.rng.seed_state`): the traversals draw from
    the state, and the deal of iteration t comes from its own stream ``stream_at(key, t)``.
    Deals thus depend on the iteration number alone and can be drawn a block ahead, their
    buckets looked up together, while a resumed run still sees exactly the same deals.
    """
    num_players = dm.num_players
    streets = dm.board_start.shape[0] - 1
    depth = max_depth
    max_a = KERNEL_MAX_ACTIONS
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
    simple_average = params.average == AVERAGE_SIMPLE
    updates_before = stats[STAT_REGRET_UPDATES] + stats[STAT_STRATEGY_UPDATES]
    pending = np.zeros((depth + 1) * max_a + 1, dtype=np.int64)  # the average-strategy pass's stack
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
            threshold = params.pruning_threshold
            if params.enable_pruning and block + j > params.prune_start:
                prune = next_float(rng) < params.pruning_probability
                if params.pruning_scale != 0.0:
                    threshold = params.pruning_scale * iteration_weight(block + j, params.discount_interval,
                                                                        params.lcfr_threshold)
            for trav in range(num_players):
                traverse(trav, node_info, contrib, edge_child, tb, owner, buckets[j], values[j], rng, prune,
                         threshold, params.regret_floor, params.regret_unit, streets - 1, simple_average,
                         stack_node, stack_a, sigma, child_val, explored, payoff, stats, progress)
            if not simple_average and (block + j) % params.strategy_interval == 0:
                for p in range(num_players):
                    rows = update_strategy(p, node_info, edge_child, tb.regret, tb.strategy, tb.updates,
                                           tb.locks, owner, buckets[j], params.average_streets, rng,
                                           pending, sigma[0])
                    stats[STAT_STRATEGY_UPDATES] += rows
                    if tb.updates.shape[0] > 0:
                        progress[PROGRESS_LIVE_UPDATES] += rows
            stats[STAT_ITERATIONS] += 1.0
            progress[PROGRESS_UPDATES] = int(stats[STAT_REGRET_UPDATES] + stats[STAT_STRATEGY_UPDATES] - updates_before)
            progress[PROGRESS_ITERATION] = block + j


@njit(cache=True)
def discount_slots(regret: np.ndarray, strategy: np.ndarray, factor: float, lo: int, hi: int,
                   integer: bool) -> None:
    """Linear CFR: scale slots ``lo .. hi-1`` of both tables by ``factor`` (workers paused;
    the strategy table may be shorter: a prefix of the slots). ``integer``: int32 regrets,
    rounded to nearest."""
    f32 = np.float32(factor)
    for i in range(lo, hi):
        if integer:
            regret[i] = np.floor(regret[i] * factor + 0.5)
        else:
            regret[i] = regret[i] * f32
    for i in range(lo, min(hi, strategy.shape[0])):
        strategy[i] *= factor


def discount(regret: np.ndarray, strategy: np.ndarray, factor: float, lo: int = 0, hi: int | None = None) -> None:
    """Linear CFR: scale slots ``lo .. hi-1`` (all by default) of both tables by ``factor``."""
    discount_slots(regret, strategy, factor, lo, regret.shape[0] if hi is None else hi, regret.dtype == np.int32)


def kernel_facts(stats: np.ndarray) -> dict[str, float]:
    """Totals of ``run_iterations`` statistics: node visits, and the share of the traverser's
    actions that pruning skipped (each skipped action saves its whole subtree's visits)."""
    actions = stats[STAT_TRAVERSER_ACTIONS]
    return {"nodes": float(stats[STAT_NODES]),
            "pruned_share": round(float(stats[STAT_PRUNED] / actions), 6) if actions else 0.0}


def table_arrays(tb: Tables) -> dict[str, np.ndarray]:
    """The arrays a snapshot keeps (update counters only where they are kept)."""
    arrays = {"regret": tb.regret, "strategy": tb.strategy}
    if tb.updates.shape[0]:
        arrays["updates"] = tb.updates
    return arrays


def restore_tables(tb: Tables, arrays: dict[str, np.ndarray]) -> None:
    """Copy a snapshot's arrays into ``tb`` (counters only where both keep them)."""
    tb.regret[...] = arrays["regret"]
    tb.strategy[...] = arrays["strategy"]
    if tb.updates.shape[0] and "updates" in arrays:
        tb.updates[...] = arrays["updates"]


def table_specs(layout: TableLayout, params: Params, check_updates: bool = False) -> dict[str, tuple[tuple[int, ...], type]]:
    """Shape and dtype of each table of a run: regrets on every slot, strategy sums on the
    averaged streets' slots, update counters per row only in check mode."""
    if layout.max_actions > KERNEL_MAX_ACTIONS:
        raise ValueError(f"a node has {layout.max_actions} actions; the kernel handles at most {KERNEL_MAX_ACTIONS}")
    return {"regret": ((layout.num_slots,), np.int32 if params.regret_unit > 0 else np.float32),
            "strategy": ((layout.slots_kept(params.average_streets),), np.float64),
            "updates": ((layout.num_rows if check_updates else 0,), np.int64)}


def make_tables(layout: TableLayout, params: Params, num_stripes: int = 0, check_updates: bool = False) -> Tables:
    """Zeroed local tables (no locks unless ``num_stripes`` > 0; update counters only with ``check_updates``)."""
    from holdem.core.locks import make_locks

    locks = make_locks(num_stripes) if num_stripes else np.zeros(0, dtype=np.int32)
    specs = table_specs(layout, params, check_updates)
    return Tables(*(np.zeros(shape, dtype=dtype) for shape, dtype in specs.values()), locks)
