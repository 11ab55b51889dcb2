"""Hold'em through the MCCFR kernel: showdown values, the hand-strength abstraction, learning."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from holdem import evaluate
from holdem.abstraction.deal import deal_buckets, sample_deal, showdown_values
from holdem.abstraction.hand_strength import HS_SCALE, hand_strengths, preflop_class, preflop_label
from holdem.config import load_config
from holdem.core.rng import seed_state
from holdem.eval.match import head_to_head
from holdem.mccfr.infoset import action_labels, row_of
from holdem.mccfr.policy import average_policy
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver import Solver


@pytest.fixture(scope="module")
def small():
    cfg = load_config("configs/nlhe-hu-small-hs.yaml")
    return cfg, build_problem(cfg.game, cfg.abstraction)


def test_preflop_classes():
    counts = np.zeros(169, dtype=int)
    for a, b in itertools.combinations(range(52), 2):
        assert preflop_class(a, b) == preflop_class(b, a)
        counts[preflop_class(a, b)] += 1
    assert sorted(set(counts)) == [4, 6, 12]  # suited, pairs, offsuit
    assert (counts == 6).sum() == 13 and (counts == 4).sum() == 78 and (counts == 12).sum() == 78
    labels = {preflop_label(c) for c in range(169)}
    assert len(labels) == 169 and {"AA", "AKs", "AKo", "72o", "22"} <= labels
    from holdem import parse_cards
    assert preflop_label(preflop_class(*parse_cards("AhKh"))) == "AKs"
    assert preflop_label(preflop_class(*parse_cards("7c2d"))) == "72o"


def _brute_hs(hole: list[int], board: list[int]) -> float:
    rest = [c for c in range(52) if c not in hole + board]
    mine = evaluate(hole + board)
    score = 0
    total = 0
    for opp in itertools.combinations(rest, 2):
        v = evaluate(list(opp) + board)
        score += 2 if mine > v else 1 if mine == v else 0
        total += 2
    return score / total


@pytest.mark.parametrize("nb", [3, 4, 5])
def test_hand_strength_matches_brute_force(nb):
    rng = np.random.default_rng(nb)
    for _ in range(3):
        cards = rng.choice(52, size=2 + nb, replace=False)
        holes = np.array([cards[:2]], dtype=np.int64)
        board = np.zeros(5, dtype=np.int64)
        board[:nb] = cards[2:]
        out = np.zeros(1, dtype=np.int64)
        hand_strengths(holes, board, nb, out)
        expected = _brute_hs(list(map(int, cards[:2])), list(map(int, cards[2:])))
        assert out[0] / HS_SCALE == pytest.approx(expected, abs=2 / HS_SCALE)


def test_kernel_showdown_uses_the_evaluator(small):
    _, problem = small
    dm = problem.deal_model
    rng = seed_state(3)
    deck = np.arange(52, dtype=np.int64)
    deal = np.zeros(9, dtype=np.int64)
    values = np.zeros(2, dtype=np.int64)
    buckets = np.zeros((2, 4), dtype=np.int64)
    for _ in range(200):
        sample_deal(dm, deck, rng, deal)
        showdown_values(dm, deal, values)
        deal_buckets(dm, deal, buckets)
        for p in range(2):
            assert values[p] == evaluate([int(deal[2 * p]), int(deal[2 * p + 1])] + list(map(int, deal[4:])))
            assert buckets[p, 0] == preflop_class(deal[2 * p], deal[2 * p + 1])
        assert np.all(buckets[:, 1:] < 8) and np.all(buckets >= 0)


@pytest.mark.timeout(300)
def test_small_preset_learns(small):
    cfg, problem = small
    solver = Solver(problem, cfg.solver, seed=0)
    solver.run(20_000)
    pol = average_policy(problem.layout, solver.tables.strategy)
    for hand in ("AhAs", "AdAc", "AsAc"):  # the unraised small blind never folds aces
        row, node = row_of(problem, hand, "", "")
        probs = dict(zip(action_labels(problem, node), pol[problem.layout.row_slots(row)]))
        assert probs["f"] < 0.001, probs
    blueprint = head_to_head(problem, pol, "always-call", deals=20_000, seed=1)
    uniform = head_to_head(problem, "uniform", "always-call", deals=20_000, seed=1)
    print(f"\nvs always-call: blueprint {blueprint}; uniform random {uniform}")
    # the blueprint does clearly better than uniform random: the intervals do not overlap
    assert blueprint.mbb_per_hand - blueprint.ci95_mbb > uniform.mbb_per_hand + uniform.ci95_mbb
    selfplay = head_to_head(problem, pol, pol, deals=20_000, seed=2)
    assert abs(selfplay.mbb_per_hand) < 1.5 * selfplay.ci95_mbb  # against itself: 0 within noise


@pytest.mark.timeout(300)
def test_three_player_holdem_runs_through_the_kernel():
    from holdem.game.spec import no_limit_holdem
    spec = no_limit_holdem(num_players=3, stacks=[30, 30, 30],
                           raise_sizes=(((1.0,),), ((1.0,),), ((1.0,),), ((1.0,),)), max_raises=(2, 1, 1, 1))
    problem = build_problem(spec, {"kind": "hand-strength", "k_flop": 4, "k_turn": 4, "k_river": 4})
    from holdem.mccfr.solver_config import SolverConfig
    solver = Solver(problem, SolverConfig(), seed=1, check_updates=True)
    solver.run(2_000)
    from holdem.mccfr.external_sampling import STAT_REGRET_UPDATES, STAT_STRATEGY_UPDATES
    assert solver.tables.updates.sum() == solver.stats[STAT_REGRET_UPDATES] + solver.stats[STAT_STRATEGY_UPDATES]
    assert np.isfinite(solver.tables.regret).all() and (solver.tables.updates > 0).sum() > 100
