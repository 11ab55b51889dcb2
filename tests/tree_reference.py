"""The pure-Python betting-tree builder that :mod:`holdem.game.tree_builder` replaced, kept
only as the reference the compiled builder is tested against (same arrays, same order).

It drives :mod:`holdem.game.rules` node by node (``legal_actions`` and ``apply``), so it states
the tree in the rules' own terms; the compiled builder re-implements those rules and must agree
with it on every spec.
"""
from __future__ import annotations

import numpy as np

from holdem.game.rules import Action, BettingState, LegalActions, initial_state
from holdem.game.spec import GameSpec
from holdem.game.tree import CALL, FOLD, RAISE, BettingTree


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
        if spec.multiway_sizes and bin(self.all & ~s.folded).count("1") >= 3:
            fracs = fracs[:spec.multiway_sizes[s.street]]
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


def reference_tree(spec: GameSpec) -> BettingTree:
    """The betting tree of ``spec`` built by the old recursive Python builder."""
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
