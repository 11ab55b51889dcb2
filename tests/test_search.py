"""Depth-limited search (holdem.search): exact sums with card removal, subgame convergence,
Leduc exactly (the search's own policy judged by exact best response), the Hold'em agent
in real matches, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.core.cards import parse_cards
from holdem.game.rules import initial_state
from holdem.game.spec import leduc, no_limit_holdem
from holdem.mccfr.best_response import exploitability
from holdem.mccfr.policy import average_policy
from holdem.mccfr.solver import Solver
from holdem.mccfr.solver_config import SolverConfig
from holdem.search.config import SearchConfig, config_from_dict
from holdem.search.hands import HandSet, sample_runouts
from holdem.search.resolve import SubgameSolver
from holdem.search.small_game import search_policy
from holdem.search.solver import fold_sums, showdown_sums
from holdem.search.subgame import ALLIN, LEAF, build_subgame

pytestmark = pytest.mark.timeout(600)
NO_RUNOUTS = np.zeros((0, 0), dtype=np.int64)


def test_terminal_sums_match_brute_force():
    spec = no_limit_holdem(2, [400, 400])
    hands = HandSet(spec)
    board = tuple(parse_cards("AsKd7h2c9s"))
    rng = np.random.default_rng(1)
    w = rng.random(hands.size) * hands.live(board)
    w[rng.random(hands.size) < 0.3] = 0.0
    strength = hands.strengths(board)
    order = np.argsort(strength, kind="stable")
    fold = np.zeros(hands.size)
    show = np.zeros(hands.size)
    fold_sums(w, hands.cards, 52, fold)
    showdown_sums(w, strength, order, hands.cards, 52, show)
    cards = hands.cards
    share = (cards[:, None, 0] == cards[None, :, 0]) | (cards[:, None, 0] == cards[None, :, 1]) | \
            (cards[:, None, 1] == cards[None, :, 0]) | (cards[:, None, 1] == cards[None, :, 1])
    ok = ~share
    live = strength >= 0
    assert np.allclose(fold[live], (ok * w[None, :]).sum(axis=1)[live])
    sign = np.sign(strength[:, None] - strength[None, :]) * (strength[None, :] >= 0)
    assert np.allclose(show[live], (ok * sign * w[None, :]).sum(axis=1)[live])


def test_river_subgame_converges():
    spec = no_limit_holdem(2, [400, 400])
    state = initial_state(spec)
    for t in ["r6", "c", "c", "c", "c", "c"]:
        state = state.apply(t)
    hands = HandSet(spec)
    sub = build_subgame(state, ((0.5, 1.0),), 2, depth_limited=False)
    solver = SubgameSolver(sub, hands, np.ones((2, hands.size)), tuple(parse_cards("AsKd7h2c9s")), NO_RUNOUTS)
    solver.run(10)
    early = solver.exploitability()
    solver.run(290)
    late = solver.exploitability()
    print(f"river subgame exploitability (chips, pot 12): 10 it {early:.3f}, 300 it {late:.4f}")
    assert late < early / 10 and late < 0.05 * state.pot
    v0, v1 = solver.values()
    assert v0 == pytest.approx(-v1, abs=1e-9)  # zero-sum


def test_leduc_subgame_converges_and_search_beats_weak_blueprints(leduc_problem, leduc_deals):
    sol = Solver(leduc_problem, SolverConfig(discount_interval=1000, lcfr_threshold=10**9), seed=0)
    rows = []
    for total in (1_000, 10_000):
        sol.run(total - sol.iteration)
        blueprint = average_policy(leduc_problem.layout, sol.tables.strategy)
        searched, stats = search_policy(leduc_problem, blueprint, SearchConfig(iterations=500, time_budget=0))
        rows.append((total, exploitability(leduc_problem.layout, leduc_deals, blueprint),
                     exploitability(leduc_problem.layout, leduc_deals, searched), stats))
    for total, bp, se, stats in rows:
        print(f"leduc {total:,} it: blueprint {bp:.4f}, with search {se:.4f} "
              f"({stats['subgames']} subgames, worst subgame exploitability {stats['max_exploitability']:.5f})")
        assert se < bp
        assert stats["subgames"] == 30 and stats["max_exploitability"] < 2e-3


def test_flop_subgame_has_leaves_and_allins():
    spec = no_limit_holdem(2, [400, 400])
    state = initial_state(spec).apply("r6").apply("c")
    sub = build_subgame(state, ((0.5, 1.0),), 2)
    assert (sub.kind == LEAF).any() and (sub.kind == ALLIN).any()
    runouts = sample_runouts(spec, tuple(parse_cards("AsKd7h")), 4, np.random.default_rng(0))
    assert runouts.shape == (4, 2) and len({tuple(r) for r in runouts}) == 4


def test_bad_search_input():
    with pytest.raises(ValueError, match="search.iterations"):
        config_from_dict({"iterations": 0})
    with pytest.raises(ValueError, match="unknown key"):
        config_from_dict({"iters": 10})
    spec = leduc()
    state = initial_state(spec).apply("c").apply("c")
    hands = HandSet(spec)
    sub = build_subgame(state, ((1.0,),), 2, depth_limited=False)
    with pytest.raises(ValueError, match="range is empty"):
        SubgameSolver(sub, hands, np.zeros((2, hands.size)), (0,), NO_RUNOUTS)


def test_leduc_depth_limited_leaves_value_the_blueprint_exactly(leduc_problem, leduc_deals):
    """With one continuation (the blueprint) and the blueprint's own first-round strategy, the
    depth-limited subgame of the whole first round is worth exactly the blueprint's value:
    leaves, runouts, card removal and payoffs agree with exact evaluation."""
    from holdem.mccfr.best_response import expected_values
    from holdem.search.small_game import blueprint_profile, subgame_at

    sol = Solver(leduc_problem, SolverConfig(discount_interval=1000, lcfr_threshold=10**9), seed=0)
    sol.run(5_000)
    policy = average_policy(leduc_problem.layout, sol.tables.strategy)
    exact = expected_values(leduc_problem.layout, leduc_deals, policy)
    solver, bp_node = subgame_at(leduc_problem, policy, policy, 0, (), SearchConfig(continuations=1))
    assert solver.leaves.num_leaves == 5 and solver.strengths.shape[0] == 6  # round-2 starts, board cards
    strategy, leaf = blueprint_profile(leduc_problem, policy, solver, bp_node, ())
    v0, v1 = solver.values(strategy, leaf)
    assert v0 == pytest.approx(exact[0], abs=1e-6) and v1 == pytest.approx(exact[1], abs=1e-6)


def test_leduc_safe_search_beats_a_good_blueprint(leduc_problem, leduc_deals):
    """Unsafe re-solving from the blueprint's ranges can lose to a best response that changes
    how it arrives; the re-solving gadget cannot: at 100k iterations only safe search helps."""
    sol = Solver(leduc_problem, SolverConfig(discount_interval=1000, lcfr_threshold=10**9), seed=0)
    sol.run(100_000)
    blueprint = average_policy(leduc_problem.layout, sol.tables.strategy)
    bp = exploitability(leduc_problem.layout, leduc_deals, blueprint)
    safe, _ = search_policy(leduc_problem, blueprint, SearchConfig(iterations=500, time_budget=0, safe=True))
    unsafe, _ = search_policy(leduc_problem, blueprint, SearchConfig(iterations=500, time_budget=0))
    se, un = (exploitability(leduc_problem.layout, leduc_deals, p) for p in (safe, unsafe))
    print(f"leduc 100k: blueprint {bp:.4f}, safe search {se:.4f}, unsafe search {un:.4f}")
    assert se < bp < un


@pytest.fixture(scope="module")
def small_blueprint():
    from pathlib import Path

    from holdem.config import load_config
    from holdem.eval.blueprint import Blueprint
    from holdem.mccfr.policy import current_policy
    from holdem.mccfr.problem import build_problem

    cfg = load_config(Path(__file__).resolve().parent.parent / "configs" / "nlhe-hu-small-hs.yaml")
    problem = build_problem(cfg.game, cfg.abstraction)
    solver = Solver(problem, cfg.solver, seed=0)
    solver.run(20_000)
    return Blueprint(cfg, problem, average_policy(problem.layout, solver.tables.strategy),
                     current_policy(problem.layout, solver.tables.regret), 20_000, Path("small"), {})


def test_search_agent_plays_legal_real_hands_with_its_own_probabilities(small_blueprint):
    from holdem.eval.agents import BlueprintStrategy
    from holdem.eval.real_match import rotation_match
    from holdem.search.agent import SearchStrategy

    config = SearchConfig(iterations=20, time_budget=0, runouts=2)
    strategy = SearchStrategy(small_blueprint, config)
    agents = []
    make = strategy.make_agent
    strategy.make_agent = lambda: agents.append(make()) or agents[-1]
    hands = []
    m = rotation_match(small_blueprint.problem.spec, strategy, BlueprintStrategy(small_blueprint), 6, seed=3,
                       on_hand=hands.append, aivat=True)
    assert m.hands == 12 and len(hands) == 12 and m.aivat
    solves = [s for a in agents for s in a.solves]
    assert solves and all(s["iterations"] == 20 for s in solves)
    assert {s["street"] for s in solves} <= {1, 2, 3}
    for rec in hands:  # the search agent's recorded policy sums to one and names its action
        for d in rec.decisions:
            if d.policy:
                assert sum(q for _, q in d.policy) == pytest.approx(1.0)
                assert d.action in [a for a, _ in d.policy]
            # both agents' likelihood over all pairs holds, at the pair dealt, the probability played
            lo, hi = sorted(rec.holes[d.seat])
            assert d.likelihood[hi * (hi - 1) // 2 + lo] == pytest.approx(dict(d.policy)[d.action], abs=1e-9)
    assert "imaginary" in m.aivat


def test_paired_matches_replay_the_hands_on_common_random_numbers(small_blueprint):
    from holdem.eval.agents import BlueprintStrategy
    from holdem.eval.real_match import rotation_match
    from holdem.search.agent import SearchStrategy

    spec = small_blueprint.problem.spec
    bp = BlueprintStrategy(small_blueprint, "bp")
    # the blueprint paired with itself replays every hand exactly: the difference is 0 on every deal
    same = rotation_match(spec, BlueprintStrategy(small_blueprint, "lone"), bp, 30, seed=5, aivat=True, baseline=bp)
    assert same.paired["mbb_per_hand"] == 0.0 and same.paired["ci95_mbb"] == 0.0
    assert same.paired["aivat"]["imaginary"]["mbb_per_hand"] == 0.0
    # search from the river: it plays the blueprint, with the blueprint's draws, until then
    river = SearchStrategy(small_blueprint, SearchConfig(iterations=20, time_budget=0, from_street=3))
    m = rotation_match(spec, river, bp, 12, seed=5, aivat=True, baseline=bp)
    plain = rotation_match(spec, river, bp, 12, seed=5)
    assert m.mbb_per_hand == plain.mbb_per_hand  # the control hands change nothing in the match
    assert m.paired["baseline"] == "bp" and m.paired["variance_ratio"] > 1.0
    assert set(m.paired["aivat"]) >= {"mbb_per_hand", "imaginary", "chance_only"}


def test_search_spot_beliefs_and_bad_input(small_blueprint):
    from holdem.search.agent import Searcher, search_spot

    searcher = Searcher(small_blueprint, SearchConfig(iterations=30, time_budget=0, runouts=2))
    hole = tuple(parse_cards("AhKh"))
    board = tuple(parse_cards("QhJh2c"))
    spot = search_spot(searcher, hole, board, "r4c/r7")  # an off-tree flop bet (blueprint bets 6)
    actions, probs = spot["search"]
    assert probs.sum() == pytest.approx(1.0) and "f" in [a.label for a in actions]
    ranges = spot["ranges"]
    assert ranges.shape == (2, 1326) and (ranges[1] > 0).sum() > 100
    with pytest.raises(ValueError, match="above the stack"):
        search_spot(searcher, hole, board, "r4c/r99")
    with pytest.raises(ValueError, match="share a card"):
        search_spot(searcher, hole, tuple(parse_cards("AhJh2c")), "r4c/")
    with pytest.raises(ValueError, match="board"):
        search_spot(searcher, hole, board[:2], "r4c/")
    with pytest.raises(ValueError, match="hand is over"):
        search_spot(searcher, hole, (), "f")


@pytest.mark.timeout(600)
def test_search_command_lines(tmp_path):
    """export_policy --search on Leduc (exploitability printed, the searched policy written),
    eval_blueprint --agent search, and their bad input (one line, exit 2)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent

    def cli(module, *args):
        return subprocess.run([sys.executable, "-m", f"holdem.cli.{module}", *args], capture_output=True,
                              text=True, timeout=500, cwd=root, env=dict(os.environ, PYTHONUNBUFFERED="1"))

    leduc_run = tmp_path / "leduc"
    assert cli("train_blueprint", "--config", "configs/leduc.yaml", "--iters", "5000", "--logdir",
               str(leduc_run)).returncode == 0
    settings = tmp_path / "s.yaml"
    settings.write_text("iterations: 200\nsafe: true\n")
    r = cli("export_policy", "--run", str(leduc_run), "--out", str(tmp_path / "p.json"), "--search",
            "--search-config", str(settings))
    assert r.returncode == 0, r.stderr
    bp, searched = (float(x) for x in
                    __import__("re").search(r"blueprint ([\d.]+), with search ([\d.]+)", r.stdout).groups())
    assert searched < bp
    policy = json.loads((tmp_path / "p.json").read_text())
    assert len(policy) == 936 and all(abs(sum(p.values()) - 1) < 1e-6 for p in policy.values())
    bad = cli("export_policy", "--run", str(leduc_run), "--out", str(tmp_path / "q.json"), "--search-config",
              str(settings))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1

    hu = tmp_path / "hu"
    assert cli("train_blueprint", "--config", "configs/nlhe-hu-small-hs.yaml", "--iters", "20000", "--logdir",
               str(hu)).returncode == 0
    settings.write_text("search:\n  iterations: 10\n  time_budget: 0\n  runouts: 1\n")
    r = cli("eval_blueprint", "--policy", str(hu), "--agent", "search", "--search-config", str(settings),
            "--vs", "always-call", "--hands", "3", "--out", str(tmp_path / "e.json"))
    assert r.returncode == 0, r.stderr
    result = json.loads((tmp_path / "e.json").read_text())[0]
    assert result["agent"] == "search" and result["real_match"]["always-call"]["heads-up"]["hands"] == 6
    for args in (["--agent", "search"], ["--search-time", "1", "--vs", "always-call"],
                 ["--agent", "search", "--vs", "always-call", "--search-time", "-1"]):
        bad = cli("eval_blueprint", "--policy", str(hu), *args, "--out", str(tmp_path / "x.json"))
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1, (args, bad.stderr)
