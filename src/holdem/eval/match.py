"""Head-to-head matches between two heads-up agents inside the abstract game, in numba.

Agents: a strategy table (rows x actions, e.g. a blueprint's average strategy), or a fixed
rule: always check/call, uniform random over the legal abstract actions, or always the
smallest raise (all-in when that is the only raise; call when no raise is allowed).

Duplicate deals: every sampled deal is played twice with the seats swapped, and the
result of a deal is the mean of agent A's two payoffs, which cancels most of the luck of
the cards. Results are reported in chips and in mbb/hand (milli-big-blinds per hand) with a
95% confidence interval over deals (normal approximation; deals are independent).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from holdem.core.payoff import hand_payoffs
from holdem.game.tree import CALL, RAISE
from holdem.abstraction.deal import DealModel, deal_buckets, sample_deal, showdown_values
from holdem.mccfr.layout import ACTIVE, FIRST_EDGE, NUM_ACTIONS, PLAYER, ROW_BASE, STREET, TERMINAL
from holdem.core.rng import next_float, seed_state
from holdem.mccfr.problem import Problem

POLICY, ALWAYS_CALL, UNIFORM, MIN_RAISE = 0, 1, 2, 3
AGENT_KINDS = {"policy": POLICY, "always-call": ALWAYS_CALL, "uniform": UNIFORM, "min-raise": MIN_RAISE}


@njit(cache=True)
def _choose(kind: int, policy: np.ndarray, row: int, n: int, fe: int, edge_kind: np.ndarray,
            rng: np.ndarray) -> int:
    if kind == ALWAYS_CALL:
        for a in range(n):
            if edge_kind[fe + a] == CALL:
                return a
    if kind == MIN_RAISE:
        for a in range(n):
            if edge_kind[fe + a] == RAISE:
                return a
        for a in range(n):
            if edge_kind[fe + a] == CALL:
                return a
    if kind == UNIFORM:
        return min(int(next_float(rng) * n), n - 1)
    u = next_float(rng)
    acc = 0.0
    for a in range(n):
        acc += policy[row, a]
        if u < acc:
            return a
    return n - 1


@njit(cache=True)
def play_duplicate(node_info: np.ndarray, contrib: np.ndarray, edge_child: np.ndarray, edge_kind: np.ndarray,
                   dm: DealModel, kind_a: int, policy_a: np.ndarray, kind_b: int, policy_b: np.ndarray,
                   num_deals: int, rng: np.ndarray) -> np.ndarray:
    """Agent A's mean payoff (chips) over the two seatings of each of ``num_deals`` deals."""
    n = dm.num_players
    streets = dm.board_start.shape[0] - 1
    deck = np.arange(dm.deck_size, dtype=np.int64)
    deal = np.zeros(n * dm.hole_cards + dm.board_start[-1], dtype=np.int64)
    buckets = np.zeros((n, streets), dtype=np.int64)
    values = np.zeros(n, dtype=np.int64)
    payoff = np.zeros(n)
    out = np.zeros(num_deals)
    for d in range(num_deals):
        sample_deal(dm, deck, rng, deal)
        deal_buckets(dm, deal, buckets)
        showdown_values(dm, deal, values)
        total = 0.0
        for seat_a in range(2):
            node = 0
            while node_info[node, TERMINAL] == 0:
                p = node_info[node, PLAYER]
                nact = node_info[node, NUM_ACTIONS]
                fe = node_info[node, FIRST_EDGE]
                row = node_info[node, ROW_BASE] + buckets[p, node_info[node, STREET]]
                if p == seat_a:
                    a = _choose(kind_a, policy_a, row, nact, fe, edge_kind, rng)
                else:
                    a = _choose(kind_b, policy_b, row, nact, fe, edge_kind, rng)
                node = edge_child[fe + a]
            hand_payoffs(contrib[node], node_info[node, ACTIVE], values, payoff)
            total += payoff[seat_a]
        out[d] = total / 2.0
    return out


@dataclass(frozen=True)
class MatchResult:
    """Agent A's result against agent B."""

    deals: int
    chips_per_hand: float
    mbb_per_hand: float
    ci95_mbb: float  # half-width of the 95% confidence interval

    def __str__(self) -> str:
        return f"{self.mbb_per_hand:+.1f} +/- {self.ci95_mbb:.1f} mbb/hand over {self.deals:,} duplicate deals"


def head_to_head(problem: Problem, agent_a: str | np.ndarray, agent_b: str | np.ndarray,
                 deals: int = 100_000, seed: int = 0) -> MatchResult:
    """Play ``deals`` duplicate deals; agents are strategy tables or AGENT_KINDS names."""
    if problem.spec.num_players != 2:
        raise ValueError("head-to-head matches are heads-up only")
    empty = np.zeros((1, 1))

    def agent(x: str | np.ndarray) -> tuple[int, np.ndarray]:
        if isinstance(x, str):
            if x not in AGENT_KINDS or x == "policy":
                raise ValueError(f"unknown agent {x!r}: use a strategy table or one of "
                                 f"{sorted(k for k in AGENT_KINDS if k != 'policy')}")
            return AGENT_KINDS[x], empty
        return POLICY, np.ascontiguousarray(x, dtype=np.float64)

    kind_a, pol_a = agent(agent_a)
    kind_b, pol_b = agent(agent_b)
    layout = problem.layout
    results = play_duplicate(layout.node_info, layout.contrib, layout.edge_child,
                             np.ascontiguousarray(problem.tree.edge_kind), problem.deal_model,
                             kind_a, pol_a, kind_b, pol_b, deals, seed_state(seed, 77))
    scale = 1000.0 / problem.spec.big_blind
    mean = float(results.mean())
    half = 1.96 * float(results.std(ddof=1)) / np.sqrt(deals) if deals > 1 else float("inf")
    return MatchResult(deals, mean, mean * scale, half * scale)
