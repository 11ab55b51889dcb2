"""Depth-limit leaf values: the blueprint's continuation strategies beyond the leaf.

Brown, Sandholm & Amos, "Depth-Limited Solving for Imperfect-Information Games" (NeurIPS
2018), as Pluribus uses it (Brown & Sandholm, Science 2019): at a leaf (the end of the
searched round) every remaining player picks, per hand, one of K continuation strategies
for the rest of the game: the blueprint, and the blueprint with the probability of fold,
of call, or of all raises multiplied by ``bias`` (5) and renormalised. The leaf is a
decision of both players in the subgame (:mod:`holdem.search.solver`), so the searcher's
strategy must hold up whichever continuation the opponent picks.

Values come from the blueprint's own tree on each sampled runout (the same runouts as the
subgame's all-ins, :func:`holdem.search.hands.sample_runouts`):

- a leaf maps to the blueprint node its round history leads to (:func:`follow`: every
  raise to the blueprint raise of the nearest pot fraction); where the blueprint's tree
  cannot follow (no raise left there), to the next street's start with the nearest pot;
- the next street's betting is walked with both players' K strategies on the hand's bucket
  of that board; its terminals are folds, or showdowns on the runout's full board (when the
  next street is not the last, later betting is not played out: the hand is checked down,
  a documented approximation that keeps a flop leaf at one street of continuation);
- chips scale from the blueprint node's pot to the leaf's (extra chips times the pot ratio,
  capped by the stacks), as action translation treats the game as pot-scale invariant.

``cont[r, p, k, z, b]`` is player p's probability of reaching continuation terminal z with
a hand of bucket b under strategy k on runout r (its own actions only; a hand's bucket on
runout r is ``cont_bucket[r, h]``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from holdem.game.rules import CALL, FOLD, RAISE
from holdem.mccfr.layout import SLOT_BASE
from holdem.mccfr.problem import Problem
from holdem.search.hands import HandSet
from holdem.search.resolve import LeafData
from holdem.search.subgame import LEAF, Subgame

# (street, the board cards known on it) -> int64 [hands]: every hand's bucket (any value where dead)
BucketsOf = Callable[[int, tuple[int, ...]], np.ndarray]

# continuation k > 0 multiplies the probability of actions of kind k - 1 by the bias
assert (FOLD, CALL, RAISE) == (0, 1, 2)


def street_roots(problem: Problem, street: int) -> np.ndarray:
    """Blueprint nodes where ``street``'s betting starts (both players still in)."""
    tree = problem.tree
    par = tree.parent
    mask = (tree.street == street) & (tree.player >= 0) & (par >= 0)
    nodes = np.flatnonzero(mask)
    return nodes[tree.street[par[nodes]] < street]


def _round_ancestor(problem: Problem, node: int) -> int:
    """The node where ``node``'s street started."""
    tree = problem.tree
    while tree.parent[node] >= 0 and tree.street[tree.parent[node]] == tree.street[node]:
        node = int(tree.parent[node])
    return node


def follow(problem: Problem, sub: Subgame, leaf: int, round_node: int) -> int:
    """The blueprint node the leaf's round history leads to from ``round_node``, each action
    to its blueprint edge (a raise to the raise edge of the nearest pot fraction, in log
    ratio); -1 when the blueprint's tree cannot follow it to the next street's start."""
    tree = problem.tree
    node = round_node
    path = []
    n = leaf
    while sub.parent[n] >= 0:
        path.append(n)
        n = int(sub.parent[n])
    for child in reversed(path):
        if node < 0 or tree.player[node] < 0:
            return -1
        par = int(sub.parent[child])
        state = sub.states[par]
        action = sub.actions[par][[int(c) for c in sub.children[sub.first_child[par]:sub.first_child[par]
                                                                   + sub.num_children[par]]].index(child)]
        first, na = int(tree.first_edge[node]), int(tree.num_actions[node])
        edges = [e for e in range(first, first + na) if tree.edge_kind[e] == action.kind]
        if not edges:
            return -1
        if action.kind == RAISE:
            bet, pot = max(state.contrib), state.pot
            frac = (action.amount - bet) / (pot + bet - state.contrib[state.to_act])
            c = tree.contrib[node]
            bp_bet, bp_pot = int(c.max()), int(c.sum())
            bp_pac = bp_pot + bp_bet - int(c[tree.player[node]])
            fracs = [(int(tree.edge_amount[e]) - bp_bet) / bp_pac for e in edges]
            edges = [edges[int(np.argmin([abs(np.log(max(f, 1e-6) / max(frac, 1e-6))) for f in fracs]))]]
        node = int(tree.edge_child[edges[0]])
    leaf_street = sub.states[leaf].street
    return node if node >= 0 and tree.player[node] >= 0 and tree.street[node] == leaf_street else -1


def map_leaf(problem: Problem, contrib: int, street: int, round_node: int) -> int:
    """Blueprint node of a leaf the tree cannot follow: the next street's start with the pot
    nearest ``2 * contrib``, inside the round of ``round_node`` when that is on the tree
    (-1: anywhere)."""
    tree = problem.tree
    roots = street_roots(problem, street)
    if round_node >= 0:
        start = _round_ancestor(problem, round_node)
        inside = [n for n in roots if _round_ancestor(problem, int(tree.parent[n])) == start]
        if inside:
            roots = np.array(inside)
    pots = tree.contrib[roots].sum(axis=1).astype(np.float64)
    return int(roots[np.argmin(np.abs(np.log(pots / (2.0 * contrib))))])


def leaf_data(problem: Problem, policy: np.ndarray, buckets_of: BucketsOf, sub: Subgame, hands: HandSet,
              board: tuple[int, ...], runouts: np.ndarray, round_node: int, bias: float = 5.0,
              choices: int = 4) -> LeafData:
    """Continuation reach and terminals of every leaf of ``sub`` under the blueprint
    ``policy`` [slots] on ``runouts`` (module docstring)."""
    plan = leaf_plan(problem, sub, round_node, bias, choices)
    return plan.data(plan.cont(problem, policy, buckets_of, board, runouts, hands.size))


def leaf_plan(problem: Problem, sub: Subgame, round_node: int, bias: float = 5.0, choices: int = 4) -> LeafPlan:
    """The continuation terminals of every leaf of ``sub`` (the part that no runout changes)."""
    tree, layout = problem.tree, problem.layout
    spec = problem.spec
    stacks = spec.stacks
    leaves = np.flatnonzero(sub.kind == LEAF)
    leaf_id = np.full(sub.num_nodes, -1, dtype=np.int64)
    leaf_id[leaves] = np.arange(len(leaves))
    # every leaf's continuation in preorder: blueprint node, parent position, action, terminal
    order: list[int] = []
    parent_pos: list[int] = []
    action_of: list[int] = []
    term_of: list[int] = []
    z_start = [0]
    z_showdown: list[bool] = []
    z_pay0: list[float] = []
    leaf_street: list[int] = []
    for leaf in leaves:
        c_leaf = int(sub.contrib[leaf].min())
        street = sub.states[leaf].street
        m = follow(problem, sub, int(leaf), round_node) if round_node >= 0 else -1
        if m < 0:
            m = map_leaf(problem, c_leaf, street, round_node)
        c_bp = int(tree.contrib[m].min())
        ratio = c_leaf / c_bp
        z = z_start[-1]
        stack = [(m, -1, -1)]
        while stack:
            n, par, a = stack.pop()
            pos = len(order)
            order.append(n)
            parent_pos.append(par)
            action_of.append(a)
            if tree.player[n] >= 0 and tree.street[n] == street:
                term_of.append(-1)
                first, na = int(tree.first_edge[n]), int(tree.num_actions[n])
                stack.extend((int(tree.edge_child[first + j]), pos, j) for j in range(na - 1, -1, -1))
                continue
            term_of.append(z)
            z += 1
            extra = [min(c_leaf + (int(tree.contrib[n, p]) - c_bp) * ratio, stacks[p]) for p in (0, 1)]
            if tree.terminal[n] == 1:  # a fold
                folder = 0 if not tree.active[n] & 1 else 1
                z_showdown.append(False)
                z_pay0.append(-extra[0] if folder == 0 else extra[1])
            else:  # showdown, or the next street (checked down on the runout)
                z_showdown.append(True)
                z_pay0.append(min(extra))
        z_start.append(z)
        leaf_street.append(street)
    order_a = np.array(order, dtype=np.int64)
    node_base = layout.node_info[order_a, SLOT_BASE].astype(np.int64) if len(order_a) else np.zeros(0, np.int64)
    streets = sorted(set(leaf_street))
    leaf_of_pos = _leaf_of(order, parent_pos)
    masks = {st: np.array([leaf_street[leaf] == st for leaf in leaf_of_pos], dtype=np.bool_) for st in streets}
    plan = LeafPlan(leaf_id, np.array(z_start, dtype=np.int64), np.array(z_showdown, dtype=np.bool_),
                    np.array(z_pay0, dtype=np.float64), order_a, np.array(parent_pos, dtype=np.int64),
                    np.array(action_of, dtype=np.int64), np.array(term_of, dtype=np.int64), node_base, masks,
                    choices, float(bias))
    return plan


@dataclass
class LeafPlan:
    """The leaves' continuation terminals, fixed for a subgame; :meth:`cont` fills the reach of
    any runouts (the solver may draw new ones every iteration)."""

    leaf_id: np.ndarray
    z_start: np.ndarray
    z_showdown: np.ndarray
    z_pay0: np.ndarray
    order: np.ndarray       # blueprint node of every continuation position, each leaf's in preorder
    parent_pos: np.ndarray  # -1 at a leaf's continuation root
    action_of: np.ndarray   # the parent's action leading here
    term_of: np.ndarray     # continuation terminal number, -1 at decisions
    node_base: np.ndarray   # first slot of each position's node
    masks: dict             # street -> bool [positions] of the leaves on that street
    choices: int
    bias: float

    def cont(self, problem: Problem, policy: np.ndarray, buckets_of: BucketsOf, board: tuple[int, ...],
             runouts: np.ndarray, hands: int) -> tuple[np.ndarray, np.ndarray]:
        """(float64 [runouts, 2, K, terminals, buckets]: the continuation reach per bucket,
        int64 [runouts, hands]: each hand's bucket) on ``runouts``."""
        tree = _tree_arrays(problem)
        ends = np.cumsum(problem.spec.board_cards)
        if len(self.masks) > 1:
            raise ValueError("leaves of one subgame end one round: they continue on one street")
        street = next(iter(self.masks), 1)
        num_buckets = int(problem.layout.num_buckets[street])
        out = np.zeros((len(runouts), 2, self.choices, int(self.z_start[-1]), num_buckets))
        which = np.zeros((len(runouts), hands), dtype=np.int64)
        for r in range(len(runouts)):
            cards = tuple(board) + tuple(int(c) for c in runouts[r])
            for street, mask in self.masks.items():
                which[r] = np.clip(buckets_of(street, cards[:ends[street]]), 0, num_buckets - 1)
                _continuation_reach(self.order, self.parent_pos, self.action_of, self.term_of, mask, *tree,
                                    self.node_base, policy, self.bias, out[r])
        return out, which

    def data(self, cont: tuple[np.ndarray, np.ndarray]) -> LeafData:
        """LeafData with continuation reach ``cont`` (as :meth:`cont` returns it)."""
        return LeafData(self.leaf_id, self.z_start, self.z_showdown, self.z_pay0, cont[0], cont[1])


_TREES: dict[int, tuple[Problem, tuple[np.ndarray, ...]]] = {}


def _tree_arrays(problem: Problem) -> tuple[np.ndarray, ...]:
    """(player, num_actions, first_edge, edge_kind) of the blueprint's tree as int64, once per tree."""
    key = id(problem.tree)
    if key not in _TREES or _TREES[key][0] is not problem:
        t = problem.tree
        _TREES.clear()
        _TREES[key] = (problem, tuple(np.ascontiguousarray(x, dtype=np.int64)
                                      for x in (t.player, t.num_actions, t.first_edge, t.edge_kind)))
    return _TREES[key][1]


def _leaf_of(order: list[int], parent_pos: list[int]) -> list[int]:
    """The leaf number of every continuation position (a new leaf starts at each root)."""
    out, leaf = [], -1
    for par in parent_pos:
        if par < 0:
            leaf += 1
        out.append(leaf)
    return out


@njit(cache=True)
def _continuation_reach(order: np.ndarray, parent_pos: np.ndarray, action_of: np.ndarray, term_of: np.ndarray,
                        mask: np.ndarray, player: np.ndarray, num_actions: np.ndarray, first_edge: np.ndarray,
                        edge_kind: np.ndarray, node_base: np.ndarray, policy: np.ndarray,
                        bias: float, out: np.ndarray) -> None:
    """``out[p, k, z, b]`` of the continuations of positions in ``mask``, per bucket b
    (one leaf's continuation at a time: a root, ``parent_pos`` -1, starts the next).

    A position keeps only the reach of the player who acted to get there (``row[pos, q]``
    points to the position holding player q's current reach), and each action's K biased
    probabilities are computed once per bucket, then gathered per hand."""
    P, K, _, B = out.shape  # reach is a function of the hand's bucket: computed per bucket
    n_pos = order.shape[0]
    num_buckets = B
    reach = np.empty((n_pos, K, B))
    row = np.full((n_pos, 2), -1, dtype=np.int64)  # -1: reach 1 (nobody acted yet)
    table = np.empty((K, num_buckets))
    for pos in range(n_pos):
        if not mask[pos]:
            continue
        par = parent_pos[pos]
        if par >= 0:
            pn = order[par]
            p = player[pn]
            n = num_actions[pn]
            a = action_of[pos]
            base = node_base[par]
            fe = first_edge[pn]
            target_kind = edge_kind[fe + a]
            for b in range(num_buckets):
                r0 = base + b * n
                pa = policy[r0 + a]
                table[0, b] = pa
                for k in range(1, K):
                    want = k - 1  # FOLD, CALL, RAISE biased in turn
                    denom = 0.0
                    for j in range(n):
                        denom += policy[r0 + j] * (bias if edge_kind[fe + j] == want else 1.0)
                    table[k, b] = pa * (bias if target_kind == want else 1.0) / denom if denom > 0.0 else pa
            up = row[par, p]
            for k in range(K):
                for b in range(B):
                    reach[pos, k, b] = table[k, b] * (reach[up, k, b] if up >= 0 else 1.0)
            row[pos, p] = pos
            row[pos, 1 - p] = row[par, 1 - p]
        z = term_of[pos]
        if z >= 0:
            for q in range(2):
                src = row[pos, q]
                for k in range(K):
                    for b in range(B):
                        out[q, k, z, b] = reach[src, k, b] if src >= 0 else 1.0


__all__ = ["leaf_data", "leaf_plan", "LeafPlan", "map_leaf", "follow", "street_roots"]
