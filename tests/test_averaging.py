"""Averaging schemes on three-player games: the sampled pass is unbiased, every scheme trains,
pluribus runs write their current-strategy snapshots, 3-player configs export and evaluate."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from holdem.abstraction.deal import deal_buckets, sample_deal
from holdem.config import load_config
from holdem.core.rng import seed_state
from holdem.mccfr.average_strategy import update_strategy
from holdem.mccfr.best_response import deal_table, nash_conv
from holdem.mccfr.layout import ACTIVE, FIRST_EDGE, NUM_ACTIONS, PLAYER, SLOT_BASE, STREET, TERMINAL
from holdem.eval.blueprint import load_blueprint
from holdem.mccfr.policy import average_policy, current_policy, normalise_slots
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver import Solver
from holdem.run import current_snapshots
from holdem.run.snapshot import load_snapshot

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def kuhn3():
    cfg = load_config(ROOT / "configs" / "kuhn-3p.yaml")
    problem = build_problem(cfg.game, cfg.abstraction)
    return cfg, problem, deal_table(problem.spec, problem.deal_model)


def _expected_increments(problem, deals, regret: np.ndarray, p: int) -> np.ndarray:
    """Exact expectation of one UPDATE-STRATEGY pass for p on a uniform deal: for each row of
    p, sum over its histories of P(deal) * p's own reach * p's current strategy."""
    info, child = problem.layout.node_info, problem.layout.edge_child
    sigma = current_policy(problem.layout, regret)
    out = np.zeros_like(sigma)
    for d in range(deals.num_deals):
        buckets = deals.buckets[d]

        def walk(node: int, reach: float) -> None:
            if info[node, TERMINAL] or not (info[node, ACTIVE] >> p) & 1:
                return
            n, fe = info[node, NUM_ACTIONS], info[node, FIRST_EDGE]
            if info[node, PLAYER] != p:
                for a in range(n):
                    walk(child[fe + a], reach)
                return
            slot = info[node, SLOT_BASE] + buckets[p, info[node, STREET]] * n
            out[slot:slot + n] += reach * sigma[slot:slot + n] / deals.num_deals
            for a in range(n):
                walk(child[fe + a], reach * sigma[slot + a])

        walk(0, 1.0)
    return out


@pytest.mark.timeout(120)
def test_the_strategy_pass_is_unbiased(kuhn3):
    """Mean increments of many sampled passes match the exact own-reach-weighted strategy."""
    _, problem, deals = kuhn3
    layout, dm = problem.layout, problem.deal_model
    regret = np.random.default_rng(1).normal(size=layout.num_slots).astype(np.float32)
    passes = 100_000
    rng = seed_state(3)
    deck = np.arange(dm.deck_size, dtype=np.int64)
    deal = np.zeros(dm.num_players * dm.hole_cards + dm.board_start[-1], dtype=np.int64)
    buckets = np.zeros((dm.num_players, dm.board_start.shape[0] - 1), dtype=np.int64)
    none = np.zeros(0, dtype=np.int64)
    stack = np.zeros((layout.max_depth + 1) * layout.max_actions + 1, dtype=np.int64)
    sigma = np.zeros(layout.max_actions)
    for p in range(problem.spec.num_players):
        strategy = np.zeros(layout.num_slots)
        for _ in range(passes):
            sample_deal(dm, deck, rng, deal)
            deal_buckets(dm, deal, buckets)
            update_strategy(p, layout.node_info, layout.edge_child, regret, strategy, none,
                            np.zeros(0, dtype=np.int32), 1, buckets, 1, rng, stack, sigma)
        exact = _expected_increments(problem, deals, regret, p)
        nodes = layout.decision_nodes()
        players = np.repeat(layout.node_info[nodes, PLAYER], layout.num_buckets[layout.node_info[nodes, STREET]])
        mine = (players == p)[layout.slot_rows()]
        assert exact[mine].sum() > 0 and not exact[~mine].any()
        assert not strategy[~mine].any()  # p's rows only
        # each row's total is a sum of Bernoulli-like visits: allow 5 standard errors
        err = np.abs(strategy / passes - exact)
        se = np.sqrt(np.maximum(exact, 1e-12) / passes)
        assert (err <= 5 * se + 1e-9).all(), float((err / (se + 1e-12)).max())


@pytest.mark.timeout(240)
@pytest.mark.parametrize("scheme", ["simple", "sampled", "pluribus"])
def test_every_scheme_trains_three_player_kuhn(kuhn3, scheme):
    cfg, problem, deals = kuhn3
    solver = Solver(problem, replace(cfg.solver, average=scheme), seed=0)
    solver.run(100_000)
    # one betting round: pluribus keeps the average strategy of every row
    value = nash_conv(problem.layout, deals, average_policy(problem.layout, solver.tables.strategy))
    assert value < 0.02, value  # uniform: 2.06; the C++ reference: 0.024 at 10^5


@pytest.mark.timeout(240)
def test_default_scheme_reaches_the_target_on_three_player_kuhn(kuhn3):
    """The issue's bar: NashConv at most 0.01 at 10^6 iterations (C++ reference: 0.0135)."""
    cfg, problem, deals = kuhn3
    solver = Solver(problem, cfg.solver, seed=0)
    solver.run(1_000_000)
    value = nash_conv(problem.layout, deals, average_policy(problem.layout, solver.tables.strategy))
    assert value <= 0.01, value


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=600, cwd=ROOT)


@pytest.mark.timeout(600)
def test_pluribus_run_on_three_player_leduc(tmp_path):
    """A pluribus run writes its current snapshots; the blueprint (first round averaged, later
    rounds the snapshots' mean) is what eval, export and the run's own NashConv use."""
    config = tmp_path / "leduc-3p.yaml"
    text = (ROOT / "configs" / "leduc-3p.yaml").read_text().replace("average: simple", "average: pluribus")
    config.write_text(text)
    run = tmp_path / "run"
    r = _cli("holdem.cli.train_blueprint", "--config", str(config), "--logdir", str(run), "--iters", "40000",
             "--eval-interval", "20000", "--num-workers", "1")
    assert r.returncode == 0, r.stderr
    assert "NashConv" in r.stderr
    cfg = load_config(config)
    files = current_snapshots.listed(run, 40_000)
    assert [int(f.stem[5:]) for f in files] == [2_000 * k for k in range(1, 21)]  # 20 over 40k
    last = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()][-1]
    r = _cli("holdem.cli.eval_blueprint", "--policy", str(run), "--out", str(tmp_path / "eval.json"))
    assert r.returncode == 0, r.stderr
    evaluated = json.loads((tmp_path / "eval.json").read_text())[0]
    assert evaluated["nash_conv"] == pytest.approx(last["nash_conv"], rel=1e-9)
    assert evaluated["nash_conv"] == pytest.approx(3 * evaluated["exploitability"])
    # first round: the averaged strategy sums; later rounds: the mean of the snapshot files
    problem = build_problem(cfg.game, cfg.abstraction)
    bp = load_blueprint(run)
    arrays, _ = load_snapshot(run / "final")
    later = np.mean([np.load(f).astype(np.float64) for f in files], axis=0)
    first = np.arange(problem.layout.num_slots) < problem.layout.slots_kept(1)
    np.testing.assert_allclose(bp.average[first], average_policy(problem.layout, arrays["strategy"]))
    legal = bp.average[~first] > 0
    np.testing.assert_allclose(bp.average[~first][legal], normalise_slots(problem.layout, later)[~first][legal],
                               rtol=1e-6)
    assert len(arrays["strategy"]) == first.sum()  # no strategy sums kept after the first round
    r = _cli("holdem.cli.export_policy", "--run", str(run), "--out", str(tmp_path / "policy.json"))
    assert r.returncode == 0, r.stderr
    policy = json.loads((tmp_path / "policy.json").read_text())
    assert len(policy) == problem.layout.num_rows
    assert all(abs(sum(v.values()) - 1) < 1e-9 for v in policy.values())


@pytest.mark.timeout(300)
@pytest.mark.parametrize("game", ["kuhn-3p", "leduc-3p"])
def test_three_player_configs_train_evaluate_and_export(tmp_path, game):
    run = tmp_path / "run"
    r = _cli("holdem.cli.train_blueprint", "--config", str(ROOT / "configs" / f"{game}.yaml"), "--logdir",
             str(run), "--iters", "20000", "--eval-interval", "10000", "--num-workers", "1")
    assert r.returncode == 0, r.stderr
    r = _cli("holdem.cli.eval_blueprint", "--policy", str(run))
    assert r.returncode == 0 and "NashConv" in r.stdout, r.stderr
    r = _cli("holdem.cli.export_policy", "--run", str(run), "--out", str(tmp_path / "policy.json"))
    assert r.returncode == 0, r.stderr
    keys = list(json.loads((tmp_path / "policy.json").read_text()))
    assert keys and all(k.count("|") == 2 for k in keys)  # hole|board|betting, as for two players


def test_unknown_scheme_is_refused(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("game: kuhn\nsolver: {average: mean}\n")
    r = _cli("holdem.cli.train_blueprint", "--config", str(config), "--logdir", str(tmp_path / "run"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "solver.average" in r.stderr
    assert not (tmp_path / "run").exists()
