"""Public betting tree of a game spec, enumerated into flat numpy arrays.

Nodes are numbered in depth-first preorder (a parent before its children, siblings'
subtrees contiguous), which keeps a traversal's memory accesses close together. Each node
stores who acts, the street, the chips committed per player and its outgoing edges as a
slice ``first_edge[n] : first_edge[n] + num_actions[n]`` of the edge arrays.

The betting rules (turn order, limit bets and caps, the minimum raise, short all-ins that do
not reopen the betting, the end of a hand by folds or at showdown, with the board run out
when fewer than two players can bet) live in :mod:`holdem.game.rules`; the referee uses the
same module. This builder adds only the action abstraction: which no-limit raise sizes to
offer (pot fractions of the pot after calling, raised to the minimum raise when smaller,
turned into all-in at ``spec.allin_threshold`` of the stack, all-in always offered, at most
``spec.max_raises`` raises per street).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from holdem.game.rules import (CALL, FOLD, NOT_TERMINAL, RAISE, TERMINAL_FOLD, TERMINAL_SHOWDOWN, Action,
                               BettingState, LegalActions, initial_state, parse_betting)
from holdem.game.spec import GameSpec

__all__ = ["BettingTree", "build_tree", "FOLD", "CALL", "RAISE", "NOT_TERMINAL", "TERMINAL_FOLD",
           "TERMINAL_SHOWDOWN"]


@dataclass(frozen=True)
class BettingTree:
    """Flat arrays describing every public betting node of a game."""

    num_players: int
    num_streets: int
    player: np.ndarray       # int8 [nodes]: seat to act, -1 at terminals
    street: np.ndarray       # int8 [nodes]
    terminal: np.ndarray     # int8 [nodes]: NOT_TERMINAL, TERMINAL_FOLD or TERMINAL_SHOWDOWN
    num_actions: np.ndarray  # int8 [nodes]
    first_edge: np.ndarray   # int32 [nodes]
    contrib: np.ndarray      # int32 [nodes, players]: chips committed in the hand so far
    active: np.ndarray       # int32 [nodes]: bitmask of players who have not folded
    parent: np.ndarray       # int32 [nodes]: -1 at the root
    parent_edge: np.ndarray  # int32 [nodes]: edge leading here, -1 at the root
    edge_child: np.ndarray   # int32 [edges]
    edge_kind: np.ndarray    # int8 [edges]: FOLD, CALL or RAISE
    edge_amount: np.ndarray  # int32 [edges]: chips the actor has committed after the action

    @property
    def num_nodes(self) -> int:
        """Number of nodes, terminals included."""
        return len(self.player)

    @property
    def max_actions(self) -> int:
        """Largest number of actions at any decision node."""
        return int(self.num_actions.max())

    def decision_nodes(self) -> np.ndarray:
        """Indices of the nodes where a player acts."""
        return np.flatnonzero(self.player >= 0)

    def action_label(self, edge: int) -> str:
        """ACPC letter of an edge: ``f``, ``c`` or ``r<chips committed by the raiser>``."""
        kind = self.edge_kind[edge]
        if kind == FOLD:
            return "f"
        if kind == CALL:
            return "c"
        return f"r{int(self.edge_amount[edge])}"

    def betting_string(self, node: int) -> str:
        """ACPC betting string leading to ``node`` (streets separated by ``/``)."""
        parts: list[str] = []
        while self.parent[node] >= 0:
            edge = int(self.parent_edge[node])
            par = int(self.parent[node])
            label = self.action_label(edge)
            if self.street[node] > self.street[par] and self.terminal[node] == NOT_TERMINAL:
                label += "/"
            parts.append(label)
            node = par
        return "".join(reversed(parts))

    def find(self, betting: str) -> int:
        """Node reached by an ACPC betting string; ValueError naming the first unknown action."""
        node = 0
        for token in _tokens(betting):
            for e in range(self.first_edge[node], self.first_edge[node] + self.num_actions[node]):
                if self.action_label(e) == token:
                    node = int(self.edge_child[e])
                    break
            else:
                legal = [self.action_label(e) for e in
                         range(self.first_edge[node], self.first_edge[node] + self.num_actions[node])]
                raise ValueError(f"betting {betting!r}: action {token!r} is not in the tree here; "
                                 f"legal: {legal or 'none (hand is over)'}")
        return node


def _tokens(betting: str) -> list[str]:
    return [t for t in parse_betting(betting) if t != "/"]


class _Builder:
    """Depth-first enumeration; the rules come from :mod:`holdem.game.rules`, this class only
    chooses which raise sizes the abstraction offers."""

    def __init__(self, spec: GameSpec):
        self.spec = spec
        self.n = spec.num_players
        self.all = (1 << self.n) - 1
        self.player: list[int] = []
        self.street: list[int] = []
        self.terminal: list[int] = []
        self.num_actions: list[int] = []
        self.first_edge: list[int] = []
        self.contrib: list[tuple[int, ...]] = []
        self.active: list[int] = []
        self.parent: list[int] = []
        self.parent_edge: list[int] = []
        self.edge_child: list[int] = []
        self.edge_kind: list[int] = []
        self.edge_amount: list[int] = []

    # -- action abstraction ----------------------------------------------------------------
    def raise_targets(self, s: BettingState, legal: LegalActions) -> list[int]:
        """Chips committed after each abstract raise, ascending, all-in last."""
        spec = self.spec
        if not legal.can_raise:
            return []
        if spec.betting == "limit":
            return [legal.max_raise_to]
        if s.raises >= spec.max_raises[s.street]:  # no-limit: a cap of the abstraction only
            return []
        p = legal.player
        bet = s.bet
        max_to = legal.max_raise_to
        pot_after_call = s.pot + (bet - s.contrib[p])
        depths = spec.raise_sizes[s.street]
        fracs = depths[min(s.raises, len(depths) - 1)] if depths else ()
        targets: set[int] = set()
        for frac in fracs:
            amount = max(int(round(bet + frac * pot_after_call)), legal.min_raise_to)
            if amount >= spec.allin_threshold * max_to:
                amount = max_to
            targets.add(min(amount, max_to))
        targets.add(max_to)
        return sorted(targets)

    # -- enumeration ----------------------------------------------------------------------
    def new_node(self, s: BettingState, parent: int, parent_edge: int) -> int:
        node = len(self.player)
        self.player.append(s.to_act)
        self.street.append(s.street)
        self.terminal.append(s.terminal)
        self.num_actions.append(0)
        self.first_edge.append(0)
        self.contrib.append(s.contrib)
        self.active.append(self.all & ~s.folded)
        self.parent.append(parent)
        self.parent_edge.append(parent_edge)
        return node

    def build(self, s: BettingState, parent: int = -1, parent_edge: int = -1) -> int:
        node = self.new_node(s, parent, parent_edge)
        if s.terminal:
            return node
        legal = s.legal_actions()
        p = legal.player
        actions: list[tuple[int, int]] = []
        if legal.can_fold:
            actions.append((FOLD, s.contrib[p]))
        actions.append((CALL, legal.call_to))
        actions.extend((RAISE, a) for a in self.raise_targets(s, legal))
        first = len(self.edge_child)
        self.first_edge[node] = first
        self.num_actions[node] = len(actions)
        for kind, amount in actions:
            self.edge_child.append(-1)
            self.edge_kind.append(kind)
            self.edge_amount.append(amount)
        for k, (kind, amount) in enumerate(actions):
            child = s.apply(Action(kind, amount), validate=False)
            self.edge_child[first + k] = self.build(child, node, first + k)
        return node


def build_tree(spec: GameSpec) -> BettingTree:
    """Enumerate the public betting tree of ``spec`` into flat arrays."""
    b = _Builder(spec)
    b.build(initial_state(spec))
    return BettingTree(
        num_players=spec.num_players,
        num_streets=spec.num_streets,
        player=np.array(b.player, dtype=np.int8),
        street=np.array(b.street, dtype=np.int8),
        terminal=np.array(b.terminal, dtype=np.int8),
        num_actions=np.array(b.num_actions, dtype=np.int8),
        first_edge=np.array(b.first_edge, dtype=np.int32),
        contrib=np.array(b.contrib, dtype=np.int32).reshape(len(b.player), spec.num_players),
        active=np.array(b.active, dtype=np.int32),
        parent=np.array(b.parent, dtype=np.int32),
        parent_edge=np.array(b.parent_edge, dtype=np.int32),
        edge_child=np.array(b.edge_child, dtype=np.int32),
        edge_kind=np.array(b.edge_kind, dtype=np.int8),
        edge_amount=np.array(b.edge_amount, dtype=np.int32),
    )
