"""Negative-regret pruning fires with the default threshold and is reported (issue 17, item 3).

The default threshold scales with the iterations' linear-CFR weight W(t)
(``SolverConfig.pruning_threshold_at``); the old default, -30,000 x stack chips, was never
reached. ``benchmarks/bench_pruning.py`` measures speed and quality.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from holdem.config import load_config
from holdem.core.inputs import InputError
from holdem.game.spec import leduc
from holdem.mccfr.external_sampling import iteration_weight
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver_config import DEFAULT_PRUNING_SCALE, SolverConfig, solver_config_from_dict
from holdem.runtime.engine import LocalEngine

SMALL = Path(__file__).resolve().parent.parent / "configs" / "nlhe-hu-small-hs.yaml"


@pytest.mark.timeout(240)
def test_default_threshold_prunes_after_prune_start_on_small_preset():
    cfg = load_config(SMALL)
    assert cfg.solver.pruning_threshold is None  # the default threshold
    cfg = replace(cfg, solver=replace(cfg.solver, enable_pruning=True), train=replace(cfg.train, num_workers=1))
    problem = build_problem(cfg.game, cfg.abstraction)
    start = cfg.solver.prune_start
    on = LocalEngine(problem, cfg)
    on.advance(start)
    assert on.status()["pruned_share"] == 0.0  # never before prune_start
    regret, strategy = on.tables.regret.copy(), on.tables.strategy.copy()
    rng, nodes_before = on.solver.rng.copy(), on.status()["nodes"]
    on.advance(5_000)
    pruned = on.status()
    assert pruned["pruned_share"] > 0.0  # reported in status(), hence metrics.jsonl and the progress line

    # the same tables and random stream with pruning off: nothing pruned, more node visits
    off = LocalEngine(problem, replace(cfg, solver=replace(cfg.solver, enable_pruning=False)))
    off.tables.regret[...] = regret
    off.tables.strategy[...] = strategy
    off.solver.rng[...] = rng
    off.solver.iteration = start
    off.advance(5_000)
    unpruned = off.status()
    assert unpruned["pruned_share"] == 0.0
    assert 0 < pruned["nodes"] - nodes_before < unpruned["nodes"]


def test_iteration_weight_follows_the_linear_cfr_discounts():
    cfg = SolverConfig(use_linear_weighting=True, discount_interval=1_000, lcfr_threshold=10_000)
    # simulate the tables' weights: +1 per iteration, times k/(k+1) after iteration k*1000 <= 10,000
    w, k = 0.0, 0
    for t in range(1, 30_001):
        w += 1.0
        if t % 1_000 == 0 and t <= 10_000:
            k += 1
            w *= k / (k + 1)
        if t % 500 == 0:
            assert cfg.iteration_weight(t) == pytest.approx(w, rel=1e-9)
    assert SolverConfig(use_linear_weighting=False).iteration_weight(12_345) == 12_345


def test_default_threshold_scales_and_explicit_chips_override():
    spec = leduc()
    cfg = SolverConfig(prune_start=50_000)
    t1, t2 = 100_000, 400_000
    a, b = cfg.pruning_threshold_at(spec, t1), cfg.pruning_threshold_at(spec, t2)
    assert a == pytest.approx(-DEFAULT_PRUNING_SCALE * spec.big_blind * cfg.iteration_weight(t1))
    assert b / a == pytest.approx(cfg.iteration_weight(t2) / cfg.iteration_weight(t1))
    # the kernel evaluates the same threshold at every iteration
    params = cfg.params(spec)
    for t in (t1, t2):
        kernel = params.pruning_scale * iteration_weight(t, params.discount_interval, params.lcfr_threshold)
        assert kernel == pytest.approx(cfg.pruning_threshold_at(spec, t))
    fixed = SolverConfig(pruning_threshold=-123.0)
    assert fixed.pruning_threshold_at(spec, t1) == fixed.pruning_threshold_at(spec, t2) == -123.0
    assert fixed.params(spec).pruning_threshold == -123.0 and fixed.params(spec).pruning_scale == 0.0
    assert np.isfinite(SolverConfig(prune_start=0).params(spec).pruning_scale)


@pytest.mark.parametrize("data, message", [
    ({"pruning_threshold": 5.0}, r"solver.pruning_threshold: invalid value 5.0"),
    ({"pruning_threshold": float("nan")}, r"solver.pruning_threshold: invalid value nan"),
    ({"prune_start": -1}, r"solver.prune_start: invalid value -1"),
    ({"pruning_probability": 1.5}, r"solver.pruning_probability: invalid value 1.5"),
])
def test_pruning_settings_validated(data, message):
    with pytest.raises(InputError, match=message):
        solver_config_from_dict(data)


def test_pruning_settings_accepted():
    cfg = solver_config_from_dict({"pruning_threshold": None, "prune_start": 0, "pruning_probability": 1.0})
    assert cfg.pruning_threshold is None and cfg.prune_start == 0
    assert solver_config_from_dict({"pruning_threshold": -2_000}).pruning_threshold == -2_000.0
