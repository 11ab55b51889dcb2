"""Compiled enumeration of the public betting tree: the arrays of :class:`holdem.game.tree.BettingTree`.

Why: the tree of a six-max no-limit abstraction has 10^7 to 10^8 nodes. Walking it in Python,
one :class:`holdem.game.rules.BettingState` object per node, took 45-85 s and over 2 GB of
lists and tuples for the 7.5M nodes of ``configs/nlhe-6max.yaml``; this module walks it in one
numba kernel, 40-60M nodes a second per walk (0.4 s for that preset, a 112M-node six-max
tree in 7-20 s, most of it the kernel handing out fresh pages; ``benchmarks/bench_tree.py``).

What: :func:`build_arrays` enumerates the tree depth first with an explicit stack (one frame
per depth: the betting state, the actions of the node and the next child to visit) and writes
nodes in preorder, each node's edges contiguous in the order fold, call, raises ascending.
The kernel re-states the rules of :mod:`holdem.game.rules` (turn order, the minimum raise,
limit caps, short all-ins that do not reopen the betting, the lone player who can only call,
settling a street, the run-out when fewer than two players can bet) on plain integers, and
the action abstraction the tree offers in no-limit: per street and raise depth, pot fractions
of the pot after calling, ``round``-ed half to even like Python's ``round``, raised to the
minimum raise, turned into all-in at ``spec.allin_threshold`` of the stack, all-in always
offered, at most ``spec.max_raises`` raises per street. The spec reaches the kernel as
arrays and scalars only; the root state comes from :func:`holdem.game.rules.initial_state`,
so the forced bets are posted by the rules module itself. The tests compare every array with
the old Python builder (``tests/tree_reference.py``) on presets and random specs.

Memory: the walk runs twice, first only counting nodes and edges, then filling arrays
allocated at exactly that size. The count pass costs a fraction of the fill (no stores, no
page faults), while growing arrays during a single pass would copy them on every doubling
and briefly hold 1.5-3x their final size; so the peak is the final arrays (53 bytes a node at
six players) plus a stack of depth at most ``2 + sum((max_raises + 1) * players)``.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from holdem.game.rules import CALL, FOLD, NOT_TERMINAL, RAISE, TERMINAL_FOLD, TERMINAL_SHOWDOWN, initial_state
from holdem.game.spec import GameSpec, default_first_to_act

__all__ = ["count_tree", "build_arrays"]

_INT32_MAX = 2**31 - 1
_INT8_MAX = 127

# columns of a stack frame's scalars
_STREET, _BET, _FOLDED, _NEEDS, _RAISES, _LAST_RAISE, _TO_ACT, _TERMINAL = 0, 1, 2, 3, 4, 5, 6, 7
_ALL_IN, _POT = 8, 9  # bitmask of the seats with no chips behind, chips committed in all
_NODE, _FIRST, _NACT, _NEXT = 10, 11, 12, 13  # the node, its first edge, its actions, the next child
_NUM_COLS = 14

# kernel status codes
_OK, _TOO_DEEP, _TOO_BIG = 0, 1, 2


class _Params:
    """The numbers of a spec the kernel needs, as numpy arrays and scalars."""

    def __init__(self, spec: GameSpec):
        n = spec.num_players
        streets = spec.num_streets
        self.limit = spec.betting == "limit"
        self.stacks = np.array(spec.stacks, dtype=np.int64)
        self.bet_sizes = np.zeros(streets, dtype=np.int64)
        if self.limit:
            self.bet_sizes[:] = spec.bet_sizes
        self.max_raises = np.array(spec.max_raises, dtype=np.int64)
        self.first = np.array(tuple(spec.first_to_act) or default_first_to_act(n, streets, any(spec.blinds)),
                              dtype=np.int64)
        # the no-limit minimum bet/raise increment; games without blinds use the ante
        self.min_bet = max(spec.blinds) if spec.blinds and max(spec.blinds) > 0 else max(spec.ante, 1)
        # raise fractions: street s has depths raise_start[s]:raise_start[s+1], depth k has the
        # fractions fracs[frac_start[k]:frac_start[k+1]]
        raise_start = [0]
        frac_start = [0]
        fracs: list[float] = []
        for s in range(streets):
            depths = spec.raise_sizes[s] if not self.limit else ()
            for depth in depths:
                fracs.extend(float(f) for f in depth)
                frac_start.append(len(fracs))
            raise_start.append(len(frac_start) - 1)
        self.raise_start = np.array(raise_start, dtype=np.int64)
        self.frac_start = np.array(frac_start, dtype=np.int64)
        self.fracs = np.array(fracs, dtype=np.float64)
        self.allin_threshold = float(spec.allin_threshold)
        # per street, the most fractions of a depth offered with three or more players in the hand
        self.multiway = np.array(spec.multiway_sizes or (-1,) * streets, dtype=np.int64)
        widest = max((frac_start[k + 1] - frac_start[k] for k in range(len(frac_start) - 1)), default=0)
        self.max_actions = 3 + widest  # fold, call, the sized raises, all-in
        # each action of a street removes its actor from the seats still to act, and a raise
        # (at most max_raises per street) refills them with at most players - 1
        self.max_depth = 2 + sum(n * (1 + int(m)) for m in spec.max_raises)
        s = initial_state(spec)
        all_in = sum(1 << p for p in range(n) if s.contrib[p] >= spec.stacks[p])
        self.root = np.array([s.street, s.bet, s.folded, s.needs, s.raises, s.last_raise, s.to_act, s.terminal,
                              all_in, sum(s.contrib)], dtype=np.int64)
        self.root_contrib = np.array(s.contrib, dtype=np.int64)
        self.root_level = np.array(s.level, dtype=np.int64)


@njit(cache=True)
def _next_in(mask: int, start: int, n: int) -> int:
    """First seat of ``mask`` from ``start`` on, round the table; -1 when empty."""
    p = start
    for _ in range(n):
        if (mask >> p) & 1:
            return p
        p += 1
        if p == n:
            p = 0
    return -1


@njit(cache=True)
def _round_half_even(x: float) -> float:
    """``x`` rounded to the nearest integer, ties to even (Python's ``round``)."""
    f = math.floor(x)
    diff = x - f  # exact for doubles
    if diff > 0.5 or (diff == 0.5 and math.floor(0.5 * f) != 0.5 * f):  # a tie: to the even one
        f += 1.0
    return f


@njit(cache=True)
def _walk(stacks: np.ndarray, limit: bool, bet_sizes: np.ndarray, max_raises: np.ndarray, first: np.ndarray,
          min_bet: int, raise_start: np.ndarray, frac_start: np.ndarray, fracs: np.ndarray,
          multiway: np.ndarray, allin_threshold: float, root: np.ndarray, root_contrib: np.ndarray, root_level: np.ndarray,
          max_depth: int, max_actions: int, fill: bool, max_nodes: int,
          player: np.ndarray, street: np.ndarray, terminal: np.ndarray, num_actions: np.ndarray,
          first_edge: np.ndarray, contrib: np.ndarray, active: np.ndarray, parent: np.ndarray,
          parent_edge: np.ndarray, edge_child: np.ndarray, edge_kind: np.ndarray,
          edge_amount: np.ndarray) -> tuple[int, int, int, int]:
    """Depth-first preorder walk of the tree; writes the arrays when ``fill``.

    Returns (status, nodes, edges, most actions at a node); stops with _TOO_BIG past
    ``max_nodes`` nodes or edges. One function body on purpose: numba counts references to
    arrays handed to (even inlined) helpers, and those atomic counts took 80% of the walk.
    """
    n = stacks.shape[0]
    everyone = (1 << n) - 1
    num_streets = bet_sizes.shape[0]
    sc = np.zeros((max_depth, _NUM_COLS), np.int64)    # per depth: the state's scalars, the walk's place
    con = np.zeros((max_depth, n), np.int64)          # per depth: chips committed per seat
    lev = np.zeros((max_depth, n), np.int64)          # per depth: the bet when each seat last acted, -1
    kinds = np.zeros((max_depth, max_actions), np.int64)
    amounts = np.zeros((max_depth, max_actions), np.int64)
    for i in range(root.shape[0]):
        sc[0, i] = root[i]
    for q in range(n):
        con[0, q] = root_contrib[q]
        lev[0, q] = root_level[q]
    nodes = 0
    edges = 0
    widest = 0
    d = 0
    par = -1
    par_edge = -1
    while True:
        # -- frame d holds a new node: number it, write it --------------------------------------
        node = nodes
        nodes += 1
        if fill:
            player[node] = sc[d, _TO_ACT]
            street[node] = sc[d, _STREET]
            terminal[node] = sc[d, _TERMINAL]
            for q in range(n):
                contrib[node, q] = con[d, q]
            active[node] = everyone & ~sc[d, _FOLDED]
            parent[node] = par
            parent_edge[node] = par_edge
            if par_edge >= 0:
                edge_child[par_edge] = node
        if sc[d, _TERMINAL] == NOT_TERMINAL:
            # -- its actions: BettingState.legal_actions, then the abstraction's raises ---------
            p = sc[d, _TO_ACT]
            bit = 1 << p
            st = sc[d, _STREET]
            raises = sc[d, _RAISES]
            last_raise = sc[d, _LAST_RAISE]
            own = con[d, p]
            stack = stacks[p]
            others_able = everyone & ~(sc[d, _FOLDED] | sc[d, _ALL_IN]) & ~bit
            bet = sc[d, _BET]
            if others_able == 0:  # nobody can answer: the bet is what the others put in
                bet = -1
                for q in range(n):
                    if q != p and con[d, q] > bet:
                        bet = con[d, q]
            k = 0
            if own < bet:
                kinds[d, k] = FOLD
                amounts[d, k] = own
                k += 1
            kinds[d, k] = CALL
            amounts[d, k] = min(bet, stack)
            k += 1
            can_raise = (others_able != 0 and stack > bet and not (limit and raises >= max_raises[st])
                         and not (lev[d, p] >= 0 and bet - lev[d, p] < last_raise))
            if can_raise and limit:
                kinds[d, k] = RAISE
                amounts[d, k] = min(bet + bet_sizes[st], stack)
                k += 1
            elif can_raise and raises < max_raises[st]:  # no-limit: max_raises caps the abstraction only
                min_to = min(bet + last_raise, stack)
                max_to = stack
                pot_after_call = sc[d, _POT] + (bet - own)
                first_raise = k
                depths = raise_start[st + 1] - raise_start[st]
                if depths > 0:
                    depth = raise_start[st] + min(raises, depths - 1)
                    last_frac = frac_start[depth + 1]
                    if multiway[st] >= 0:
                        mask = everyone & ~sc[d, _FOLDED]  # players still in the hand
                        in_hand = 0
                        for q in range(n):
                            in_hand += (mask >> q) & 1
                        if in_hand >= 3:
                            last_frac = min(last_frac, frac_start[depth] + multiway[st])
                    for f in range(frac_start[depth], last_frac):
                        x = _round_half_even(bet + fracs[f] * pot_after_call)
                        if x >= max_to:  # then max(x, min_to) >= threshold * max_to too: all-in
                            amount = max_to
                        else:
                            amount = max(np.int64(x), min_to)
                            if amount >= allin_threshold * max_to:
                                amount = max_to
                            amount = min(amount, max_to)
                        # into the ascending raises, once
                        i = first_raise
                        while i < k and amounts[d, i] < amount:
                            i += 1
                        if i < k and amounts[d, i] == amount:
                            continue
                        for j in range(k, i, -1):
                            amounts[d, j] = amounts[d, j - 1]
                            kinds[d, j] = RAISE
                        kinds[d, i] = RAISE
                        amounts[d, i] = amount
                        k += 1
                if k == first_raise or amounts[d, k - 1] != max_to:  # all-in, always offered (the largest)
                    kinds[d, k] = RAISE
                    amounts[d, k] = max_to
                    k += 1
            widest = max(widest, k)
            if fill:
                num_actions[node] = k
                first_edge[node] = edges
                for j in range(k):
                    edge_kind[edges + j] = kinds[d, j]
                    edge_amount[edges + j] = amounts[d, j]
            sc[d, _NODE] = node
            sc[d, _FIRST] = edges
            sc[d, _NACT] = k
            sc[d, _NEXT] = 0
            edges += k
        else:
            if fill:
                num_actions[node] = 0
                first_edge[node] = 0
            d -= 1
        if nodes > max_nodes or edges > max_nodes:
            return _TOO_BIG, nodes, edges, widest

        # -- up to the deepest frame with a child left, down into that child ---------------------
        while d >= 0 and sc[d, _NEXT] == sc[d, _NACT]:
            d -= 1
        if d < 0:
            return _OK, nodes, edges, widest
        if d + 1 >= max_depth:
            return _TOO_DEEP, nodes, edges, widest
        j = sc[d, _NEXT]
        sc[d, _NEXT] = j + 1
        par = sc[d, _NODE]
        par_edge = sc[d, _FIRST] + j
        kind = kinds[d, j]
        amount = amounts[d, j]
        e = d + 1
        d = e

        # -- the child's state: BettingState.apply ------------------------------------------------
        p = sc[e - 1, _TO_ACT]
        bit = 1 << p
        st = sc[e - 1, _STREET]
        bet = sc[e - 1, _BET]
        folded = sc[e - 1, _FOLDED]
        all_in = sc[e - 1, _ALL_IN]
        pot = sc[e - 1, _POT]
        needs = sc[e - 1, _NEEDS] & ~bit
        raises = sc[e - 1, _RAISES]
        last_raise = sc[e - 1, _LAST_RAISE]
        for q in range(n):
            con[e, q] = con[e - 1, q]
            lev[e, q] = lev[e - 1, q]
        if kind == FOLD:
            folded |= bit
            left = everyone & ~folded
            if left & (left - 1) == 0:  # one player left
                sc[e, _STREET] = st
                sc[e, _FOLDED] = folded
                sc[e, _ALL_IN] = all_in
                sc[e, _POT] = pot
                sc[e, _TO_ACT] = -1
                sc[e, _TERMINAL] = TERMINAL_FOLD
                continue
            new_level = bet
        elif kind == CALL:
            to = min(bet, stacks[p])
            if everyone & ~(folded | all_in) & ~bit == 0:  # nobody can match more than the others put in
                to = -1
                for q in range(n):
                    if q != p and con[e, q] > to:
                        to = con[e, q]
                to = min(to, stacks[p])
            pot += to - con[e, p]
            con[e, p] = to
            if to >= stacks[p]:
                all_in |= bit
            new_level = bet
        else:
            pot += amount - con[e, p]
            con[e, p] = amount
            if amount >= stacks[p]:
                all_in |= bit
            raises += 1
            if amount - bet >= last_raise:
                last_raise = amount - bet
            needs = everyone & ~(folded | all_in) & ~bit
            bet = amount
            new_level = amount
        lev[e, p] = new_level

        # -- rules._settle: the next seat to act from p + 1 on, or the next street, or showdown --
        start = p + 1 if p + 1 < n else 0
        able = everyone & ~(folded | all_in)
        if able & (able - 1) == 0 and needs != 0:
            # a lone player who can still bet acts only when facing more than it put in
            q = _next_in(needs, 0, n)
            top = -1
            for r in range(n):
                if r != q and con[e, r] > top:
                    top = con[e, r]
            if con[e, q] >= top:
                needs = 0
        sc[e, _FOLDED] = folded
        sc[e, _ALL_IN] = all_in
        sc[e, _POT] = pot
        if needs != 0:
            sc[e, _STREET] = st
            sc[e, _BET] = bet
            sc[e, _NEEDS] = needs
            sc[e, _RAISES] = raises
            sc[e, _LAST_RAISE] = last_raise
            sc[e, _TO_ACT] = _next_in(needs, start, n)
            sc[e, _TERMINAL] = NOT_TERMINAL
        elif st + 1 >= num_streets or able & (able - 1) == 0:
            sc[e, _STREET] = st
            sc[e, _TO_ACT] = -1
            sc[e, _TERMINAL] = TERMINAL_SHOWDOWN
        else:
            st += 1
            top = con[e, 0]
            for q in range(1, n):
                top = max(top, con[e, q])
            sc[e, _STREET] = st
            sc[e, _BET] = top  # everyone who can bet matched it: the largest contribution
            sc[e, _NEEDS] = able
            sc[e, _RAISES] = 0
            sc[e, _LAST_RAISE] = bet_sizes[st] if limit else min_bet
            sc[e, _TO_ACT] = _next_in(able, first[st], n)
            sc[e, _TERMINAL] = NOT_TERMINAL
            for q in range(n):
                lev[e, q] = -1


def _run(pr: _Params, fill: bool, max_nodes: int, out: dict[str, np.ndarray]) -> tuple[int, int, int, int]:
    return _walk(pr.stacks, pr.limit, pr.bet_sizes, pr.max_raises, pr.first, pr.min_bet, pr.raise_start,
                 pr.frac_start, pr.fracs, pr.multiway, pr.allin_threshold, pr.root, pr.root_contrib, pr.root_level,
                 pr.max_depth, pr.max_actions, fill, max_nodes, out["player"], out["street"], out["terminal"],
                 out["num_actions"], out["first_edge"], out["contrib"], out["active"], out["parent"],
                 out["parent_edge"], out["edge_child"], out["edge_kind"], out["edge_amount"])


def _empty(nodes: int, edges: int, players: int) -> dict[str, np.ndarray]:
    return {
        "player": np.empty(nodes, np.int8), "street": np.empty(nodes, np.int8),
        "terminal": np.empty(nodes, np.int8), "num_actions": np.empty(nodes, np.int8),
        "first_edge": np.empty(nodes, np.int32), "contrib": np.empty((nodes, players), np.int32),
        "active": np.empty(nodes, np.int32), "parent": np.empty(nodes, np.int32),
        "parent_edge": np.empty(nodes, np.int32), "edge_child": np.empty(edges, np.int32),
        "edge_kind": np.empty(edges, np.int8), "edge_amount": np.empty(edges, np.int32),
    }


def _check(status: int, spec: GameSpec, max_nodes: int) -> None:
    if status == _TOO_DEEP:  # cannot happen: the stack bound is a theorem of the rules
        raise RuntimeError(f"game {spec.name!r}: betting deeper than the builder's stack bound")
    if status == _TOO_BIG:
        raise ValueError(f"game {spec.name!r}: the betting tree has more than {max_nodes:,} nodes or edges "
                         f"(int32 indices); use fewer raise sizes or a lower max_raises")


def count_tree(spec: GameSpec, max_nodes: int = _INT32_MAX) -> tuple[int, int]:
    """(nodes, edges) of the betting tree of ``spec``, without building it; ValueError past ``max_nodes``."""
    pr = _Params(spec)
    status, nodes, edges, _ = _run(pr, False, max_nodes, _empty(0, 0, spec.num_players))
    _check(status, spec, max_nodes)
    return int(nodes), int(edges)


def build_arrays(spec: GameSpec) -> dict[str, np.ndarray]:
    """The arrays of ``BettingTree`` (by field name) of the betting tree of ``spec``."""
    pr = _Params(spec)
    status, nodes, edges, widest = _run(pr, False, _INT32_MAX, _empty(0, 0, spec.num_players))
    _check(status, spec, _INT32_MAX)
    if widest > _INT8_MAX:
        raise ValueError(f"game {spec.name!r}: a node has {widest} actions, more than {_INT8_MAX} (int8); "
                         "use fewer raise sizes")
    out = _empty(int(nodes), int(edges), spec.num_players)
    status, filled, filled_edges, _ = _run(pr, True, _INT32_MAX, out)
    assert status == _OK and filled == nodes and filled_edges == edges
    return out
