"""Solver settings (the ``solver:`` section of a run config), validated, and the kernel
parameters they stand for."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from holdem.game.spec import GameSpec, SpecError
from holdem.mccfr.average_strategy import AVERAGE_PLURIBUS, AVERAGE_SCHEMES
from holdem.mccfr.external_sampling import Params


@dataclass(frozen=True)
class SolverConfig:
    """MCCFR parameters, named as users of the old trainer know them.

    ``pruning_threshold`` and ``regret_floor`` default to Pluribus's values scaled to the
    game's chips: Pluribus used -300,000,000 and -310,000,000 with 10,000-chip stacks, i.e.
    -30,000 and -31,000 times the stack; ``None`` means "scale from the largest stack".

    ``average`` (``simple`` | ``sampled`` | ``pluribus``) chooses how the average strategy is
    accumulated (README, "Averaging": ``simple`` is the default for any number of players
    because it measured best per second on 3-player Kuhn and Leduc);
    ``strategy_interval`` is the iterations between average-strategy passes of the sampled
    schemes, ``current_snapshots`` the number of current-strategy snapshots that make up
    the later rounds of a ``pluribus`` blueprint.
    """

    use_linear_weighting: bool = True
    discount_interval: int = 1_000      # iterations between linear-CFR discounts
    lcfr_threshold: int = 400_000       # no discounting after this iteration
    enable_pruning: bool = False
    prune_start: int = 200_000          # iterations before pruning may start
    pruning_threshold: float | None = None
    pruning_probability: float = 0.95
    regret_floor: float | None = None
    average: str = "simple"
    strategy_interval: int = 1
    current_snapshots: int = 20

    def params(self, spec: GameSpec) -> Params:
        """Kernel parameters with chip-scaled defaults filled in."""
        stack = max(spec.stacks)
        threshold = -30_000.0 * stack if self.pruning_threshold is None else float(self.pruning_threshold)
        floor = -31_000.0 * stack if self.regret_floor is None else float(self.regret_floor)
        average = AVERAGE_SCHEMES[self.average]
        streets = 1 if average == AVERAGE_PLURIBUS else spec.num_streets
        return Params(bool(self.enable_pruning), int(self.prune_start), float(self.pruning_probability),
                      threshold, floor, average, int(self.strategy_interval), streets)


def solver_config_from_dict(data: dict[str, Any] | None, where: str = "solver") -> SolverConfig:
    """Validated SolverConfig from a YAML mapping; unknown keys and wrong types are errors."""
    data = data or {}
    if not isinstance(data, dict):
        raise SpecError(f"{where}: invalid value {data!r}: expected a mapping of solver parameters")
    known = {f.name: f for f in fields(SolverConfig)}
    kinds = {"use_linear_weighting": bool, "enable_pruning": bool, "discount_interval": int,
             "lcfr_threshold": int, "prune_start": int, "pruning_threshold": float,
             "pruning_probability": float, "regret_floor": float, "average": str,
             "strategy_interval": int, "current_snapshots": int}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise SpecError(f"{where}.{key}: unknown key: valid keys are {', '.join(sorted(known))}")
        typ = kinds[key]
        if value is None and typ is float:
            out[key] = None
            continue
        ok = isinstance(value, bool) if typ is bool else isinstance(value, str) if typ is str else (
            not isinstance(value, bool) and isinstance(value, (int, float) if typ is float else int))
        if not ok:
            raise SpecError(f"{where}.{key}: invalid value {value!r}: expected {typ.__name__}")
        out[key] = float(value) if typ is float else value
    cfg = SolverConfig(**out)
    if cfg.discount_interval <= 0:
        raise SpecError(f"{where}.discount_interval: invalid value {cfg.discount_interval}: use a positive integer")
    if cfg.average not in AVERAGE_SCHEMES:
        raise SpecError(f"{where}.average: invalid value {cfg.average!r}: use {', '.join(AVERAGE_SCHEMES)}")
    for key in ("strategy_interval", "current_snapshots"):
        if getattr(cfg, key) <= 0:
            raise SpecError(f"{where}.{key}: invalid value {getattr(cfg, key)}: use a positive integer")
    if not 0.0 <= cfg.pruning_probability <= 1.0:
        raise SpecError(f"{where}.pruning_probability: invalid value {cfg.pruning_probability}: use [0, 1]")
    return cfg
