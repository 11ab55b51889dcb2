"""Solver settings (the ``solver:`` section of a run config), validated, and the kernel
parameters they stand for."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from holdem.core.inputs import check_number, check_optional
from holdem.game.spec import GameSpec, SpecError
from holdem.mccfr.average_strategy import AVERAGE_PLURIBUS, AVERAGE_SCHEMES
from holdem.mccfr.external_sampling import Params, iteration_weight

#: default pruning threshold, in big blinds per unit of iteration weight W(t): regret below
#: -0.01 bb x W(t) is pruned (README "Pruning"; measured by benchmarks/bench_pruning.py)
DEFAULT_PRUNING_SCALE = 0.01
#: int32 regrets: table units per big blind
REGRET_UNITS_PER_BB = 100.0
REGRET_DTYPES = ("float32", "int32")


@dataclass(frozen=True)
class SolverConfig:
    """MCCFR parameters, named as users of the old trainer know them.

    Pruning (Pluribus's negative-regret pruning, README "Pruning"): after ``prune_start``
    iterations, on ``pruning_probability`` of the iterations, the traverser skips actions
    whose regret is below the threshold. ``pruning_threshold`` is that threshold in chips;
    ``None`` (the default) makes it scale with the iterations: ``-DEFAULT_PRUNING_SCALE``
    big blinds times W(t), the total linear-CFR weight of the iterations so far
    (:meth:`iteration_weight`; the kernel evaluates it every iteration). A dominated action's
    regret falls in proportion to W(t), so a fixed number of chips is either out of reach
    (Pluribus's -300,000,000 with 10,000-chip stacks, i.e. -30,000 x stack, never fired
    here) or reached at once (``benchmarks/bench_pruning.py``).

    ``regret_floor`` defaults to Pluribus's -310,000,000 with 10,000-chip stacks scaled to
    the game's chips, -31,000 times the largest stack (``None``).

    ``average`` (``simple`` | ``sampled`` | ``pluribus``) chooses how the average strategy is
    accumulated (README, "Averaging": ``simple`` is the default for any number of players
    because it measured best per second on 3-player Kuhn and Leduc);
    ``regret_dtype`` (``float32`` | ``int32``): int32 regrets are kept as Pluribus kept
    them, in integer units of ``REGRET_UNITS_PER_BB`` per big blind (0.01 bb; Pluribus's
    chips with 10,000-chip stacks at 100 bb), updated with stochastic rounding and
    saturating at +-2^31 (README, "Precision").
    ``strategy_interval`` is the iterations between average-strategy passes of the sampled
    schemes, ``current_snapshots`` the number of current-strategy snapshots that make up
    the later rounds of a ``pluribus`` blueprint.
    """

    use_linear_weighting: bool = True
    discount_interval: int = 1_000      # iterations between linear-CFR discounts
    lcfr_threshold: int = 400_000       # no discounting after this iteration
    enable_pruning: bool = False
    prune_start: int = 200_000          # iterations before pruning may start
    pruning_threshold: float | None = None  # chips; None = -DEFAULT_PRUNING_SCALE bb x W(t)
    pruning_probability: float = 0.95
    regret_floor: float | None = None
    average: str = "simple"
    regret_dtype: str = "float32"
    strategy_interval: int = 1
    current_snapshots: int = 20

    def iteration_weight(self, t: int) -> float:
        """W(t): the total weight of iterations 1..t in the tables after iteration t, in units
        of the newest iteration's: t - K * discount_interval / 2 after K linear-CFR discounts
        (K = min(t, lcfr_threshold) // discount_interval), t without linear weighting."""
        return iteration_weight(t, self.discount_interval, self._lcfr_end())

    def pruning_threshold_at(self, spec: GameSpec, t: int) -> float:
        """The pruning threshold in chips at iteration ``t``: ``pruning_threshold`` when set,
        else -DEFAULT_PRUNING_SCALE big blinds x W(t) (what the kernel computes per iteration)."""
        if self.pruning_threshold is not None:
            return float(self.pruning_threshold)
        return -DEFAULT_PRUNING_SCALE * spec.big_blind * self.iteration_weight(t)

    def _lcfr_end(self) -> int:
        return self.lcfr_threshold if self.use_linear_weighting else 0

    def params(self, spec: GameSpec, regret_scale: float = 1.0) -> Params:
        """Kernel parameters with chip-scaled defaults filled in. ``regret_scale``: the scale
        the regret tables are kept at relative to one machine's (a multi-node run averages
        its nodes' regret deltas, 1/N: holdem.runtime.cluster); the pruning threshold and the
        floor, which compare against regrets, are scaled with it."""
        stack = max(spec.stacks)
        unit = REGRET_UNITS_PER_BB / spec.big_blind if self.regret_dtype == "int32" else 0.0
        regret_scale *= unit or 1.0  # thresholds and the floor are compared with table values
        fixed = self.pruning_threshold is not None
        threshold = float(self.pruning_threshold) * regret_scale if fixed else 0.0
        scale = 0.0 if fixed else -DEFAULT_PRUNING_SCALE * spec.big_blind * regret_scale
        floor = (-31_000.0 * stack if self.regret_floor is None else float(self.regret_floor)) * regret_scale
        average = AVERAGE_SCHEMES[self.average]
        streets = 1 if average == AVERAGE_PLURIBUS else spec.num_streets
        return Params(bool(self.enable_pruning), int(self.prune_start), float(self.pruning_probability),
                      threshold, scale, int(self.discount_interval), self._lcfr_end(), floor, unit, average,
                      int(self.strategy_interval), streets)


def solver_config_from_dict(data: dict[str, Any] | None, where: str = "solver") -> SolverConfig:
    """Validated SolverConfig from a YAML mapping; unknown keys and wrong types are errors."""
    data = data or {}
    if not isinstance(data, dict):
        raise SpecError(f"{where}: invalid value {data!r}: expected a mapping of solver parameters")
    known = {f.name: f for f in fields(SolverConfig)}
    kinds = {"use_linear_weighting": bool, "enable_pruning": bool, "discount_interval": int,
             "lcfr_threshold": int, "prune_start": int, "pruning_threshold": float,
             "pruning_probability": float, "regret_floor": float, "average": str, "regret_dtype": str,
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

    def name(key: str) -> str:
        return f"{where}.{key}"
    for key in ("discount_interval", "strategy_interval", "current_snapshots"):
        check_number(name(key), getattr(cfg, key), integer=True, low=0, low_open=True)
    for key in ("lcfr_threshold", "prune_start"):
        check_number(name(key), getattr(cfg, key), integer=True, low=0)
    if cfg.regret_dtype not in REGRET_DTYPES:
        raise SpecError(f"{where}.regret_dtype: invalid value {cfg.regret_dtype!r}: use {', '.join(REGRET_DTYPES)}")
    if cfg.average not in AVERAGE_SCHEMES:
        raise SpecError(f"{where}.average: invalid value {cfg.average!r}: use {', '.join(AVERAGE_SCHEMES)}")
    check_number(name("pruning_probability"), cfg.pruning_probability, low=0, high=1,
                 fix="use a probability in [0, 1]")
    check_optional(name("pruning_threshold"), cfg.pruning_threshold, high=0,
                   fix="use chips <= 0 (regret below it is pruned) or null (scaled with the iterations)")
    check_optional(name("regret_floor"), cfg.regret_floor, high=0,
                   fix="use chips <= 0 (regret is never below it) or null (-31,000 x the largest stack)")
    return cfg
