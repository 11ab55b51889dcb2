"""Evaluation of heads-up Hold'em blueprints: head-to-head, LBR, translation, the eval CLI."""
from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from holdem.abstraction.deal import deal_buckets, sample_deal
from holdem.config import load_config
from holdem.core.evaluator import evaluate
from holdem.core.rng import seed_state
from holdem.eval.equity import win_probabilities
from holdem.eval.lbr import LBRConfig, local_best_response
from holdem.eval.match import head_to_head
from holdem.eval.ranges import PAIR_HI, PAIR_LO, _range_buckets
from holdem.eval.rule_bots import rule_strategy
from holdem.eval.translation import AbstractHand, raise_fraction, translate_bet, translation_probabilities
from holdem.game.rules import CALL, RAISE, Action, initial_state
from holdem.mccfr.policy import average_policy
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver import Solver

ROOT = Path(__file__).resolve().parent.parent
EARLY, LATE = 1_000, 20_000


@pytest.fixture(scope="module")
def small():
    """The small preset trained in-process: (problem, early average strategy, late one)."""
    cfg = load_config(ROOT / "configs" / "nlhe-hu-small-hs.yaml")
    problem = build_problem(cfg.game, cfg.abstraction)
    solver = Solver(problem, cfg.solver, seed=0)
    solver.run(EARLY)
    early = average_policy(problem.layout, solver.tables.strategy)
    solver.run(LATE - EARLY)
    late = average_policy(problem.layout, solver.tables.strategy)
    return problem, early, late


# -- head-to-head -------------------------------------------------------------------------

@pytest.mark.timeout(120)
def test_head_to_head_self_is_zero_and_beats_always_call(small):
    problem, early, late = small
    me = head_to_head(problem, late, late, deals=20_000, seed=3)
    assert abs(me.mbb_per_hand) <= me.ci95_mbb and me.ci95_mbb < 200
    late_call = head_to_head(problem, late, "always-call", deals=20_000, seed=3)
    early_call = head_to_head(problem, early, "always-call", deals=20_000, seed=3)
    print(f"\nvs always-call: early ({EARLY}) {early_call}; late ({LATE}) {late_call}; self {me}")
    assert late_call.mbb_per_hand - late_call.ci95_mbb > 0
    # not worse beyond noise (the same seed deals the same cards to both)
    assert late_call.mbb_per_hand >= early_call.mbb_per_hand - math.hypot(late_call.ci95_mbb, early_call.ci95_mbb)


# -- LBR ----------------------------------------------------------------------------------

@pytest.mark.timeout(120)
def test_lbr_beats_always_fold_by_exactly_750(small):
    problem, _, _ = small
    # LBR raises as the small blind (the big blind folds: +2) and the blueprint folds its
    # small blind (+1): 1.5 chips = 750 mbb per hand with blinds 1/2, with no variance
    r = local_best_response(problem, rule_strategy(problem, "always-fold"), deals=150, seed=1)
    print(f"\nalways-fold: {r}")
    assert r.mbb_per_hand == pytest.approx(750.0, abs=1e-9) and r.ci95_mbb == pytest.approx(0.0, abs=1e-9)
    assert r.hands == 300 and r.decisions == 150  # one decision per deal: LBR's open as small blind
    # so does any agent that opens with a raise as small blind (a limp lets always-fold check)
    m = head_to_head(problem, "min-raise", rule_strategy(problem, "always-fold"), deals=2_000, seed=1)
    assert m.mbb_per_hand == pytest.approx(750.0, abs=1e-9)


@pytest.mark.timeout(120)
def test_lbr_exploits_uniform_and_improves_with_training(small):
    problem, early, late = small
    uni = local_best_response(problem, rule_strategy(problem, "uniform"), deals=500, seed=2)
    assert uni.mbb_per_hand - uni.ci95_mbb > 500
    r_early = local_best_response(problem, early, deals=700, seed=2)
    r_late = local_best_response(problem, late, deals=700, seed=2)
    print(f"\nLBR vs uniform: {uni}\nLBR vs early ({EARLY} it): {r_early}\nLBR vs late ({LATE} it): {r_late}")
    noise = math.hypot(r_early.ci95_mbb, r_late.ci95_mbb)
    assert r_late.mbb_per_hand <= r_early.mbb_per_hand + noise
    assert r_early.mbb_per_hand - r_early.ci95_mbb > 0  # an early blueprint is clearly exploitable
    assert uni.mbb_per_hand > r_early.mbb_per_hand > r_late.mbb_per_hand


@pytest.mark.timeout(120)
def test_lbr_does_not_depend_on_threads_and_validates(small):
    problem, _, late = small
    one = local_best_response(problem, late, deals=40, seed=9, config=LBRConfig(flop_runouts=0))
    two = local_best_response(problem, late, deals=40, seed=9, config=LBRConfig(flop_runouts=0), threads=2)
    assert (one.chips_per_hand, one.decisions) == (two.chips_per_hand, two.decisions)
    with pytest.raises(ValueError, match="shape"):
        local_best_response(problem, late[:10], deals=10)
    leduc = build_problem(load_config(ROOT / "configs" / "leduc.yaml").game)
    with pytest.raises(ValueError, match="heads-up Texas Hold'em"):
        local_best_response(leduc, np.zeros(leduc.layout.num_slots))


@pytest.mark.timeout(120)
def test_range_buckets_match_the_kernel(small):
    """LBR buckets every candidate hand exactly as training buckets the dealt ones."""
    problem, _, _ = small
    dm = problem.deal_model
    rng = seed_state(5)
    deck = np.arange(52, dtype=np.int64)
    deal = np.zeros(9, dtype=np.int64)
    kernel = np.zeros((2, 4), dtype=np.int64)
    mine = np.zeros(1326, dtype=np.int64)
    for _ in range(10):
        sample_deal(dm, deck, rng, deal)
        deal_buckets(dm, deal, kernel)
        weight = np.ones(1326)
        for street in range(4):
            _range_buckets(dm, street, deal[4:], weight, -1, mine)
            for p in range(2):
                lo, hi = sorted(deal[2 * p:2 * p + 2])
                assert mine[hi * (hi - 1) // 2 + lo] == kernel[p, street]


def test_win_probabilities_are_exact_on_turn_and_river():
    me = [51, 47]  # As Ks
    board = np.array([0, 13, 26, 43, 8], dtype=np.int64)  # 2c 5d 8h Qs 4c
    weight = np.zeros(1326)
    hands = [h for h in range(1326) if not {PAIR_LO[h], PAIR_HI[h]} & set(me + list(board))]
    picks = hands[::97]
    weight[picks] = 1.0
    w = np.zeros(1326)
    win_probabilities(me[0], me[1], board, 5, weight, 0, seed_state(0), w)
    for h in picks:
        mine, theirs = evaluate(me + list(board)), evaluate([PAIR_LO[h], PAIR_HI[h]] + list(board))
        assert w[h] == (1.0 if mine > theirs else 0.5 if mine == theirs else 0.0)
    win_probabilities(me[0], me[1], board, 4, weight, 0, seed_state(0), w)
    for h in picks[:4]:
        opp = [PAIR_LO[h], PAIR_HI[h]]
        score = n = 0
        for c in range(52):
            if c in me or c in opp or c in board[:4]:
                continue
            a, b = evaluate(me + list(board[:4]) + [c]), evaluate(opp + list(board[:4]) + [c])
            score += 2 if a > b else 1 if a == b else 0
            n += 2
        assert w[h] == pytest.approx(score / n, abs=1e-12)


# -- translation --------------------------------------------------------------------------

def test_pseudo_harmonic_mapping():
    assert translate_bet(0.5, 0.5, 1.0) == (1.0, 0.0)
    assert translate_bet(1.0, 0.5, 1.0) == (0.0, 1.0)
    # Ganzfried & Sandholm's formula at one point: (B - x)(1 + A) / ((B - A)(1 + x))
    assert translate_bet(0.75, 0.5, 1.0)[0] == pytest.approx(0.25 * 1.5 / (0.5 * 1.75))
    xs = np.linspace(0.5, 1.0, 51)
    lower = [translate_bet(x, 0.5, 1.0)[0] for x in xs]
    assert all(b <= a for a, b in zip(lower, lower[1:])) and lower[0] == 1.0 and lower[-1] == 0.0
    assert all(abs(sum(translate_bet(x, 0.33, 2.83)) - 1.0) < 1e-12 for x in np.linspace(0, 4, 41))
    assert translation_probabilities(0.1, [0.5, 1.0, 3.0]) == [1.0, 0.0, 0.0]
    assert translation_probabilities(5.0, [0.5, 1.0, 3.0]) == [0.0, 0.0, 1.0]
    probs = translation_probabilities(2.0, [0.5, 1.0, 3.0])
    assert probs[0] == 0.0 and probs[1] == pytest.approx(translate_bet(2.0, 1.0, 3.0)[0]) and sum(probs) == 1.0
    assert raise_fraction(18, 6, 12) == 1.0
    with pytest.raises(ValueError):
        translate_bet(0.5, 1.0, 0.5)


def test_abstract_hand_follows_real_sizes(small):
    problem, _, _ = small
    spec, tree = problem.spec, problem.tree
    state = initial_state(spec)
    hand = AbstractHand(problem, np.random.default_rng(0))
    assert hand.observe(state, Action(RAISE, 6))[1] == {"r6": 1.0}  # on the tree: exact
    state = state.apply(Action(RAISE, 6))
    assert tree.betting_string(hand.node) == "r6"
    # facing r6 the tree has r18 (pot) and r40 (all-in); r25 lies between them
    seen = set()
    for seed in range(40):
        h = AbstractHand(problem, np.random.default_rng(seed))
        h.node = hand.node
        edge, probs = h.observe(state, Action(RAISE, 25))
        seen.add(tree.action_label(edge))
        lo = translate_bet(raise_fraction(25, 6, 12), raise_fraction(18, 6, 12), raise_fraction(40, 6, 12))[0]
        assert probs["r18"] == pytest.approx(lo)
    assert seen == {"r18", "r40"}
    # the bot's own actions: exact amounts while the chips match the tree
    edges = range(tree.first_edge[hand.node], tree.first_edge[hand.node] + tree.num_actions[hand.node])
    r18 = next(e for e in edges if tree.action_label(e) == "r18")
    assert hand.to_real(state, r18) == Action(RAISE, 18)
    # off the tree the same pot fraction of the real pot: r10 read as r18 -> pot 20, bet 10
    real = initial_state(spec).apply(Action(RAISE, 10))
    assert hand.to_real(real, r18) == Action(RAISE, 10 + 20)
    # a raise where the abstraction allows none leaves the tree; the caller then checks/calls
    h = AbstractHand(problem, np.random.default_rng(0))
    s = initial_state(spec)
    for a in (Action(CALL), Action(CALL), Action(RAISE, 5), Action(RAISE, 12)):
        h.observe(s, a)
        s = s.apply(a)
    assert tree.betting_string(h.node) == "cc/r5r12"
    h.observe(s, Action(RAISE, 25))  # legal, but the flop allows two raises in the abstraction
    assert h.node == -1 and "raise cap" in h.off_tree
    assert not h.in_step(s.apply(Action(RAISE, 25)))


# -- the eval CLI -------------------------------------------------------------------------

def cli(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", f"holdem.cli.{module}", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"))


@pytest.mark.timeout(240)
def test_eval_cli_heads_up(tmp_path):
    run = tmp_path / "run"
    r = cli("train_blueprint", "--config", "configs/nlhe-hu-small-hs.yaml", "--iters", "10000", "--logdir", str(run),
            "--checkpoint-interval", "5000")
    assert r.returncode == 0, r.stderr
    snap = run / "snapshots" / "iter_000000005000"
    r = cli("eval_blueprint", "--policy", str(run), "--all-snapshots", "--opponents", f"always-call,{snap}",
            "--hands", "2000", "--lbr-tree", "--lbr-hands", "60")
    assert r.returncode == 0, r.stderr
    assert "LBR tree" in r.stdout and "vs always-call" in r.stdout and "vs iter_000000005000" in r.stdout
    results = json.loads((run / "eval.json").read_text())
    assert [x["iteration"] for x in results] == [5000, 10000]  # final/ replaces the 10000 snapshot
    last = results[-1]
    assert last["head_to_head"]["always-call"]["deals"] == 2000 and last["lbr_tree"]["hands"] == 120
    assert last["head_to_head"][str(snap)]["ci95_mbb"] > 0
    if importlib.util.find_spec("matplotlib") is None:
        r = cli("eval_blueprint", "--policy", str(run), "--plot")
        assert r.returncode == 2 and "matplotlib" in r.stderr and r.stderr.count("\n") == 1
    r = cli("eval_blueprint", "--policy", str(run), "--opponents", "nobody", "--force")
    assert r.returncode == 2 and "nobody" in r.stderr and r.stderr.count("\n") == 1
    r = cli("eval_blueprint", "--policy", str(run), "--opponents", "always-call", "--hands", "100")
    assert r.returncode == 2 and "eval.json: exists; pass --force" in r.stderr  # results are kept
    assert [x["iteration"] for x in json.loads((run / "eval.json").read_text())] == [5000, 10000]
