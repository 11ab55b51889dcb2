"""Public betting tree of a game spec, enumerated into flat numpy arrays.

Nodes are numbered in depth-first preorder (a parent before its children, siblings'
subtrees contiguous), which keeps a traversal's memory accesses close together. Each node
stores who acts, the street, the chips committed per player and its outgoing edges as a
slice ``first_edge[n] : first_edge[n] + num_actions[n]`` of the edge arrays.

The builder implements the betting rules once: turn order per street, limit bets and raise
caps, no-limit raise sizes from the action abstraction with the minimum-raise rule, all-ins
that do not reopen the betting, and the end of a hand by folds or at showdown (a showdown
before the last street means the board is run out with nobody able to bet).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from holdem.game.spec import GameSpec

FOLD, CALL, RAISE = 0, 1, 2
NOT_TERMINAL, TERMINAL_FOLD, TERMINAL_SHOWDOWN = 0, 1, 2


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
    tokens: list[str] = []
    i = 0
    s = betting.replace("/", "")
    while i < len(s):
        ch = s[i]
        if ch in "fc":
            tokens.append(ch)
            i += 1
        elif ch == "r":
            j = i + 1
            while j < len(s) and s[j].isdigit():
                j += 1
            tokens.append(s[i:j])
            i = j
        else:
            raise ValueError(f"betting {betting!r}: unexpected character {ch!r}; use f, c, r<chips> and /")
    return tokens


@dataclass
class _State:
    street: int
    contrib: list[int]
    folded: int           # bitmask
    needs: int            # players who must still act this street
    can_raise: int        # players allowed to raise (an incomplete all-in does not reopen)
    acted: int            # players who acted since the last full raise
    raises: int           # raises made this street
    last_raise: int       # size of the last full raise (no-limit minimum raise)
    to_act: int


class _Builder:
    def __init__(self, spec: GameSpec):
        self.spec = spec
        self.n = spec.num_players
        self.all = (1 << self.n) - 1
        self.player: list[int] = []
        self.street: list[int] = []
        self.terminal: list[int] = []
        self.num_actions: list[int] = []
        self.first_edge: list[int] = []
        self.contrib: list[list[int]] = []
        self.active: list[int] = []
        self.parent: list[int] = []
        self.parent_edge: list[int] = []
        self.edge_child: list[int] = []
        self.edge_kind: list[int] = []
        self.edge_amount: list[int] = []

    # -- rules --------------------------------------------------------------------------
    def all_in(self, s: _State, p: int) -> bool:
        return s.contrib[p] >= self.spec.stacks[p]

    def can_bet(self, s: _State) -> int:
        """Bitmask of players still in the hand with chips behind."""
        return sum(1 << p for p in range(self.n) if not s.folded >> p & 1 and not self.all_in(s, p))

    def next_in(self, mask: int, start: int) -> int:
        for k in range(self.n):
            p = (start + k) % self.n
            if mask >> p & 1:
                return p
        return -1

    def start_street(self, s: _State, street: int) -> _State | None:
        """State at the start of ``street``, or None when nobody can bet any more."""
        able = self.can_bet(s)
        if bin(able).count("1") < 2:
            return None
        first = self.next_in(able, self.spec.first_to_act[street])
        return _State(street, list(s.contrib), s.folded, able, self.all, 0, 0,
                      self.min_bet(), first)

    def min_bet(self) -> int:
        spec = self.spec
        return spec.big_blind if spec.blinds and max(spec.blinds) > 0 else max(spec.ante, 1)

    def initial_state(self) -> _State:
        spec = self.spec
        contrib = [spec.ante + (spec.blinds[p] if p < len(spec.blinds) else 0) for p in range(self.n)]
        s = _State(0, contrib, 0, 0, self.all, 0, 0, self.min_bet(), 0)
        s.needs = self.can_bet(s)
        s.to_act = self.next_in(s.needs, spec.first_to_act[0])
        return s

    def raise_targets(self, s: _State, p: int) -> list[int]:
        """Chips committed after each abstract raise, ascending, all-in last."""
        spec = self.spec
        bet = max(s.contrib)
        max_to = spec.stacks[p]
        others_able = self.can_bet(s) & ~(1 << p)
        if (not s.can_raise >> p & 1 or s.raises >= spec.max_raises[s.street]
                or max_to <= bet or others_able == 0):
            return []
        if spec.betting == "limit":
            return [min(bet + spec.bet_sizes[s.street], max_to)]
        pot_after_call = sum(s.contrib) + (bet - s.contrib[p])
        min_to = bet + s.last_raise
        depths = spec.raise_sizes[s.street]
        fracs = depths[min(s.raises, len(depths) - 1)] if depths else ()
        targets: set[int] = set()
        for frac in fracs:
            amount = max(int(round(bet + frac * pot_after_call)), min_to)
            if amount >= spec.allin_threshold * max_to:
                amount = max_to
            targets.add(min(amount, max_to))
        targets.add(max_to)
        return sorted(targets)

    def act(self, s: _State, p: int, kind: int, amount: int) -> _State:
        contrib = list(s.contrib)
        bit = 1 << p
        t = _State(s.street, contrib, s.folded, s.needs & ~bit, s.can_raise, s.acted | bit,
                   s.raises, s.last_raise, -1)
        if kind == FOLD:
            t.folded |= bit
        elif kind == CALL:
            contrib[p] = amount
        else:
            bet = max(s.contrib)
            contrib[p] = amount
            t.raises += 1
            t.needs = self.can_bet(t) & ~bit
            if amount - bet >= s.last_raise:
                t.last_raise = amount - bet
                t.acted = bit
                t.can_raise = self.all
            else:  # an all-in short of a full raise does not reopen the betting
                t.can_raise = s.can_raise & ~s.acted
        return t

    # -- enumeration ----------------------------------------------------------------------
    def new_node(self, s: _State, player: int, terminal: int, parent: int, parent_edge: int) -> int:
        node = len(self.player)
        self.player.append(player)
        self.street.append(s.street)
        self.terminal.append(terminal)
        self.num_actions.append(0)
        self.first_edge.append(0)
        self.contrib.append(list(s.contrib))
        self.active.append(self.all & ~s.folded)
        self.parent.append(parent)
        self.parent_edge.append(parent_edge)
        return node

    def build(self, s: _State, parent: int = -1, parent_edge: int = -1) -> int:
        if bin(self.all & ~s.folded).count("1") == 1:
            return self.new_node(s, -1, TERMINAL_FOLD, parent, parent_edge)
        if s.needs == 0:
            nxt = self.start_street(s, s.street + 1) if s.street + 1 < self.spec.num_streets else None
            if nxt is None:
                return self.new_node(s, -1, TERMINAL_SHOWDOWN, parent, parent_edge)
            s = nxt
        p = s.to_act
        node = self.new_node(s, p, NOT_TERMINAL, parent, parent_edge)
        bet = max(s.contrib)
        actions: list[tuple[int, int]] = []
        if s.contrib[p] < bet:
            actions.append((FOLD, s.contrib[p]))
        actions.append((CALL, min(bet, self.spec.stacks[p])))
        actions.extend((RAISE, a) for a in self.raise_targets(s, p))
        first = len(self.edge_child)
        self.first_edge[node] = first
        self.num_actions[node] = len(actions)
        for kind, amount in actions:
            self.edge_child.append(-1)
            self.edge_kind.append(kind)
            self.edge_amount.append(amount)
        for k, (kind, amount) in enumerate(actions):
            t = self.act(s, p, kind, amount)
            if t.needs:
                t.to_act = self.next_in(t.needs, (p + 1) % self.n)
            self.edge_child[first + k] = self.build(t, node, first + k)
        return node


def build_tree(spec: GameSpec) -> BettingTree:
    """Enumerate the public betting tree of ``spec`` into flat arrays."""
    b = _Builder(spec)
    b.build(b.initial_state())
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
