"""Single-process MCCFR driver: runs kernel batches on local tables and applies the schedules.

The parallel runtime (:mod:`holdem.runtime.coordinator`) runs the same kernel and schedule;
only where the tables live and who runs the batches differs.
"""
from __future__ import annotations

import numpy as np

from holdem.core.rng import seed_state
from holdem.mccfr import schedules
from holdem.mccfr.external_sampling import NUM_STATS, PROGRESS_LEN, Tables, discount, make_tables, run_iterations
from holdem.mccfr.problem import Problem
from holdem.mccfr.solver_config import SolverConfig


class Solver:
    """Trains one problem in this process on local tables."""

    def __init__(self, problem: Problem, config: SolverConfig, seed: int = 0,
                 tables: Tables | None = None, owner: int = 1, check_updates: bool = False):
        self.problem = problem
        self.config = config
        self.params = config.params(problem.spec)
        self.tables = tables if tables is not None else make_tables(problem.layout, self.params,
                                                                    check_updates=check_updates)
        self.owner = owner
        self.rng = seed_state(seed, owner)
        self.deck = np.arange(problem.spec.deck_size, dtype=np.int64)
        self.iteration = 0
        self.stats = np.zeros(NUM_STATS)
        self.progress = np.zeros(PROGRESS_LEN, dtype=np.int64)

    def run(self, iterations: int) -> None:
        """Run ``iterations`` more iterations, discounting at the schedule's boundaries."""
        target = self.iteration + iterations
        while self.iteration < target:
            stop = schedules.next_stop(self.iteration, target, self.config)
            run_iterations(*self.problem.kernel_args(), self.tables, self.params, self.owner, self.rng,
                           self.deck, self.problem.layout.max_depth, self.iteration,
                           stop - self.iteration, self.stats, self.progress)
            self.iteration = stop
            factor = schedules.discount_factor(self.iteration, self.config)
            if factor is not None:
                discount(self.tables.regret, self.tables.strategy, factor)
