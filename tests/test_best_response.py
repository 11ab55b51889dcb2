"""Exact best response checked against an independent brute force over pure strategies."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from holdem.mccfr.best_response import best_response_values, exploitability, expected_values, nash_conv
from holdem.mccfr.infoset import infoset_key
from holdem.mccfr.policy import uniform_policy
from holdem.mccfr.solver import Solver
from holdem.mccfr.solver_config import SolverConfig

# Kuhn written out by hand, independent of the tree builder: histories with the player to
# act, terminal payoffs for player 0 given who has the higher card.
KUHN_ACTIONS = {"": ["c", "r2"], "c": ["c", "r2"], "r2": ["f", "c"], "cr2": ["f", "c"]}
CARDS = "JQK"


def kuhn_payoff0(history: str, c0: int, c1: int) -> float | None:
    win = 1 if c0 > c1 else -1
    return {"cc": win, "r2f": 1, "r2c": 2 * win, "cr2f": -1, "cr2c": 2 * win}.get(history)


def kuhn_value(strategies, history: str, c0: int, c1: int) -> float:
    """Player 0's value; strategies[p](card, history) -> {action: prob}."""
    v = kuhn_payoff0(history, c0, c1)
    if v is not None:
        return v
    p = len(history.replace("r2", "r")) % 2
    probs = strategies[p](c0 if p == 0 else c1, history)
    return sum(pr * kuhn_value(strategies, history + a, c0, c1) for a, pr in probs.items() if pr)


def brute_force_br(policy_of, br_player: int) -> float:
    """Best pure strategy of br_player against policy_of (checked over all 2^6 of them)."""
    infosets = [(c, h) for c in range(3) for h in KUHN_ACTIONS if (len(h.replace("r2", "r")) % 2) == br_player]
    best = -np.inf
    for choice in itertools.product(*[range(2) for _ in infosets]):
        pure = {i: KUHN_ACTIONS[i[1]][k] for i, k in zip(infosets, choice)}

        def mine(card, h, pure=pure):
            return {pure[(card, h)]: 1.0}
        strategies = [mine, policy_of] if br_player == 0 else [policy_of, mine]
        total = 0.0
        for c0, c1 in itertools.permutations(range(3), 2):
            v = kuhn_value(strategies, "", c0, c1)
            total += (v if br_player == 0 else -v) / 6
        best = max(best, total)
    return best


def uniform(card, history):
    acts = KUHN_ACTIONS[history]
    return {a: 1 / len(acts) for a in acts}


def test_uniform_kuhn_exploitability_matches_brute_force(kuhn_problem, kuhn_deals):
    independent = (brute_force_br(uniform, 0) + brute_force_br(uniform, 1)) / 2
    assert independent == pytest.approx(0.458333, abs=1e-6)  # published value
    ours = exploitability(kuhn_problem.layout, kuhn_deals, uniform_policy(kuhn_problem.layout))
    assert ours == pytest.approx(independent, abs=1e-12)


def test_trained_kuhn_br_matches_brute_force(kuhn_problem, kuhn_deals):
    solver = Solver(kuhn_problem, SolverConfig(use_linear_weighting=False), seed=3)
    solver.run(2_000)  # far from equilibrium on purpose: best responses differ from uniform's
    from holdem.mccfr.policy import average_policy
    pol = average_policy(kuhn_problem.layout, solver.tables.strategy)
    table = {}
    for row in range(kuhn_problem.layout.num_rows):
        hole, _, betting = infoset_key(kuhn_problem, row).split("|")
        node, _ = kuhn_problem.layout.node_of_row(row)
        from holdem.mccfr.infoset import action_labels
        probs = pol[kuhn_problem.layout.row_slots(row)]
        table[(CARDS.index(hole[0]), betting)] = dict(zip(action_labels(kuhn_problem, node), probs))
    policy_of = lambda card, h: table[(card, h)]  # noqa: E731
    br = best_response_values(kuhn_problem.layout, kuhn_deals, pol)
    assert br[0] == pytest.approx(brute_force_br(policy_of, 0), abs=1e-9)
    assert br[1] == pytest.approx(brute_force_br(policy_of, 1), abs=1e-9)
    ev = expected_values(kuhn_problem.layout, kuhn_deals, pol)
    strategies = [policy_of, policy_of]
    direct = sum(kuhn_value(strategies, "", c0, c1) for c0, c1 in itertools.permutations(range(3), 2)) / 6
    assert ev[0] == pytest.approx(direct, abs=1e-9)
    assert ev.sum() == pytest.approx(0.0, abs=1e-12)  # zero-sum


def test_uniform_leduc_exploitability(leduc_problem, leduc_deals):
    value = exploitability(leduc_problem.layout, leduc_deals, uniform_policy(leduc_problem.layout))
    assert value == pytest.approx(2.373611, abs=1e-6)


def test_exploitability_never_negative(leduc_problem, leduc_deals):
    rng = np.random.default_rng(0)
    from holdem.mccfr.policy import average_policy
    for _ in range(5):
        random_policy = average_policy(leduc_problem.layout,
                                       rng.random(leduc_problem.layout.num_slots))
        assert nash_conv(leduc_problem.layout, leduc_deals, random_policy) >= 0.0
