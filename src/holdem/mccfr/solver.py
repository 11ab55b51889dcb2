"""Single-process MCCFR driver: builds the problem once, runs kernel batches, applies schedules.

The parallel runtime reuses :class:`Problem`, :class:`SolverConfig`, the kernel and the
schedule; only where the tables live and who runs the batches differs.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from holdem.abstraction.card_abstraction import CardAbstraction, make_abstraction
from holdem.game.spec import GameSpec, SpecError
from holdem.game.tree import BettingTree, build_tree
from holdem.mccfr import schedules
from holdem.mccfr.deal import DealModel, make_deal_model
from holdem.mccfr.external_sampling import NUM_STATS, Params, Tables, discount, make_tables, run_iterations
from holdem.mccfr.layout import TableLayout, build_layout
from holdem.mccfr.rng import seed_state


@dataclass(frozen=True)
class SolverConfig:
    """MCCFR parameters, named as users of the old trainer know them.

    ``pruning_threshold`` and ``regret_floor`` default to Pluribus's values scaled to the
    game's chips: Pluribus used -300,000,000 and -310,000,000 with 10,000-chip stacks, i.e.
    -30,000 and -31,000 times the stack; ``None`` means "scale from the largest stack".
    """

    use_linear_weighting: bool = True
    discount_interval: int = 1_000      # iterations between linear-CFR discounts
    lcfr_threshold: int = 400_000       # no discounting after this iteration
    enable_pruning: bool = False
    prune_start: int = 200_000          # iterations before pruning may start
    pruning_threshold: float | None = None
    pruning_probability: float = 0.95
    regret_floor: float | None = None

    def params(self, spec: GameSpec) -> Params:
        """Kernel parameters with chip-scaled defaults filled in."""
        stack = max(spec.stacks)
        threshold = -30_000.0 * stack if self.pruning_threshold is None else float(self.pruning_threshold)
        floor = -31_000.0 * stack if self.regret_floor is None else float(self.regret_floor)
        return Params(bool(self.enable_pruning), int(self.prune_start), float(self.pruning_probability),
                      threshold, floor)


def solver_config_from_dict(data: dict[str, Any] | None, where: str = "solver") -> SolverConfig:
    """Validated SolverConfig from a YAML mapping; unknown keys and wrong types are errors."""
    data = data or {}
    if not isinstance(data, dict):
        raise SpecError(f"{where}: invalid value {data!r}: expected a mapping of solver parameters")
    known = {f.name: f for f in fields(SolverConfig)}
    kinds = {"use_linear_weighting": bool, "enable_pruning": bool, "discount_interval": int,
             "lcfr_threshold": int, "prune_start": int, "pruning_threshold": float,
             "pruning_probability": float, "regret_floor": float}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise SpecError(f"{where}.{key}: unknown key: valid keys are {', '.join(sorted(known))}")
        typ = kinds[key]
        if value is None and typ is float:
            out[key] = None
            continue
        ok = isinstance(value, bool) if typ is bool else (
            not isinstance(value, bool) and isinstance(value, (int, float) if typ is float else int))
        if not ok:
            raise SpecError(f"{where}.{key}: invalid value {value!r}: expected {typ.__name__}")
        out[key] = float(value) if typ is float else value
    cfg = SolverConfig(**out)
    if cfg.discount_interval <= 0:
        raise SpecError(f"{where}.discount_interval: invalid value {cfg.discount_interval}: use a positive integer")
    if not 0.0 <= cfg.pruning_probability <= 1.0:
        raise SpecError(f"{where}.pruning_probability: invalid value {cfg.pruning_probability}: use [0, 1]")
    return cfg


@dataclass(frozen=True)
class Problem:
    """Everything fixed for a run: game, betting tree, card abstraction, row map, deal model."""

    spec: GameSpec
    tree: BettingTree
    abstraction: CardAbstraction
    layout: TableLayout
    deal_model: DealModel

    def kernel_args(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, DealModel]:
        """The read-only arrays every kernel call takes first."""
        return self.layout.node_info, self.layout.contrib, self.layout.edge_child, self.deal_model


def build_problem(spec: GameSpec, abstraction: CardAbstraction | str | dict[str, Any] = "lossless") -> Problem:
    """Game spec -> betting tree -> card abstraction -> row map -> kernel arrays."""
    tree = build_tree(spec)
    if not isinstance(abstraction, CardAbstraction):
        abstraction = make_abstraction(spec, abstraction)
    layout = build_layout(tree, abstraction.num_buckets)
    dm = make_deal_model(spec, abstraction.kind, abstraction.table, abstraction.offset)
    return Problem(spec, tree, abstraction, layout, dm)


class Solver:
    """Trains one problem in this process on local tables."""

    def __init__(self, problem: Problem, config: SolverConfig, seed: int = 0,
                 tables: Tables | None = None, owner: int = 1):
        self.problem = problem
        self.config = config
        self.params = config.params(problem.spec)
        self.tables = tables if tables is not None else make_tables(problem.layout.num_rows,
                                                                    problem.layout.max_actions)
        self.owner = owner
        self.rng = seed_state(seed, owner)
        self.deck = np.arange(problem.spec.deck_size, dtype=np.int64)
        self.iteration = 0
        self.stats = np.zeros(NUM_STATS)

    def run(self, iterations: int) -> None:
        """Run ``iterations`` more iterations, discounting at the schedule's boundaries."""
        target = self.iteration + iterations
        while self.iteration < target:
            stop = schedules.next_stop(self.iteration, target, self.config)
            run_iterations(*self.problem.kernel_args(), self.tables, self.params, self.owner, self.rng,
                           self.deck, self.problem.layout.max_depth, self.iteration,
                           stop - self.iteration, self.stats)
            self.iteration = stop
            factor = schedules.discount_factor(self.iteration, self.config)
            if factor is not None:
                discount(self.tables.regret, self.tables.strategy, factor)
