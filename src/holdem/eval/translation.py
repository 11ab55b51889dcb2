"""Action translation: mapping an opponent's off-tree bet size onto the abstract tree.

Pseudo-harmonic mapping (Ganzfried & Sandholm, "Action Translation in Extensive-Form Games
with Large Action Spaces: Axioms, Paradoxes, and the Pseudo-Harmonic Mapping", IJCAI 2013).
With bet sizes written as fractions of the pot (pot = 1), an opponent bet ``x`` between two
abstract sizes ``A < x < B`` is mapped to ``A`` with probability

    f(x) = (B - x) * (1 + A) / ((B - A) * (1 + x))

and to ``B`` otherwise. ``f(A) = 1``, ``f(B) = 0`` and ``f`` decreases in between; it is the
mapping that makes the translated game's "indifference" point match the real one for a
bettor facing a caller who is indifferent between calling and folding.

Here a raise is sized as the tree sizes it (:mod:`holdem.game.tree`): ``(raise_to - bet) /
pot_after_call``, i.e. the chips added beyond a call over the pot once the call is in.
Sizes below the smallest abstract raise map to it and sizes above the largest map to it
(the tree has no smaller raise than its minimum, no larger bet than all-in); a real all-in
maps to the abstract all-in.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from holdem.game.rules import CALL, FOLD, RAISE, Action, BettingState
from holdem.mccfr.problem import Problem


def translate_bet(amount: float, lower: float, upper: float) -> tuple[float, float]:
    """(P(map to ``lower``), P(map to ``upper``)) of a bet of ``amount``; sizes in pot fractions."""
    if lower < 0 or amount < 0:
        raise ValueError(f"bet sizes are non-negative pot fractions, got amount {amount}, lower {lower}")
    if upper < lower:
        raise ValueError(f"translate_bet: upper size {upper} is below lower size {lower}")
    if amount <= lower:
        return 1.0, 0.0
    if amount >= upper:
        return 0.0, 1.0
    p_lower = (upper - amount) * (1.0 + lower) / ((upper - lower) * (1.0 + amount))
    return p_lower, 1.0 - p_lower


def raise_fraction(raise_to: float, bet: float, pot_after_call: float) -> float:
    """Size of a raise to ``raise_to`` as the tree measures it: (raise_to - bet) / pot after calling."""
    if pot_after_call <= 0:
        raise ValueError(f"pot after calling must be positive, got {pot_after_call}")
    return (raise_to - bet) / pot_after_call


def translation_probabilities(amount: float, sizes: Sequence[float]) -> list[float]:
    """Probability of mapping a bet of ``amount`` to each of the ascending abstract ``sizes``
    (pot fractions): pseudo-harmonic between the two neighbours, clamped at the ends."""
    if not sizes:
        raise ValueError("no abstract sizes to translate to")
    if any(b < a for a, b in zip(sizes, sizes[1:])):
        raise ValueError(f"abstract sizes must be ascending, got {list(sizes)}")
    probs = [0.0] * len(sizes)
    if amount <= sizes[0]:
        probs[0] = 1.0
        return probs
    if amount >= sizes[-1]:
        probs[-1] = 1.0
        return probs
    k = next(i for i in range(len(sizes) - 1) if sizes[i] <= amount <= sizes[i + 1])
    lo, hi = translate_bet(amount, sizes[k], sizes[k + 1])
    probs[k] += lo
    probs[k + 1] += hi
    return probs


def _edges(problem: Problem, node: int) -> range:
    first = int(problem.tree.first_edge[node])
    return range(first, first + int(problem.tree.num_actions[node]))


def off_tree_reason(problem: Problem, node: int, state: BettingState) -> str:
    """Why abstract ``node`` cannot stand for the real ``state`` (another seat or street to act); "" if it can."""
    t = problem.tree
    if node < 0:
        return "the hand left the abstract tree earlier"
    if t.player[node] != state.to_act or t.street[node] != state.street:
        where = "the hand is over" if t.player[node] < 0 else f"seat {int(t.player[node])} acts"
        return (f"after {t.betting_string(node)!r} {where} in the abstract hand, while seat "
                f"{state.to_act} acts on street {state.street} of the real one")
    return ""


def raise_edges(problem: Problem, node: int) -> tuple[list[int], list[float]]:
    """(edge ids, pot fractions) of the raise edges at abstract ``node``."""
    t = problem.tree
    contrib = t.contrib[node]
    p = int(t.player[node])
    bet = int(contrib.max())
    pac = int(contrib.sum()) + bet - int(contrib[p])
    edges = [e for e in _edges(problem, node) if t.edge_kind[e] == RAISE]
    return edges, [raise_fraction(int(t.edge_amount[e]), bet, pac) for e in edges]


def translate_action(problem: Problem, node: int, state: BettingState,
                     action: Action) -> tuple[list[int], list[float], str]:
    """Where a real ``action`` at ``state`` (before it is applied) takes the abstract hand at
    ``node``: (child nodes, probabilities, ""), or ([-1], [1.0], why) when it leaves the tree.
    Fold and check/call follow their edge; a raise goes to the node's raise edges by
    :func:`translation_probabilities` (a real all-in to the abstract all-in)."""
    why = off_tree_reason(problem, node, state)
    if why:
        return [-1], [1.0], why
    t = problem.tree
    if action.kind in (FOLD, CALL):
        for e in _edges(problem, node):
            if t.edge_kind[e] == action.kind:
                return [int(t.edge_child[e])], [1.0], ""
        return [-1], [1.0], f"action {action.label!r} has no abstract counterpart here"
    edges, sizes = raise_edges(problem, node)
    if not edges:
        return [-1], [1.0], (f"raise {action.label!r} where the abstract tree has no raise (past its raise "
                             "cap or after a translated all-in)")
    legal = state.legal_actions()
    p = state.to_act
    amount = legal.max_raise_to if action.amount is None else int(action.amount)
    stack = problem.spec.stacks[p]
    if amount >= stack and int(t.edge_amount[edges[-1]]) >= stack:
        probs = [0.0] * len(edges)
        probs[-1] = 1.0  # all-in is all-in, whatever the pot
    else:
        pac = state.pot + state.bet - state.contrib[p]
        probs = translation_probabilities(raise_fraction(amount, state.bet, pac), sizes)
    kept = [(int(t.edge_child[e]), q) for e, q in zip(edges, probs) if q > 0]
    return [c for c, _ in kept], [q for _, q in kept], ""


def edge_to_real(problem: Problem, node: int, state: BettingState, edge: int) -> Action:
    """The real action for abstract ``edge`` of ``node``, legal in ``state``: the exact abstract
    amount while the real chips match the node, else the same pot fraction of the real pot
    (all-in stays all-in), clamped to the legal range."""
    t = problem.tree
    kind = int(t.edge_kind[edge])
    legal = state.legal_actions()
    if kind == FOLD:
        return Action(FOLD) if legal.can_fold else Action(CALL)
    if kind == CALL or not legal.can_raise:
        return Action(CALL)  # e.g. the other seat is all-in in the real hand only
    amount = int(t.edge_amount[edge])
    p = state.to_act
    if amount >= problem.spec.stacks[p]:
        return Action(RAISE, legal.max_raise_to)
    if tuple(int(x) for x in t.contrib[node]) != tuple(state.contrib):
        contrib = t.contrib[node]
        bet = int(contrib.max())
        frac = raise_fraction(amount, bet, int(contrib.sum()) + bet - int(contrib[p]))
        amount = int(round(state.bet + frac * (state.pot + state.bet - state.contrib[p])))
    return Action(RAISE, min(max(amount, legal.min_raise_to), legal.max_raise_to))


def real_action_groups(problem: Problem, node: int, state: BettingState) -> tuple[list[Action], list[list[int]]]:
    """The distinct real actions the edges of ``node`` become in ``state``, and for each the
    columns (edge offsets) that map to it (two raises can clamp to the same legal amount)."""
    actions: list[Action] = []
    columns: list[list[int]] = []
    first = int(problem.tree.first_edge[node])
    for e in _edges(problem, node):
        a = edge_to_real(problem, node, state, e)
        if a in actions:
            columns[actions.index(a)].append(e - first)
        else:
            actions.append(a)
            columns.append([e - first])
    return actions, columns


class AbstractHand:
    """Follows a real hand (exact rules, any sizes) on a blueprint's abstract betting tree.

    Every real action moves the abstract node along one edge: fold to fold, check/call to
    check/call, a raise to one of the node's raise edges by :func:`translation_probabilities`
    on the raise's pot fraction (sampled; a real all-in goes to the abstract all-in). The
    abstraction's own actions are turned back into real ones by :func:`edge_to_real`.

    When the real hand leaves what the tree can express (a raise where the abstraction
    allows none, e.g. past its raise cap, or betting that goes on after a translated all-in
    was called), the hand is *off the tree* for the rest of the hand: :attr:`node` is -1 and
    :attr:`off_tree` says why; callers then fall back to check/call.
    """

    def __init__(self, problem: Problem, rng: np.random.Generator):
        self.problem = problem
        self.tree = problem.tree
        self.rng = rng
        self.node = 0
        self.off_tree = ""

    def in_step(self, state: BettingState) -> bool:
        """Whether the abstract node is a decision of the same seat on the same street as ``state``."""
        if self.node < 0:
            return False
        why = off_tree_reason(self.problem, self.node, state)
        if why:
            self._leave(why)
            return False
        return True

    def _leave(self, why: str) -> None:
        self.node = -1
        self.off_tree = why

    def abstract_sizes(self) -> tuple[list[int], list[float]]:
        """(edge ids, pot fractions) of the raise edges at the current node."""
        return raise_edges(self.problem, self.node)

    def observe(self, state: BettingState, action: Action) -> tuple[int, dict[str, float]] | None:
        """Move along the edge a real ``action`` (of any seat) maps to, before ``state.apply``;
        for a raise returns (edge taken, {abstract raise label: translation probability})."""
        if not self.in_step(state):
            return None
        node = self.node
        children, probs, why = translate_action(self.problem, node, state, action)
        if why:
            self._leave(why)
            return None
        k = int(self.rng.choice(len(children), p=np.asarray(probs) / sum(probs))) if len(children) > 1 else 0
        self.node = children[k]
        if action.kind != RAISE:
            return None
        t = self.tree
        edge_of = {int(t.edge_child[e]): e for e in _edges(self.problem, node)}
        return edge_of[children[k]], {t.action_label(edge_of[c]): q for c, q in zip(children, probs)}

    def advance(self, edge: int) -> None:
        """Move along an abstract edge of the current node (the blueprint's own action)."""
        self.node = int(self.tree.edge_child[edge])

    def to_real(self, state: BettingState, edge: int) -> Action:
        """The real action for abstract ``edge`` at the current node, legal in ``state``."""
        return edge_to_real(self.problem, self.node, state, edge)


__all__ = ["translate_bet", "raise_fraction", "translation_probabilities", "AbstractHand",
           "translate_action", "edge_to_real", "real_action_groups", "raise_edges", "off_tree_reason"]
