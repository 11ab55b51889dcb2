"""Public betting tree of a game spec, enumerated into flat numpy arrays.

Nodes are numbered in depth-first preorder (a parent before its children, siblings'
subtrees contiguous), which keeps a traversal's memory accesses close together. Each node
stores who acts, the street, the chips committed per player and its outgoing edges as a
slice ``first_edge[n] : first_edge[n] + num_actions[n]`` of the edge arrays.

The betting rules (turn order, limit bets and caps, the minimum raise, short all-ins that do
not reopen the betting, the end of a hand by folds or at showdown, with the board run out
when fewer than two players can bet) live in :mod:`holdem.game.rules`; the referee uses the
same module. The tree adds only the action abstraction: which no-limit raise sizes to
offer (pot fractions of the pot after calling, raised to the minimum raise when smaller,
turned into all-in at ``spec.allin_threshold`` of the stack, all-in always offered, at most
``spec.max_raises`` raises per street). :func:`build_tree` enumerates it in compiled code
(:mod:`holdem.game.tree_builder`, which re-states those rules on plain integers; the tests
hold it to the rules-driven Python builder kept in ``tests/tree_reference.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from holdem.game.rules import (CALL, FOLD, NOT_TERMINAL, RAISE, TERMINAL_FOLD, TERMINAL_SHOWDOWN,
                               parse_betting)
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


def build_tree(spec: GameSpec) -> BettingTree:
    """Enumerate the public betting tree of ``spec`` into flat arrays (compiled, :mod:`holdem.game.tree_builder`)."""
    from holdem.game.tree_builder import build_arrays  # imports numba only when a tree is built

    return BettingTree(num_players=spec.num_players, num_streets=spec.num_streets, **build_arrays(spec))
