"""Evaluation in the real game: agents through translation, rotation matches, LBR as published."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from holdem.config import load_config
from holdem.eval.agents import BlueprintStrategy, RuleStrategy, StrategyAgent
from holdem.eval.blueprint import Blueprint
from holdem.eval.lbr_real import _Belief, candidate_raises, parse_setting, real_lbr
from holdem.eval.real_match import deal_cards, play_hand, rotation_match
from holdem.eval.translation import edge_to_real, translate_action
from holdem.game.referee import replay
from holdem.game.rules import initial_state
from holdem.mccfr.policy import average_policy, current_policy
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver import Solver

ROOT = Path(__file__).resolve().parent.parent


def _train(cfg, iters: int, name: str) -> BlueprintStrategy:
    problem = build_problem(cfg.game, cfg.abstraction)
    solver = Solver(problem, cfg.solver, seed=0)
    solver.run(iters)
    bp = Blueprint(cfg, problem, average_policy(problem.layout, solver.tables.strategy),
                   current_policy(problem.layout, solver.tables.regret), iters, Path(name), {})
    return BlueprintStrategy(bp, name)


@pytest.fixture(scope="module")
def hu():
    """Two blueprints of the small heads-up game with different bet sizes (one real game)."""
    cfg = load_config(ROOT / "configs" / "nlhe-hu-small-hs.yaml")
    a = _train(cfg, 20_000, "A")
    other = replace(cfg, game=replace(cfg.game, raise_sizes=(((0.5, 2.0),), ((0.5, 1.5),), ((0.5,),), ((1.0,),))))
    b = _train(other, 20_000, "B")
    return a, b


@pytest.mark.timeout(120)
def test_lbr_settings_parse_and_refuse_bad_ones():
    assert parse_setting("fcpa:3-4").rounds == (2, 3) and parse_setting("fcpa:3-4").label == "fcpa 3-4"
    assert parse_setting("56bets").label == "56bets 1-4" and len(parse_setting("56bets").fractions) == 55
    assert parse_setting("fc").fractions == () and not parse_setting("fc").allin
    for bad in ("fcx", "fc:0-4", "fc:3-2", "fc:1-5", "fc:x", "fc:1"):
        with pytest.raises(ValueError, match="--lbr"):
            parse_setting(bad)


@pytest.mark.timeout(300)
def test_always_fold_loses_exactly_750_to_every_betting_setting(hu):
    spec = hu[0].spec
    fold = RuleStrategy("always-fold", spec)
    for s in ("fcpa", "fcpa:3-4", "56bets", "56bets:3-4"):
        r = real_lbr(fold, replace(parse_setting(s), preflop_runouts=50, flop_runouts=20), deals=30, seed=1)
        # LBR opens as small blind (the big blind folds: +2) and wins the folded small blind (+1)
        assert r.mbb_per_hand == pytest.approx(750.0, abs=1e-9) and r.ci95_mbb == pytest.approx(0.0, abs=1e-9), s
    # fc cannot bet: a limped pot is checked down, so only the folded small blind is won
    fc = real_lbr(fold, replace(parse_setting("fc"), preflop_runouts=50, flop_runouts=20), deals=30, seed=1)
    assert 0.0 < fc.mbb_per_hand < 750.0


@pytest.mark.timeout(300)
def test_lbr_fc_against_always_call_is_exactly_zero_by_duplicate(hu):
    # neither side bets: every hand is checked down, and the two seatings of a deal cancel
    r = real_lbr(RuleStrategy("always-call", hu[0].spec), replace(parse_setting("fc"), preflop_runouts=50,
                                                                   flop_runouts=20), deals=20, seed=2)
    assert r.chips_per_hand == 0.0 and r.decisions == 20 * 2 * 4


@pytest.mark.timeout(600)
def test_always_call_loses_to_lbr_far_more_than_the_blueprint(hu):
    a, _ = hu
    setting = replace(parse_setting("fcpa:3-4"), flop_runouts=50)
    call = real_lbr(RuleStrategy("always-call", a.spec), setting, deals=300, seed=3)
    bp = real_lbr(a, setting, deals=300, seed=3)
    print(f"\n{call}\n{bp}")
    assert call.mbb_per_hand - call.ci95_mbb > bp.mbb_per_hand + bp.ci95_mbb
    assert call.mbb_per_hand > 2000


@pytest.mark.timeout(300)
def test_blueprint_against_itself_through_translation_is_zero(hu):
    a, _ = hu
    twin = BlueprintStrategy(a.bp, "A-twin")
    m = rotation_match(a.spec, a, twin, deals=2_000, seed=4)
    print(f"\n{m}")
    assert abs(m.mbb_per_hand) <= m.ci95_mbb and m.ci95_mbb < 400


@pytest.mark.timeout(300)
def test_cross_abstraction_match_is_antisymmetric_and_beats_always_call(hu):
    a, b = hu
    ab = rotation_match(a.spec, a, b, deals=500, seed=5)
    ba = rotation_match(a.spec, b, a, deals=500, seed=5)
    print(f"\n{ab}\n{ba}")
    # the same deals, seats and streams: one match seen from the other side
    assert ab.chips_per_hand == pytest.approx(-ba.chips_per_hand, abs=1e-9)
    call = rotation_match(a.spec, b, RuleStrategy("always-call", a.spec), deals=1_000, seed=5)
    assert call.mbb_per_hand - call.ci95_mbb > 0


@pytest.mark.timeout(120)
def test_hands_follow_the_rules_and_the_referee_pays_the_same(hu):
    a, b = hu
    spec = a.spec
    agents = [StrategyAgent(a), StrategyAgent(b)]
    for d in range(200):
        holes, board = deal_cards(spec, np.random.default_rng([7, d]))
        rec = play_hand(spec, agents, holes, board, [np.random.default_rng([d, p]) for p in range(2)], d)
        shown = rec.board_shown()
        assert list(rec.payoffs) == replay(spec, [list(h) for h in holes], list(shown), rec.betting())
        for dec in rec.decisions:
            assert math.isclose(sum(p for _, p in dec.policy), 1.0, abs_tol=1e-9)
            assert dec.action in [x for x, _ in dec.policy]


@pytest.mark.timeout(120)
def test_own_sizes_translate_to_themselves(hu):
    a, _ = hu
    problem = a.problem
    state = initial_state(problem.spec)
    tree = problem.tree
    for k in range(int(tree.num_actions[0])):
        e = int(tree.first_edge[0]) + k
        action = edge_to_real(problem, 0, state, e)
        children, probs, why = translate_action(problem, 0, state, action)
        assert not why and children == [int(tree.edge_child[e])] and probs == [1.0]


@pytest.mark.timeout(120)
def test_lbr_belief_is_bayes_over_translation(hu):
    a, _ = hu
    spec = a.spec
    state = initial_state(spec)
    belief = _Belief(a, (0, 1))
    belief.new_street(0, np.zeros(5, dtype=np.int64), ())
    # an off-tree open splits the belief over the two neighbouring abstract raises
    sizes = candidate_raises(state, parse_setting("56bets"))
    odd = next(x for x in sizes if 6 < x < 36)  # between the pot-sized open (6) and all-in (40)
    from holdem.game.rules import RAISE, Action
    belief.after_other(state, Action(RAISE, odd))
    assert len(belief.hyp) == 2 and math.isclose(sum(float(w.sum()) for w in belief.hyp.values()), 1.0)
    children, probs, _ = translate_action(a.problem, 0, state, Action(RAISE, odd))
    for c, p in zip(children, probs):
        assert math.isclose(float(belief.hyp[c].sum()), p, rel_tol=1e-9)


@pytest.mark.timeout(600)
def test_six_max_rotation_cancels_position():
    cfg = load_config(ROOT / "configs" / "nlhe-hu-small-hs.yaml")
    six = replace(cfg, game=replace(cfg.game, num_players=6, stacks=(40,) * 6, max_raises=(1, 1, 0, 0)),
                  abstraction={"kind": "hand-strength", "k_flop": 4, "k_turn": 4, "k_river": 4})
    bp = _train(six, 20_000, "six")
    spec = bp.spec
    # identical agents everywhere: the lone seat's mean over the six rotations is exactly 0
    calls = rotation_match(spec, RuleStrategy("always-call", spec), RuleStrategy("always-call", spec), 50, seed=6)
    assert calls.chips_per_hand == 0.0 and calls.hands == 300
    me = rotation_match(spec, bp, BlueprintStrategy(bp.bp, "six-twin"), 300, seed=6)
    print(f"\n{me}")
    assert abs(me.mbb_per_hand) <= me.ci95_mbb
    # a blueprint alone against five always-call bots wins, and one such bot against five blueprints loses
    lone = rotation_match(spec, bp, RuleStrategy("always-call", spec), 1_500, seed=6)
    field = rotation_match(spec, RuleStrategy("always-call", spec), bp, 1_500, seed=6)
    print(f"{lone}\n{field}")
    assert lone.mbb_per_hand - lone.ci95_mbb > 0 and field.mbb_per_hand + field.ci95_mbb < 0


def _cli(module: str, *args: str):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", f"holdem.cli.{module}", *args], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"))


@pytest.mark.timeout(900)
def test_eval_cli_real_game(tmp_path):
    import json

    import yaml

    other_cfg = yaml.safe_load((ROOT / "configs" / "nlhe-hu-small-hs.yaml").read_text())
    other_cfg["game"]["raise_sizes"] = [[[0.5, 2.0]], [[0.5, 1.5]], [[0.5]], [[1.0]]]
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(other_cfg))
    run, other = tmp_path / "run", tmp_path / "other"
    for logdir, config in ((run, "configs/nlhe-hu-small-hs.yaml"), (other, str(tmp_path / "other.yaml"))):
        r = _cli("train_blueprint", "--config", config, "--iters", "10000", "--logdir", str(logdir))
        assert r.returncode == 0, r.stderr
    hh = tmp_path / "hh"
    args = ["--policy", str(run), "--vs", str(other), "--vs", "always-call", "--hands", "200",
            "--lbr", "fcpa:3-4", "--lbr", "fc", "--lbr-hands", "20", "--aivat", "--phh", str(hh)]
    r = _cli("eval_blueprint", *args)
    assert r.returncode == 0, r.stderr
    assert "real vs other" in r.stdout and "LBR fcpa 3-4" in r.stdout and "LBR fc 1-4 AIVAT" in r.stdout
    result = json.loads((run / "eval.json").read_text())[-1]
    match = result["real_match"][str(other)]["heads-up"]
    assert match["deals"] == 200 and match["hands"] == 400 and match["aivat"]["variance_ratio"] > 1
    assert result["lbr"]["fcpa 3-4"]["hands"] == 40 and "ci95_mbb" in result["lbr"]["fc 1-4"]
    files = sorted(p.name for p in hh.iterdir())
    assert files == ["iter_000000010000-lbr-fc.phhs", "iter_000000010000-lbr-fcpa_3-4.phhs",
                     "iter_000000010000-vs-always-call.phhs", "iter_000000010000-vs-other.phhs"]
    from holdem.eval.phh import read_phhs

    assert len(read_phhs(hh / "iter_000000010000-vs-other.phhs")) == 400
    r = _cli("replay_phh", str(hh / "iter_000000010000-lbr-fcpa_3-4.phhs"))
    assert r.returncode == 0, r.stdout + r.stderr
    # the results and hand histories are kept: a second run refuses, naming the first existing file
    r = _cli("eval_blueprint", *args, "--out", str(tmp_path / "new.json"))
    assert r.returncode == 2 and "--phh" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "new.json").exists()


@pytest.mark.timeout(300)
def test_eval_ctrl_c_keeps_the_deals_played(tmp_path):
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    run = tmp_path / "run"
    r = _cli("train_blueprint", "--config", "configs/nlhe-hu-small-hs.yaml", "--iters", "2000", "--logdir", str(run))
    assert r.returncode == 0, r.stderr
    hh = tmp_path / "hh"
    proc = subprocess.Popen([sys.executable, "-m", "holdem.cli.eval_blueprint", "--policy", str(run), "--vs",
                             "always-call", "--hands", "10000000", "--phh", str(hh)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not (hh.exists() and any(p.stat().st_size > 10_000 for p in hh.iterdir())):
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    m = json.loads((run / "eval.json").read_text())[-1]["real_match"]["always-call"]["heads-up"]
    assert m["interrupted"] and 0 < m["deals"] < 10_000_000
    from holdem.eval.phh import read_phhs

    # every hand of the deals counted is in the hand history (and maybe those of the deal cut short)
    assert len(read_phhs(next(hh.iterdir()))) >= 2 * m["deals"]
