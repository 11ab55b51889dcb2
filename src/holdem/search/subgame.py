"""The subgame of a search: the rest of the current betting round as flat arrays.

The tree starts at a real :class:`holdem.game.rules.BettingState` (the start of the round)
and follows the exact rules, with the search's own action abstraction: at a decision, fold
(when facing a bet), check/call, and raises to ``call + f * pot after the call`` for the pot
fractions ``f`` of the current raise depth (``SearchConfig.sizes``), the all-in always, and
the raise amounts named in ``extra`` at that point of the round (the opponent's actual
sizes). Nodes are numbered in preorder (a parent before its children); where the round
ends the node is a terminal of one of the kinds below.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from holdem.game.rules import CALL, FOLD, RAISE, TERMINAL_FOLD, Action, BettingState

DECISION, FOLDED, SHOWDOWN, ALLIN, LEAF = 0, 1, 2, 3, 4
KIND_NAMES = ("decision", "fold", "showdown", "all-in", "leaf")
MAX_NODES = 200_000


@dataclass
class Subgame:
    """Flat arrays of a subgame tree (module docstring); Python lists name its actions."""

    root: BettingState
    kind: np.ndarray         # int64 [nodes]
    player: np.ndarray       # int64 [nodes]: seat to act (-1 elsewhere); at FOLDED the folder
    first_child: np.ndarray  # int64 [nodes]
    num_children: np.ndarray  # int64 [nodes]
    children: np.ndarray     # int64 [edges]
    slot_base: np.ndarray    # int64 [nodes]: first action slot of a decision (-1 elsewhere)
    contrib: np.ndarray      # int64 [nodes, 2]: chips committed in the hand
    parent: np.ndarray       # int64 [nodes]
    states: list[BettingState]
    actions: list[list[Action]]  # per node, the actions of its children
    history: list[tuple[str, ...]]  # per node, the labels of the round's actions leading here

    @property
    def num_nodes(self) -> int:
        """Nodes, terminals included."""
        return len(self.kind)

    @property
    def num_slots(self) -> int:
        """Action slots of all decisions."""
        return int(self.num_children[self.kind == DECISION].sum())

    def find(self, history: tuple[str, ...]) -> int:
        """Node of a round history, or -1 when the tree lacks it."""
        return self._index.get(history, -1)

    def child_of(self, node: int, action: Action) -> int:
        """Child of ``node`` after ``action`` (matched by label), or -1."""
        for i, a in enumerate(self.actions[node]):
            if a.label == action.label:
                return int(self.children[self.first_child[node] + i])
        return -1

    def __post_init__(self) -> None:
        self._index = {h: i for i, h in enumerate(self.history)}


def raise_targets(state: BettingState, fractions: tuple[float, ...], allin_threshold: float) -> list[int]:
    """Raise totals of ``fractions`` of the pot after the call (and the all-in), legal and ascending."""
    legal = state.legal_actions()
    if not legal.can_raise:
        return []
    if state.spec.betting == "limit":
        return [legal.min_raise_to]
    bet = max(state.contrib)
    pot_after_call = state.pot + legal.to_call
    out = {legal.max_raise_to}
    for f in fractions:
        x = int(round(bet + f * pot_after_call))
        x = max(x, legal.min_raise_to)
        if x >= allin_threshold * legal.max_raise_to:
            x = legal.max_raise_to
        out.add(min(x, legal.max_raise_to))
    return sorted(out)


def build_subgame(root: BettingState, sizes: tuple[tuple[float, ...], ...], max_raises: int,
                  extra: dict[tuple[str, ...], set[int]] | None = None, allin_threshold: float = 0.9,
                  depth_limited: bool = True) -> Subgame:
    """The subgame from ``root`` to the end of its round (module docstring); ``extra`` adds
    raise totals at round histories; without ``depth_limited`` the round's end must be the
    hand's end (the last street)."""
    if root.is_terminal:
        raise ValueError("the hand is over: nothing to search")
    if root.num_players != 2:
        raise ValueError("search is heads-up only")
    extra = extra or {}
    street = root.street
    last = root.spec.num_streets - 1
    kind: list[int] = []
    player: list[int] = []
    contrib: list[tuple[int, int]] = []
    parent: list[int] = []
    states: list[BettingState] = []
    actions: list[list[Action]] = []
    history: list[tuple[str, ...]] = []
    kids: list[list[int]] = []

    def add(state: BettingState, par: int, hist: tuple[str, ...], raises: int) -> int:
        if len(kind) >= MAX_NODES:
            raise ValueError(f"subgame over {MAX_NODES:,} nodes: use fewer sizes or search.max_raises")
        node = len(kind)
        kind.append(DECISION)
        player.append(-1)
        contrib.append((state.contrib[0], state.contrib[1]))
        parent.append(par)
        states.append(state)
        actions.append([])
        history.append(hist)
        kids.append([])
        if state.is_terminal:
            if state.terminal == TERMINAL_FOLD:
                kind[node] = FOLDED
                player[node] = 0 if state.folded & 1 else 1
            else:
                kind[node] = SHOWDOWN if state.street == last else ALLIN
            return node
        if state.street != street:
            if not depth_limited:
                raise ValueError("the subgame reaches a later round but is not depth-limited")
            kind[node] = LEAF
            return node
        player[node] = state.to_act
        legal = state.legal_actions()
        acts = []
        if legal.can_fold:
            acts.append(Action(FOLD))
        acts.append(Action(CALL))
        targets = set()
        if raises < max_raises:
            targets.update(raise_targets(state, sizes[min(raises, len(sizes) - 1)], allin_threshold))
        for amount in extra.get(hist, ()):
            if legal.can_raise and legal.min_raise_to <= amount <= legal.max_raise_to:
                targets.add(amount)
        acts += [Action(RAISE, amount) for amount in sorted(targets)]
        actions[node] = acts
        for a in acts:
            child = state.apply(a, validate=False)
            kids[node].append(add(child, node, hist + (a.label,), raises + (a.kind == RAISE)))
        return node

    add(root, -1, (), 0)
    n = len(kind)
    num_children = np.array([len(k) for k in kids], dtype=np.int64)
    first_child = np.zeros(n, dtype=np.int64)
    first_child[1:] = np.cumsum(num_children)[:-1]
    children = np.array([c for k in kids for c in k], dtype=np.int64)
    kinds = np.array(kind, dtype=np.int64)
    slot_base = np.full(n, -1, dtype=np.int64)
    dec = np.flatnonzero(kinds == DECISION)
    slot_base[dec] = np.concatenate([[0], np.cumsum(num_children[dec])[:-1]]) if len(dec) else []
    return Subgame(root, kinds, np.array(player, dtype=np.int64), first_child, num_children, children, slot_base,
                   np.array(contrib, dtype=np.int64).reshape(n, 2), np.array(parent, dtype=np.int64),
                   states, actions, history)


__all__ = ["Subgame", "build_subgame", "raise_targets", "DECISION", "FOLDED", "SHOWDOWN", "ALLIN", "LEAF",
           "KIND_NAMES"]
