"""Solving one subgame: ranges in, a strategy per hand out (:mod:`holdem.search.solver`).

Unsafe solving takes both root ranges as given. Safe solving adds the re-solving gadget
of Burch, Johanson & Bowling ("Solving Imperfect Information Games Using Decomposition",
AAAI 2014): at the root the opponent chooses, per hand, to take its counterfactual value
under the blueprint (``alt``) or to enter the subgame, so the searcher's new strategy is
optimised against the opponent hands that would enter and cannot give any opponent hand
more than the blueprint gave it (Brown & Sandholm, "Safe and Nested Subgame Solving for
Imperfect-Information Games", NeurIPS 2017, compare it with max-margin variants).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from holdem.search import solver as k
from holdem.search.hands import HandSet, runout_weight
from holdem.search.subgame import DECISION, LEAF, Subgame


@dataclass
class LeafData:
    """Depth-limit leaves of a subgame (:mod:`holdem.search.continuation`): for leaf ``l`` its
    continuation terminals ``z_start[l]:z_start[l+1]``; ``cont[r, p, k, z, cont_bucket[r, h]]``
    the reach of player p's hand h to terminal z under continuation k on runout r."""

    leaf_id: np.ndarray     # int64 [nodes]: leaf number, -1 elsewhere
    z_start: np.ndarray     # int64 [leaves + 1]
    z_showdown: np.ndarray  # bool [terminals]
    z_pay0: np.ndarray      # float64 [terminals]: fold: payoff to seat 0; showdown: chips won
    cont: np.ndarray        # float64 [runouts, 2, K, terminals, buckets]
    cont_bucket: np.ndarray  # int64 [runouts, hands]: each hand's bucket on the runout

    @property
    def num_leaves(self) -> int:
        """Leaves."""
        return len(self.z_start) - 1

    @property
    def choices(self) -> int:
        """K, continuation strategies per player."""
        return self.cont.shape[2]


def no_leaves(sub: Subgame, runouts: int, hands: int) -> LeafData:
    """LeafData of a subgame without depth-limit leaves."""
    if (sub.kind == LEAF).any():
        raise ValueError("the subgame has depth-limit leaves: give their continuation values")
    return LeafData(np.full(sub.num_nodes, -1, dtype=np.int64), np.zeros(1, dtype=np.int64),
                    np.zeros(0, dtype=bool), np.zeros(0), np.zeros((runouts, 2, 1, 0, 1)),
                    np.zeros((runouts, hands), dtype=np.int64))


def runout_strengths(hands: HandSet, board: tuple[int, ...], runouts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(strength [runouts, hands] on each completed board, -1 where dead; the order sorting each)."""
    strengths = np.stack([hands.strengths(board + tuple(int(c) for c in ro)) for ro in runouts]) \
        if len(runouts) else hands.strengths(board)[None]
    return strengths, np.ascontiguousarray(np.argsort(strengths, axis=1, kind="stable"))


class SubgameSolver:
    """DCFR on one subgame from root ranges ``reach0`` [2, hands] (zero on dead hands)."""

    def __init__(self, sub: Subgame, hands: HandSet, reach0: np.ndarray, board: tuple[int, ...],
                 runouts: np.ndarray, leaves: LeafData | None = None,
                 frozen: dict[int, np.ndarray] | None = None, searcher: int = -1):
        self.sub = sub
        self.hands = hands
        H = hands.size
        live = hands.live(board)
        self.reach0 = np.ascontiguousarray(reach0, dtype=np.float64) * live
        if self.reach0.shape != (2, H):
            raise ValueError(f"ranges: shape {reach0.shape}, expected (2, {H})")
        if not (self.reach0.sum(axis=1) > 0).all():
            raise ValueError("a player's range is empty on this board (impossible history or board)")
        self.board = tuple(board)
        R = max(len(runouts), 1)
        self.strengths, self.orders = runout_strengths(hands, self.board, runouts)
        self.redraw: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None
        self.run_scale = runout_weight(hands.spec, len(board), hands.spec.hole_cards) / R \
            if runouts.shape[1] else 1.0
        self.leaves = leaves if leaves is not None else no_leaves(sub, R, H)
        S = sub.num_slots
        self.regret = np.zeros((S, H))
        self.strategy_sum = np.zeros((S, H))
        self.strategy = np.zeros((S, H))
        L, K = self.leaves.num_leaves, self.leaves.choices
        self.leaf_regret = np.zeros((L, 2, K, H))
        self.leaf_sum = np.zeros((L, 2, K, H))
        self.leaf_strategy = np.full((L, 2, K, H), 1.0 / K)
        self.frozen = np.zeros(sub.num_nodes, dtype=np.bool_)
        self.frozen_strategy = np.zeros((S, H))
        for node, probs in (frozen or {}).items():  # probs: [actions, hands]
            base = sub.slot_base[node]
            self.frozen[node] = True
            self.frozen_strategy[base:base + sub.num_children[node]] = probs
        self.searcher = searcher  # its leaf choice is fixed to the blueprint (-1: both choose)
        if searcher >= 0:
            self.leaf_strategy[:, searcher] = 0.0
            self.leaf_strategy[:, searcher, 0] = 1.0
        self._reach = np.zeros((sub.num_nodes, 2, H))
        self._value = np.zeros((sub.num_nodes, H))
        self.gadget: tuple[int, np.ndarray] | None = None  # (opponent, its alternative values)
        self.gadget_regret = np.zeros((2, H))  # [terminate, enter] per opponent hand
        self.iterations = 0
        self.seconds = 0.0

    def make_safe(self, opponent: int, alt: np.ndarray) -> None:
        """Solve with the re-solving gadget (module docstring): ``alt`` [hands] is ``opponent``'s
        counterfactual value of each hand under the blueprint (:meth:`counterfactual_values`)."""
        if self.iterations:
            raise ValueError("make the solver safe before running it")
        self.gadget = (opponent, np.asarray(alt, dtype=np.float64))

    def _gadget_enter(self) -> np.ndarray:
        r = np.maximum(self.gadget_regret, 0.0)
        total = r.sum(axis=0)
        return np.where(total > 0, r[1] / np.where(total > 0, total, 1.0), 0.5)

    def counterfactual_values(self, i: int, strategy: np.ndarray, leaf: np.ndarray) -> np.ndarray:
        """[hands]: seat ``i``'s counterfactual value of each hand at the root under a profile."""
        return self._pass(i, k.MODE_VALUE, strategy, leaf, gadget=False)

    def _pass(self, i: int, mode: int, strategy: np.ndarray, leaf_strategy: np.ndarray,
              gadget: bool = True) -> np.ndarray:
        s, lv = self.sub, self.leaves
        reach0 = self.reach0
        if gadget and self.gadget is not None:
            reach0 = reach0.copy()
            reach0[self.gadget[0]] *= self._gadget_enter()
        k.traverse(i, mode, s.kind, s.player, s.first_child, s.num_children, s.children, s.slot_base, s.contrib,
                   self.hands.cards, self.hands.deck_size, reach0, self.strengths, self.orders, self.run_scale,
                   lv.leaf_id, lv.z_start, lv.z_showdown, lv.z_pay0, lv.cont, lv.cont_bucket, strategy, leaf_strategy,
                   self.frozen,
                   self.regret, self.strategy_sum, self.leaf_regret, self.leaf_sum, self.iterations,
                   self.searcher, self._reach, self._value)
        return self._value[0].copy()

    def _current(self) -> None:
        s = self.sub
        k.regret_matching(s.kind, s.first_child, s.num_children, s.slot_base, self.regret, self.frozen,
                          self.frozen_strategy, self.strategy)
        k.leaf_matching(self.leaf_regret, self.leaf_strategy)
        if self.searcher >= 0:
            self.leaf_strategy[:, self.searcher] = 0.0
            self.leaf_strategy[:, self.searcher, 0] = 1.0

    def run(self, iterations: int, time_budget: float = 0.0) -> int:
        """Up to ``iterations`` more DCFR iterations, stopping after ``time_budget`` seconds
        (0: no limit); returns the iterations done in all."""
        start = time.perf_counter()
        for _ in range(iterations):
            self.iterations += 1
            if self.redraw is not None and self.iterations > 1:  # public chance sampling: new runouts
                runouts, (cont, which) = self.redraw()
                self.strengths, self.orders = runout_strengths(self.hands, self.board, runouts)
                self.leaves.cont, self.leaves.cont_bucket = cont, which
            for i in (0, 1):  # alternating updates
                self._current()
                inside = self._pass(i, k.MODE_CFR, self.strategy, self.leaf_strategy)
                if self.gadget is not None and i == self.gadget[0]:
                    self._gadget_update(inside)
            k.discount_sums(self.strategy_sum, self.leaf_sum, self.iterations)
            if time_budget and time.perf_counter() - start >= time_budget:
                break
        self.seconds += time.perf_counter() - start
        return self.iterations

    def _gadget_update(self, inside: np.ndarray) -> None:
        alt = self.gadget[1]
        enter = self._gadget_enter()
        v = (1.0 - enter) * alt + enter * inside
        t = float(self.iterations)
        pos, neg = t ** k.ALPHA / (t ** k.ALPHA + 1.0), 0.5
        r = self.gadget_regret
        r *= np.where(r > 0, pos, neg)
        r[0] += alt - v
        r[1] += inside - v

    def average(self) -> tuple[np.ndarray, np.ndarray]:
        """(average strategy [slots, hands], average continuation choice [leaves, 2, K, hands])."""
        self._current()
        s = self.sub
        avg = np.zeros_like(self.strategy)
        k.normalise_average(s.kind, s.num_children, s.slot_base, self.strategy_sum, self.strategy, avg)
        avg[self.frozen_strategy.any(axis=1)] = self.frozen_strategy[self.frozen_strategy.any(axis=1)]
        leaf = np.zeros_like(self.leaf_strategy)
        k.normalise_leaf(self.leaf_sum, self.leaf_strategy, leaf)
        if self.searcher >= 0:
            leaf[:, self.searcher] = self.leaf_strategy[:, self.searcher]
        return avg, leaf

    def node_strategy(self, node: int, avg: np.ndarray | None = None) -> np.ndarray:
        """[actions, hands]: the average strategy at decision ``node``."""
        if self.sub.kind[node] != DECISION:
            raise ValueError(f"node {node} is not a decision")
        avg = self.average()[0] if avg is None else avg
        base = self.sub.slot_base[node]
        return avg[base:base + self.sub.num_children[node]]

    def values(self, strategy: np.ndarray | None = None, leaf: np.ndarray | None = None) -> tuple[float, float]:
        """Each seat's expected value (chips per compatible deal) under a profile (default the average)."""
        if strategy is None:
            strategy, leaf = self.average()
        return tuple(float(self.reach0[i] @ self._pass(i, k.MODE_VALUE, strategy, leaf, gadget=False))
                     / self.pair_mass() for i in (0, 1))

    def exploitability(self) -> float:
        """Mean of both seats' best-response gains against the average, inside the subgame
        (chips per compatible deal; 0 at an equilibrium of the subgame)."""
        strategy, leaf = self.average()
        best = [float(self.reach0[i] @ self._pass(i, k.MODE_BEST, strategy, leaf, gadget=False)) for i in (0, 1)]
        return (best[0] + best[1]) / 2 / self.pair_mass()

    def pair_mass(self) -> float:
        """Total weight of compatible (hand, hand) pairs of the root ranges."""
        out = np.zeros(self.hands.size)
        k.fold_sums(self.reach0[1], self.hands.cards, self.hands.deck_size, out)
        return float(self.reach0[0] @ out)


__all__ = ["SubgameSolver", "LeafData", "no_leaves", "runout_strengths"]
