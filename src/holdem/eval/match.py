"""Head-to-head matches between two heads-up agents inside the abstract game, in numba.

Agents are strategy tables (rows x actions, e.g. a blueprint's average strategy); a rule
bot (always-fold, always-call, uniform, min-raise) is named and played as its table from
:mod:`holdem.eval.rule_bots`.

Duplicate deals: every sampled deal is played twice with the seats swapped, and the
result of a deal is the mean of agent A's two payoffs, which cancels most of the luck of
the cards. Results are reported in chips and in mbb/hand (milli-big-blinds per hand) with a
95% confidence interval over deals (normal approximation; deals are independent).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from holdem.abstraction.deal import DealModel, deal_buckets, sample_deal, showdown_values
from holdem.core.payoff import hand_payoffs
from holdem.core.rng import sample_action, seed_state
from holdem.eval.results import mean_ci
from holdem.eval.rule_bots import RULE_BOTS, rule_strategy
from holdem.mccfr.layout import ACTIVE, FIRST_EDGE, NUM_ACTIONS, PLAYER, STREET, TERMINAL, slot_of
from holdem.mccfr.problem import Problem


@njit(cache=True)
def play_duplicate(node_info: np.ndarray, contrib: np.ndarray, edge_child: np.ndarray, dm: DealModel,
                   policy_a: np.ndarray, policy_b: np.ndarray, num_deals: int, rng: np.ndarray) -> np.ndarray:
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
                row = slot_of(node_info, node, buckets[p, node_info[node, STREET]])
                if p == seat_a:
                    a = sample_action(policy_a, row, nact, rng)
                else:
                    a = sample_action(policy_b, row, nact, rng)
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
    """Play ``deals`` duplicate deals; agents are strategy tables or rule-bot names (``RULE_BOTS``)."""
    if problem.spec.num_players != 2:
        raise ValueError("head-to-head matches are heads-up only")

    def table(x: str | np.ndarray) -> np.ndarray:
        if isinstance(x, str):
            if x not in RULE_BOTS:
                raise ValueError(f"unknown agent {x!r}: use a strategy table or one of {sorted(RULE_BOTS)}")
            x = rule_strategy(problem, x)
        return np.ascontiguousarray(x, dtype=np.float64)

    layout = problem.layout
    results = play_duplicate(layout.node_info, layout.contrib, layout.edge_child, problem.deal_model,
                             table(agent_a), table(agent_b), deals, seed_state(seed, 77))
    scale = 1000.0 / problem.spec.big_blind
    mean, half = mean_ci(results)
    return MatchResult(deals, mean, mean * scale, half * scale)
