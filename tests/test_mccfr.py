"""The MCCFR kernel converges on Kuhn and Leduc (exact exploitability) and is deterministic."""
from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from holdem.mccfr import schedules
from holdem.mccfr.average_strategy import add_strategy
from holdem.mccfr.best_response import exploitability, expected_values
from holdem.mccfr.policy import average_policy
from holdem.mccfr.solver import Solver
from holdem.mccfr.solver_config import SolverConfig


def _expl(problem, deals, solver):
    return exploitability(problem.layout, deals, average_policy(problem.layout, solver.tables.strategy))


def test_kuhn_converges_to_game_value(kuhn_problem, kuhn_deals):
    solver = Solver(kuhn_problem, SolverConfig(discount_interval=100, lcfr_threshold=10**9), seed=0)
    solver.run(100_000)
    assert _expl(kuhn_problem, kuhn_deals, solver) < 0.005
    pol = average_policy(kuhn_problem.layout, solver.tables.strategy)
    value = expected_values(kuhn_problem.layout, kuhn_deals, pol)[0]
    assert value == pytest.approx(-1 / 18, abs=0.01)


def test_leduc_converges_and_keeps_falling(leduc_problem, leduc_deals):
    solver = Solver(leduc_problem, SolverConfig(discount_interval=1000, lcfr_threshold=10**9), seed=0)
    solver.run(10_000)
    early = _expl(leduc_problem, leduc_deals, solver)
    solver.run(90_000)
    at_100k = _expl(leduc_problem, leduc_deals, solver)
    solver.run(200_000)
    at_300k = _expl(leduc_problem, leduc_deals, solver)
    print(f"leduc exploitability: 10k {early:.4f}  100k {at_100k:.4f}  300k {at_300k:.4f}")
    assert at_100k < 0.10
    assert at_300k < at_100k < early


def test_plain_external_sampling_converges_too(leduc_problem, leduc_deals):
    solver = Solver(leduc_problem, SolverConfig(use_linear_weighting=False), seed=1)
    solver.run(100_000)
    assert _expl(leduc_problem, leduc_deals, solver) < 0.10


def test_deterministic_given_seed(leduc_problem):
    a = Solver(leduc_problem, SolverConfig(), seed=7)
    b = Solver(leduc_problem, SolverConfig(), seed=7)
    c = Solver(leduc_problem, SolverConfig(), seed=8)
    a.run(5_000)
    b.run(2_000)
    b.run(3_000)  # batch boundaries do not change the result
    c.run(5_000)
    assert np.array_equal(a.tables.regret, b.tables.regret)
    assert np.array_equal(a.tables.strategy, b.tables.strategy)
    assert not np.array_equal(a.tables.regret, c.tables.regret)


def test_pruning_and_floor(leduc_problem, leduc_deals):
    cfg = SolverConfig(enable_pruning=True, prune_start=5_000, pruning_threshold=-20.0,
                       pruning_probability=0.95, regret_floor=-50.0, use_linear_weighting=False)
    solver = Solver(leduc_problem, cfg, seed=2)
    solver.run(100_000)
    from holdem.mccfr.external_sampling import STAT_PRUNED
    assert solver.stats[STAT_PRUNED] > 0  # some actions were skipped
    assert solver.tables.regret.min() >= -50.0  # the floor holds
    assert _expl(leduc_problem, leduc_deals, solver) < 0.2  # and it still learns


def test_updates_counted(leduc_problem):
    solver = Solver(leduc_problem, SolverConfig(), seed=4, check_updates=True)
    solver.run(1_000)
    from holdem.mccfr.external_sampling import STAT_REGRET_UPDATES, STAT_STRATEGY_UPDATES
    issued = solver.stats[STAT_REGRET_UPDATES] + solver.stats[STAT_STRATEGY_UPDATES]
    assert solver.tables.updates.sum() == issued > 0


def test_discount_schedule():
    cfg = SolverConfig(discount_interval=10, lcfr_threshold=30)
    assert schedules.discount_factor(10, cfg) == pytest.approx(1 / 2)
    assert schedules.discount_factor(20, cfg) == pytest.approx(2 / 3)
    assert schedules.discount_factor(15, cfg) is None
    assert schedules.discount_factor(40, cfg) is None  # after the threshold
    assert schedules.next_stop(0, 100, cfg) == 10
    assert schedules.next_stop(25, 100, cfg) == 30
    assert schedules.next_stop(30, 100, cfg) == 100
    assert schedules.next_stop(0, 5, cfg) == 5


@njit(cache=True)
def _accumulate_visits(strategy: np.ndarray, visits: int, seed: int) -> int:
    """Add ``visits`` increments k / 2^20 (k uniform in 0..20971, i.e. U[0, 0.02)) to row 0
    through the kernel's own accumulator; return the exact total of the k."""
    np.random.seed(seed)
    sigma = np.zeros(2)
    total = 0
    for _ in range(visits):
        k = np.random.randint(0, 20972)
        sigma[0] = k / 1048576.0
        sigma[1] = 1.0 - sigma[0]
        total += k
        add_strategy(strategy, 0, 2, sigma)
    return total


@pytest.mark.timeout(120)
def test_strategy_sums_keep_every_visit():
    """2^26 visits into one row lose no mass (float64 sums); float32 sums, as before, lose much."""
    visits = 1 << 26
    strategy = np.zeros(2)
    total = _accumulate_visits(strategy, visits, 5)
    exact = total / 1048576.0
    assert abs(strategy[0] - exact) <= 1e-6 * exact
    assert abs(strategy.sum() - visits) <= 1e-6 * visits
    lossy = np.zeros(2, dtype=np.float32)
    _accumulate_visits(lossy, visits, 5)
    assert abs(float(lossy[0]) - exact) > 0.01 * exact  # what the old float32 tables did
