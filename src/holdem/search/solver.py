"""Vectorised range-against-range DCFR over a subgame, in numba.

Discounted CFR (Brown & Sandholm, "Solving Imperfect-Information Games via Discounted
Regret Minimization", AAAI 2019; alpha = 1.5, beta = 0, gamma = 2) on the subgame of
:mod:`holdem.search.subgame`, for all hands at once as postflop solvers do: a pass for
traverser ``i`` carries both players' reach per hand down the tree, values per hand of
``i`` come back up, and every decision of ``i`` updates the regrets of all its hands.

Terminal values against the opponent's reach ``w`` (card removal by inclusion-exclusion
over the two cards of a hand, :mod:`holdem.search.hands`):

- fold: the payoff times the opponent weight on hands compatible with ``h``;
- showdown: ``min(contributions)`` times (weight beaten - weight beating ``h``), by one
  sweep over the hands sorted by strength with per-card running sums, O(hands);
- all-in before the river: the showdown on each sampled runout, hands blocked by the runout
  left out and the chance correction of :func:`holdem.search.hands.runout_weight` applied;
- depth-limit leaf (:mod:`holdem.search.continuation`): each player picks per hand one of
  ``K`` continuation strategies (Brown, Sandholm & Amos, "Depth-Limited Solving for
  Imperfect-Information Games", NeurIPS 2018); the value of a pair of choices is the
  continuation's terminals reached with the precomputed continuation reach of both hands,
  so a leaf costs O(K * terminals * hands) per runout. The leaf choice is a decision with
  regrets like any other, of the opponent only (``fixed``: the searcher keeps the blueprint
  beyond the leaf, as in the paper, so it cannot count on continuations it will not play)
  or of both players (``fixed = -1``, as Pluribus describes it). A leaf the opponent
  reaches with under ``PRUNE`` of its root weight is skipped (its values are ~0 anyway).

Strategies of nodes flagged ``frozen`` (the searcher's own past actions when re-solving,
as Pluribus) are fixed and not updated.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from holdem.search.subgame import DECISION, FOLDED, LEAF, SHOWDOWN

ALPHA, BETA, GAMMA = 1.5, 0.0, 2.0
PRUNE = 1e-6  # a leaf the opponent reaches with less than this share of its root range counts 0
MODE_CFR, MODE_VALUE, MODE_BEST = 0, 1, 2


@njit(cache=True)
def regret_matching(kind: np.ndarray, first_child: np.ndarray, num_children: np.ndarray, slot_base: np.ndarray,
                    regret: np.ndarray, frozen: np.ndarray, frozen_strategy: np.ndarray, out: np.ndarray) -> None:
    """``out[slot, h]``: the current strategy (positive regrets normalised; uniform if none)."""
    hands = regret.shape[1]
    for node in range(kind.shape[0]):
        if kind[node] != DECISION:
            continue
        base = slot_base[node]
        n = num_children[node]
        if frozen[node]:
            for a in range(n):
                for h in range(hands):
                    out[base + a, h] = frozen_strategy[base + a, h]
            continue
        for h in range(hands):
            total = 0.0
            for a in range(n):
                r = regret[base + a, h]
                if r > 0.0:
                    total += r
            for a in range(n):
                r = regret[base + a, h]
                out[base + a, h] = (r if r > 0.0 else 0.0) / total if total > 0.0 else 1.0 / n


@njit(cache=True)
def leaf_matching(leaf_regret: np.ndarray, out: np.ndarray) -> None:
    """Current strategy over the continuation choices of every leaf, player and hand."""
    L, P, K, H = leaf_regret.shape
    for l in range(L):
        for p in range(P):
            for h in range(H):
                total = 0.0
                for k in range(K):
                    if leaf_regret[l, p, k, h] > 0.0:
                        total += leaf_regret[l, p, k, h]
                for k in range(K):
                    r = leaf_regret[l, p, k, h]
                    out[l, p, k, h] = (r if r > 0.0 else 0.0) / total if total > 0.0 else 1.0 / K


@njit(cache=True, inline="always")
def _compatible(w: np.ndarray, cards: np.ndarray, card_sum: np.ndarray, total: float, h: int) -> float:
    c2 = cards[h, 1]
    if c2 < 0:
        return total - card_sum[cards[h, 0]]
    return total - card_sum[cards[h, 0]] - card_sum[c2] + w[h]


@njit(cache=True)
def fold_sums(w: np.ndarray, cards: np.ndarray, deck: int, out: np.ndarray) -> None:
    """``out[h]``: opponent weight on hands sharing no card with ``h``."""
    card_sum = np.zeros(deck, dtype=np.float64)
    total = 0.0
    for o in range(w.shape[0]):
        x = w[o]
        if x != 0.0:
            total += x
            card_sum[cards[o, 0]] += x
            if cards[o, 1] >= 0:
                card_sum[cards[o, 1]] += x
    for h in range(w.shape[0]):
        out[h] = _compatible(w, cards, card_sum, total, h)


@njit(cache=True)
def showdown_sums(w: np.ndarray, strength: np.ndarray, order: np.ndarray, cards: np.ndarray, deck: int,
                  out: np.ndarray) -> None:
    """``out[h]``: weight of compatible opponent hands ``h`` beats minus those beating it
    (hands with strength -1 are dead: no weight, value 0); ``order`` sorts by strength."""
    for h in range(w.shape[0]):
        out[h] = 0.0
    _sweep(w, strength, order, cards, deck, 1.0, 1, out)    # ascending: the weight strictly below
    _sweep(w, strength, order, cards, deck, -1.0, -1, out)  # descending: the weight strictly above


@njit(cache=True)
def _sweep(w: np.ndarray, strength: np.ndarray, order: np.ndarray, cards: np.ndarray, deck: int, sign: float,
           step: int, out: np.ndarray) -> None:
    """Add ``sign`` times the compatible weight passed before each group of equal strength,
    walking ``order`` by ``step``; per-card running sums take out the hands sharing a card."""
    n = w.shape[0]
    card_sum = np.zeros(deck, dtype=np.float64)
    total = 0.0
    i = 0 if step > 0 else n - 1
    while 0 <= i < n:
        s = strength[order[i]]
        j = i
        while 0 <= j < n and strength[order[j]] == s:
            j += step
        if s >= 0:
            k = i
            while k != j:
                h = order[k]
                c2 = cards[h, 1]
                out[h] += sign * (total - card_sum[cards[h, 0]] - (card_sum[c2] if c2 >= 0 else 0.0))
                k += step
            k = i
            while k != j:
                h = order[k]
                x = w[h]
                total += x
                card_sum[cards[h, 0]] += x
                if cards[h, 1] >= 0:
                    card_sum[cards[h, 1]] += x
                k += step
        i = j


@njit(cache=True)
def _terminal_value(node: int, i: int, kind: np.ndarray, player: np.ndarray, contrib: np.ndarray,
                    w: np.ndarray, cards: np.ndarray, deck: int, strengths: np.ndarray, orders: np.ndarray,
                    run_scale: float, out: np.ndarray) -> None:
    """Values of traverser ``i``'s hands at a fold, showdown or all-in terminal."""
    H = w.shape[0]
    if kind[node] == FOLDED:
        pay = -float(contrib[node, i]) if player[node] == i else float(contrib[node, 1 - i])
        fold_sums(w, cards, deck, out)
        for h in range(H):
            out[h] *= pay
        return
    m = float(min(contrib[node, 0], contrib[node, 1]))
    if kind[node] == SHOWDOWN:
        showdown_sums(w, strengths[0], orders[0], cards, deck, out)
        for h in range(H):
            out[h] *= m
        return
    R = strengths.shape[0]  # all-in: the sampled runouts
    wr = np.empty(H)
    tmp = np.empty(H)
    for h in range(H):
        out[h] = 0.0
    for r in range(R):
        for h in range(H):
            wr[h] = w[h] if strengths[r, h] >= 0 else 0.0
        showdown_sums(wr, strengths[r], orders[r], cards, deck, tmp)
        for h in range(H):
            out[h] += tmp[h] * m * run_scale
    return


@njit(cache=True)
def _leaf_value(l: int, i: int, w: np.ndarray, own_reach: np.ndarray, leaf_strategy: np.ndarray,
                z_start: np.ndarray, z_showdown: np.ndarray, z_pay0: np.ndarray, cont: np.ndarray,
                cont_bucket: np.ndarray, strengths: np.ndarray, orders: np.ndarray, cards: np.ndarray, deck: int, run_scale: float,
                mode: int, leaf_regret: np.ndarray, leaf_sum: np.ndarray, sum_weight: float,
                regret_pos: float, regret_neg: float, fixed: int, prune_below: float, out: np.ndarray) -> None:
    """Traverser ``i``'s values at leaf ``l`` against opponent reach ``w`` (module docstring);
    in MODE_CFR also the regret and average updates of ``i``'s continuation choice."""
    R = cont.shape[0]
    K = cont.shape[2]
    H = w.shape[0]
    o = 1 - i
    if mode != MODE_BEST:
        mass = 0.0
        for h in range(H):
            mass += w[h]
        if mass <= prune_below:  # the opponent (almost) never gets here: values ~0, skip the work
            for h in range(H):
                out[h] = 0.0
            return
    per_k = np.zeros((K, H))
    comb = np.empty(H)
    tmp = np.empty(H)
    sign = 1.0 if i == 0 else -1.0
    for r in range(R):
        for z in range(z_start[l], z_start[l + 1]):
            any_weight = False
            for h in range(H):
                x = 0.0
                if strengths[r, h] >= 0 and w[h] != 0.0:
                    b = cont_bucket[r, h]
                    for k in range(K):
                        x += leaf_strategy[l, o, k, h] * cont[r, o, k, z, b]
                    x *= w[h]
                    if x != 0.0:
                        any_weight = True
                comb[h] = x
            if not any_weight:  # the opponent never gets to this continuation terminal
                continue
            if z_showdown[z]:
                showdown_sums(comb, strengths[r], orders[r], cards, deck, tmp)
                scale = z_pay0[z] * run_scale
            else:
                fold_sums(comb, cards, deck, tmp)
                scale = sign * z_pay0[z] * run_scale
            for h in range(H):
                if strengths[r, h] >= 0:
                    v = tmp[h] * scale
                    b = cont_bucket[r, h]
                    for k in range(K):
                        per_k[k, h] += cont[r, i, k, z, b] * v
    for h in range(H):
        if mode == MODE_BEST and i != fixed:
            best = per_k[0, h]
            for k in range(1, K):
                best = max(best, per_k[k, h])
            out[h] = best
            continue
        v = 0.0
        for k in range(K):
            v += leaf_strategy[l, i, k, h] * per_k[k, h]
        out[h] = v
        if mode == MODE_CFR and K > 1 and i != fixed:
            for k in range(K):
                r = leaf_regret[l, i, k, h]
                r *= regret_pos if r > 0.0 else regret_neg
                leaf_regret[l, i, k, h] = r + per_k[k, h] - v
                leaf_sum[l, i, k, h] += sum_weight * own_reach[h] * leaf_strategy[l, i, k, h]


@njit(cache=True, parallel=True)
def traverse(i: int, mode: int, kind: np.ndarray, player: np.ndarray, first_child: np.ndarray,
             num_children: np.ndarray, children: np.ndarray, slot_base: np.ndarray, contrib: np.ndarray,
             cards: np.ndarray, deck: int, reach0: np.ndarray, strengths: np.ndarray, orders: np.ndarray,
             run_scale: float, leaf_id: np.ndarray, z_start: np.ndarray, z_showdown: np.ndarray,
             z_pay0: np.ndarray, cont: np.ndarray, cont_bucket: np.ndarray, strategy: np.ndarray,
             leaf_strategy: np.ndarray,
             frozen: np.ndarray, regret: np.ndarray, strategy_sum: np.ndarray, leaf_regret: np.ndarray,
             leaf_sum: np.ndarray, iteration: int, fixed: int, reach: np.ndarray, value: np.ndarray) -> None:
    """One pass for traverser ``i``: MODE_CFR updates ``i``'s regrets and averages with the
    DCFR discounts of ``iteration`` (1-based); MODE_VALUE evaluates ``strategy``; MODE_BEST
    gives ``i``'s best response against the opponent's ``strategy``. ``value[0]`` holds
    ``i``'s counterfactual values per hand at the root."""
    N = kind.shape[0]
    H = cards.shape[0]
    root_mass = 0.0
    for h in range(H):
        root_mass += reach0[1 - i, h]
    prune_below = PRUNE * root_mass
    t = float(iteration)
    regret_pos = t ** ALPHA / (t ** ALPHA + 1.0)
    regret_neg = t ** BETA / (t ** BETA + 1.0)
    sum_weight = 1.0  # the average's earlier terms shrink by (t / (t + 1)) ** gamma instead
    for p in range(2):
        for h in range(H):
            reach[0, p, h] = reach0[p, h]
    for node in range(N):  # preorder: parents first
        if kind[node] != DECISION:
            continue
        p = player[node]
        base = slot_base[node]
        for a in range(num_children[node]):
            c = children[first_child[node] + a]
            for h in range(H):
                reach[c, 1 - p, h] = reach[node, 1 - p, h]
                reach[c, p, h] = reach[node, p, h] * strategy[base + a, h]
    ends = np.flatnonzero(kind != DECISION)
    for e in prange(ends.shape[0]):
        node = ends[e]
        if kind[node] == LEAF:
            _leaf_value(leaf_id[node], i, reach[node, 1 - i], reach[node, i], leaf_strategy, z_start, z_showdown,
                        z_pay0, cont, cont_bucket, strengths, orders, cards, deck, run_scale, mode, leaf_regret, leaf_sum,
                        sum_weight, regret_pos, regret_neg, fixed, prune_below, value[node])
        else:
            _terminal_value(node, i, kind, player, contrib, reach[node, 1 - i], cards, deck, strengths, orders,
                            run_scale, value[node])
    for node in range(N - 1, -1, -1):
        if kind[node] != DECISION:
            continue
        base = slot_base[node]
        n = num_children[node]
        f = first_child[node]
        if player[node] != i:
            for h in range(H):
                v = 0.0
                for a in range(n):
                    v += value[children[f + a], h]
                value[node, h] = v
            continue
        if mode == MODE_BEST:
            for h in range(H):
                best = value[children[f], h]
                for a in range(1, n):
                    best = max(best, value[children[f + a], h])
                value[node, h] = best
            continue
        for h in range(H):
            v = 0.0
            for a in range(n):
                v += strategy[base + a, h] * value[children[f + a], h]
            value[node, h] = v
        if mode == MODE_CFR and not frozen[node]:
            for a in range(n):
                c = children[f + a]
                for h in range(H):
                    r = regret[base + a, h]
                    r *= regret_pos if r > 0.0 else regret_neg
                    regret[base + a, h] = r + value[c, h] - value[node, h]
                    strategy_sum[base + a, h] += sum_weight * reach[node, i, h] * strategy[base + a, h]


@njit(cache=True)
def discount_sums(strategy_sum: np.ndarray, leaf_sum: np.ndarray, iteration: int) -> None:
    """DCFR: the average's earlier contributions times (t / (t + 1)) ** gamma."""
    t = float(iteration)
    d = (t / (t + 1.0)) ** GAMMA
    strategy_sum *= d
    leaf_sum *= d


@njit(cache=True)
def normalise_average(kind: np.ndarray, num_children: np.ndarray, slot_base: np.ndarray, strategy_sum: np.ndarray,
                      fallback: np.ndarray, out: np.ndarray) -> None:
    """The average strategy per hand (``fallback`` where a hand never reached the node)."""
    H = strategy_sum.shape[1]
    for node in range(kind.shape[0]):
        if kind[node] != DECISION:
            continue
        base = slot_base[node]
        n = num_children[node]
        for h in range(H):
            total = 0.0
            for a in range(n):
                total += strategy_sum[base + a, h]
            for a in range(n):
                out[base + a, h] = strategy_sum[base + a, h] / total if total > 0.0 else fallback[base + a, h]


@njit(cache=True)
def normalise_leaf(leaf_sum: np.ndarray, fallback: np.ndarray, out: np.ndarray) -> None:
    """The average continuation choice per leaf, player and hand."""
    L, P, K, H = leaf_sum.shape
    for l in range(L):
        for p in range(P):
            for h in range(H):
                total = 0.0
                for k in range(K):
                    total += leaf_sum[l, p, k, h]
                for k in range(K):
                    out[l, p, k, h] = leaf_sum[l, p, k, h] / total if total > 0.0 else fallback[l, p, k, h]


__all__ = ["traverse", "regret_matching", "leaf_matching", "discount_sums", "normalise_average", "normalise_leaf",
           "fold_sums", "showdown_sums", "MODE_CFR", "MODE_VALUE", "MODE_BEST"]
