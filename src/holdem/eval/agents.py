"""Agents of the real game: blueprints (through action translation) and rule bots.

In the real game a player may bet any legal amount. A *strategy* here is what an evaluator
may know about an agent: for an internal state ``node`` (its abstract betting node; -1 once
the hand has left its tree), the real actions open to it and, for any hole-card bucket, its
probabilities over them. Local Best Response (:mod:`holdem.eval.lbr_real`) reads a strategy
for the whole opponent range at once; :class:`StrategyAgent` plays one hand with it.

- :class:`BlueprintStrategy`: a trained blueprint. Its node follows the real hand on its
  abstract tree (:func:`holdem.eval.translation.translate_action`: the pseudo-harmonic
  mapping of Ganzfried & Sandholm 2013 for other seats' raises), its own abstract actions
  become real sizes by :func:`holdem.eval.translation.edge_to_real`, and off its tree it
  checks/calls. Its own card bucket is the blueprint's card abstraction on the real board.
- :class:`RuleStrategy`: always-fold, always-call, min-raise and pot-raise bots, which
  ignore their cards; they need no tree.

Cards are ids of :mod:`holdem.core.cards`; hole pairs are indexed as in
:mod:`holdem.eval.ranges`.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from holdem.abstraction.deal import ABSTRACTION_BUCKET_FILE, ABSTRACTION_HAND_STRENGTH
from holdem.eval.blueprint import Blueprint
from holdem.eval.ranges import NUM_PAIRS, PAIR_HI, PAIR_LO, _pair_index, _range_buckets
from holdem.eval.translation import off_tree_reason, real_action_groups, translate_action
from holdem.game.rules import CALL, FOLD, RAISE, Action, BettingState
from holdem.game.spec import GameSpec

REAL_RULE_BOTS = ("always-fold", "always-call", "min-raise", "pot-raise")


class Strategy(Protocol):
    """What an evaluator knows about an agent of the real game (see the module docstring)."""

    name: str
    spec: GameSpec

    def root(self) -> int:
        """Internal state at the start of a hand."""

    def pair_buckets(self, street: int, board: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Bucket of every hole pair with weight > 0 on ``street`` (int64[1326])."""

    def hand_bucket(self, street: int, hole: tuple[int, int], board: np.ndarray) -> int:
        """The agent's card bucket of one hand on ``street``."""

    def sync(self, node: int, state: BettingState) -> int:
        """``node``, or -1 (off the tree) when it cannot stand for ``state`` where the agent acts."""

    def columns(self, node: int, state: BettingState) -> tuple[list[Action], list[list[int]]]:
        """The real actions at ``node`` in ``state``, and the strategy columns that make each."""

    def column_probs(self, node: int, buckets: np.ndarray) -> np.ndarray:
        """[len(buckets), columns] probabilities of the columns for each bucket."""

    def child(self, node: int, column: int) -> int:
        """Internal state after the agent's own ``column``."""

    def translate(self, node: int, state: BettingState, action: Action) -> tuple[list[int], list[float]]:
        """Internal states (and probabilities) after another seat's real ``action`` at ``state``."""


def check_real_game(spec: GameSpec) -> None:
    """ValueError unless ``spec`` is no-limit Texas Hold'em (52 cards, 2 hole cards, boards 3/1/1)."""
    if (spec.deck_size != 52 or spec.hole_cards != 2 or tuple(spec.board_cards) != (0, 3, 1, 1)
            or spec.showdown != "best-five" or spec.betting != "no-limit"):
        raise ValueError(f"real-game evaluation needs no-limit Texas Hold'em (52 cards, boards 3/1/1); "
                         f"game {spec.name!r} differs")


def same_real_game(a: GameSpec, b: GameSpec) -> bool:
    """Whether two specs are one real game (they may differ in their action abstraction only)."""
    keep = ("num_players", "ranks", "suits", "hole_cards", "board_cards", "ante", "blinds", "stacks",
            "betting", "showdown", "first_to_act")
    return all(getattr(a, k) == getattr(b, k) for k in keep)


class BlueprintStrategy:
    """A blueprint's average strategy in the real game (module docstring)."""

    def __init__(self, bp: Blueprint, name: str = "blueprint"):
        check_real_game(bp.problem.spec)
        if bp.problem.deal_model.abstraction not in (ABSTRACTION_HAND_STRENGTH, ABSTRACTION_BUCKET_FILE):
            raise ValueError(f"{bp.path}: the real game needs a hand-strength or bucket-file abstraction")
        self.name = name
        self.bp = bp
        self.problem = bp.problem
        self.spec = bp.problem.spec
        self.policy = np.ascontiguousarray(bp.average)
        tree = self.problem.tree
        self._first = np.asarray(tree.first_edge, dtype=np.int64)
        self._nact = np.asarray(tree.num_actions, dtype=np.int64)
        self._child = np.asarray(tree.edge_child, dtype=np.int64)
        self._no_range = np.zeros(NUM_PAIRS)  # hand_bucket buckets the one pair it names

    def root(self) -> int:
        """The abstract root."""
        return 0

    def pair_buckets(self, street: int, board: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """The blueprint's bucket of every live hole pair on ``street``."""
        out = np.zeros(NUM_PAIRS, dtype=np.int64)
        _range_buckets(self.problem.deal_model, street, _board5(board), np.ascontiguousarray(weight, np.float64),
                       -1, out)
        return out

    def hand_bucket(self, street: int, hole: tuple[int, int], board: np.ndarray) -> int:
        """The blueprint's bucket of one hand."""
        out = np.zeros(NUM_PAIRS, dtype=np.int64)
        h = _pair_index(hole[0], hole[1])
        _range_buckets(self.problem.deal_model, street, _board5(board), self._no_range, h, out)
        return int(out[h])

    def sync(self, node: int, state: BettingState) -> int:
        """-1 when the abstract node is not this seat's decision on this street (e.g. after a
        translated all-in was called while the real hand goes on)."""
        return -1 if node < 0 or off_tree_reason(self.problem, node, state) else node

    def columns(self, node: int, state: BettingState) -> tuple[list[Action], list[list[int]]]:
        """Real actions of the node's edges (check/call alone off the tree)."""
        if node < 0:
            return [Action(CALL)], [[0]]
        return real_action_groups(self.problem, node, state)

    def column_probs(self, node: int, buckets: np.ndarray) -> np.ndarray:
        """The average strategy's rows of ``buckets`` at ``node``."""
        if node < 0:
            return np.ones((len(buckets), 1))
        return self.policy[self.problem.layout.slots(node, buckets)]

    def child(self, node: int, column: int) -> int:
        """The abstract node after edge ``column``."""
        return -1 if node < 0 else int(self._child[self._first[node] + column])

    def translate(self, node: int, state: BettingState, action: Action) -> tuple[list[int], list[float]]:
        """Pseudo-harmonic translation of another seat's action."""
        if node < 0:
            return [-1], [1.0]
        children, probs, _ = translate_action(self.problem, node, state, action)
        return children, probs


class RuleStrategy:
    """A bot that ignores its cards: ``always-fold`` (folds to any bet, else checks),
    ``always-call``, ``min-raise`` (the minimum legal raise, else call) or ``pot-raise`` (a
    pot-sized raise, else call)."""

    def __init__(self, kind: str, spec: GameSpec):
        if kind not in REAL_RULE_BOTS:
            raise ValueError(f"unknown rule bot {kind!r}: use one of {', '.join(REAL_RULE_BOTS)}")
        check_real_game(spec)
        self.name = kind
        self.kind = kind
        self.spec = spec

    def root(self) -> int:
        """No internal state."""
        return 0

    def pair_buckets(self, street: int, board: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """One bucket for every hand."""
        return np.zeros(NUM_PAIRS, dtype=np.int64)

    def hand_bucket(self, street: int, hole: tuple[int, int], board: np.ndarray) -> int:
        """One bucket for every hand."""
        return 0

    def sync(self, node: int, state: BettingState) -> int:
        """No internal state."""
        return node

    def columns(self, node: int, state: BettingState) -> tuple[list[Action], list[list[int]]]:
        """The bot's one action."""
        legal = state.legal_actions()
        if self.kind == "always-fold" and legal.can_fold:
            return [Action(FOLD)], [[0]]
        if self.kind in ("min-raise", "pot-raise") and legal.can_raise:
            if self.kind == "min-raise":
                amount = legal.min_raise_to
            else:
                amount = state.bet + state.pot + legal.to_call
                amount = min(max(amount, legal.min_raise_to), legal.max_raise_to)
            return [Action(RAISE, amount)], [[0]]
        return [Action(CALL)], [[0]]

    def column_probs(self, node: int, buckets: np.ndarray) -> np.ndarray:
        """Probability 1 for the one action."""
        return np.ones((len(buckets), 1))

    def child(self, node: int, column: int) -> int:
        """No internal state."""
        return 0

    def translate(self, node: int, state: BettingState, action: Action) -> tuple[list[int], list[float]]:
        """No internal state."""
        return [0], [1.0]


def _board5(board: np.ndarray | tuple[int, ...]) -> np.ndarray:
    out = np.zeros(5, dtype=np.int64)
    out[:len(board)] = board
    return out


def _normalised(probs: np.ndarray) -> np.ndarray:
    """Rows of column probabilities clipped at 0 and summing to 1 (uniform where all are 0)."""
    probs = np.maximum(probs, 0.0)
    total = probs.sum(axis=1, keepdims=True)
    return np.where(total > 0, probs / np.where(total > 0, total, 1.0), 1.0 / probs.shape[1])


class StrategyAgent:
    """Plays real hands with a :class:`Strategy`: samples its real action at its internal state."""

    def __init__(self, strategy: Strategy, rng: np.random.Generator | None = None):
        self.strategy = strategy
        self.name = strategy.name
        self.rng = rng if rng is not None else np.random.default_rng()
        self.node = strategy.root()
        self.seat = -1
        self.hole: tuple[int, int] = (0, 1)
        self._bucket_street = -1
        self._bucket = 0
        self._pending = -1  # the column behind the action act() returned
        self._board: tuple[int, ...] = ()
        self._last: tuple[list[Action], list[list[int]], int, int] | None = None  # actions, groups, node, street
        self._pair_buckets: tuple = (None, None, None)  # ((street, board), every pair's bucket, live pairs)

    def start_hand(self, seat: int, hole: tuple[int, int], rng: np.random.Generator | None = None) -> None:
        """A new hand in ``seat`` with ``hole`` cards (and, optionally, a new random stream)."""
        if rng is not None:
            self.rng = rng
        self.seat = seat
        self.hole = (int(hole[0]), int(hole[1]))
        self.node = self.strategy.root()
        self._bucket_street = -1
        self._pending = -1

    def act(self, state: BettingState, board: tuple[int, ...]) -> tuple[Action, tuple[tuple[Action, float], ...]]:
        """(the sampled real action, the agent's probabilities over the real actions here)."""
        if state.street != self._bucket_street:
            self._bucket = self.strategy.hand_bucket(state.street, self.hole, np.asarray(board, dtype=np.int64))
            self._bucket_street = state.street
        self.node = self.strategy.sync(self.node, state)
        actions, groups = self.strategy.columns(self.node, state)
        probs = _normalised(self.strategy.column_probs(self.node, np.array([self._bucket])))[0]
        col = int(self.rng.choice(len(probs), p=probs)) if len(probs) > 1 else 0
        k = next(i for i, g in enumerate(groups) if col in g)
        self._pending = col
        self._board = tuple(int(c) for c in board)
        self._last = (actions, groups, self.node, state.street)
        policy = tuple((a, float(probs[g].sum())) for a, g in zip(actions, groups))
        return actions[k], policy

    def action_likelihood(self, action: Action) -> np.ndarray:
        """[1326]: the probability of ``action`` (just returned by :meth:`act`) for every hole
        pair, as the agent plays it at the node it acted from (0 on pairs the board holds)."""
        actions, groups, node, street = self._last
        if self._pair_buckets[0] != (street, self._board):  # once per street: the board is fixed there
            board = np.asarray(self._board, dtype=np.int64)
            live = np.ones(NUM_PAIRS)
            live[np.isin(PAIR_LO, board) | np.isin(PAIR_HI, board)] = 0.0
            self._pair_buckets = ((street, self._board), self.strategy.pair_buckets(street, board, live), live)
        _, buckets, live = self._pair_buckets
        probs = _normalised(self.strategy.column_probs(node, buckets))
        return probs[:, groups[actions.index(action)]].sum(axis=1) * live

    def observe(self, state: BettingState, action: Action) -> None:
        """Follow any seat's real ``action`` (before ``state.apply``)."""
        if state.to_act == self.seat:
            self.node = self.strategy.child(self.node, self._pending)
            self._pending = -1
            return
        children, probs = self.strategy.translate(self.node, state, action)
        k = int(self.rng.choice(len(children), p=np.asarray(probs) / sum(probs))) if len(children) > 1 else 0
        self.node = children[k]


def make_strategy(name: str, spec: GameSpec) -> Strategy:
    """A rule bot by name, or the blueprint of a run/snapshot directory ``name``."""
    if name in REAL_RULE_BOTS:
        return RuleStrategy(name, spec)
    from pathlib import Path

    from holdem.eval.blueprint import load_blueprint

    if not Path(name).exists():
        raise ValueError(f"agent {name!r} is neither one of {', '.join(REAL_RULE_BOTS)} nor a run or "
                         "snapshot directory")
    bp = load_blueprint(Path(name))
    if not same_real_game(bp.problem.spec, spec):
        raise ValueError(f"agent {name}: trained for another real game (stacks, blinds or players differ)")
    return BlueprintStrategy(bp, Path(name).name)


__all__ = ["Strategy", "BlueprintStrategy", "RuleStrategy", "StrategyAgent", "REAL_RULE_BOTS",
           "check_real_game", "same_real_game", "make_strategy"]
