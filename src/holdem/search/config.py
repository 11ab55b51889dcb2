"""Settings of a search: subgame sizes, solver iterations or time, leaf continuation."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from holdem.core.inputs import InputError

# finer than the 200bb blueprint (3/2/2 sizes on a street's first raise): pot fractions per
# raise depth of the round; the last list serves deeper raises; all-in is always offered
DEFAULT_SIZES: tuple[tuple[float, ...], ...] = ((0.33, 0.66, 1.0, 1.5), (0.5, 1.0), (1.0,))


@dataclass(frozen=True)
class SearchConfig:
    """How the search agent solves a subgame (see :mod:`holdem.search`)."""

    sizes: tuple[tuple[float, ...], ...] = DEFAULT_SIZES  # pot fractions per raise depth
    max_raises: int = 3             # raises per round in the subgame (then fold/call only)
    iterations: int = 300           # DCFR iterations (the time budget may stop it earlier)
    time_budget: float = 1.5        # seconds per solve, building included; 0 = iterations only
    from_street: int = 1            # search from this street on (1 = flop); earlier: blueprint
    runouts: int = 2                # sampled board completions for leaves and all-ins
    continuation_bias: float = 5.0  # Pluribus: fold/call/raise probabilities multiplied by 5
    continuations: int = 4          # k: blueprint, fold-, call-, raise-biased (1: blueprint only)
    leaf_choice: str = "opponent"   # who picks continuations at leaves: the opponent (Modicum) or both (Pluribus)
    allin_threshold: float = 0.9    # raises above this share of the stack become all-in
    safe: bool = False              # re-solving gadget (Burch et al. 2014); unsafe by default
    seed: int = 0

    def with_(self, **kw: Any) -> SearchConfig:
        """A copy with some fields changed (checked)."""
        return check_config(replace(self, **kw))


def check_config(cfg: SearchConfig) -> SearchConfig:
    """``cfg``, or InputError naming the bad key, value and the fix."""
    def bad(key: str, value: Any, fix: str) -> InputError:
        return InputError(f"search.{key}: invalid value {value!r}: {fix}")
    if not cfg.sizes or any(not depth for depth in cfg.sizes):
        raise bad("sizes", cfg.sizes, "give a non-empty list of pot fractions per raise depth")
    for depth in cfg.sizes:
        for f in depth:
            if not isinstance(f, (int, float)) or not 0.0 < float(f) <= 100.0:
                raise bad("sizes", f, "pot fractions must be numbers in (0, 100]")
    if not isinstance(cfg.max_raises, int) or not 1 <= cfg.max_raises <= 16:
        raise bad("max_raises", cfg.max_raises, "use an integer in 1..16")
    if not isinstance(cfg.iterations, int) or not 1 <= cfg.iterations <= 1_000_000:
        raise bad("iterations", cfg.iterations, "use an integer in 1..1000000")
    if not isinstance(cfg.time_budget, (int, float)) or cfg.time_budget < 0:
        raise bad("time_budget", cfg.time_budget, "use seconds >= 0 (0: iterations only)")
    if not isinstance(cfg.from_street, int) or not 0 <= cfg.from_street <= 3:
        raise bad("from_street", cfg.from_street, "use 0 (preflop) .. 3 (river)")
    if not isinstance(cfg.runouts, int) or not 1 <= cfg.runouts <= 64:
        raise bad("runouts", cfg.runouts, "use an integer in 1..64")
    if not isinstance(cfg.continuations, int) or cfg.continuations not in (1, 4):
        raise bad("continuations", cfg.continuations, "use 4 (Pluribus) or 1 (the blueprint alone)")
    if not isinstance(cfg.safe, bool):
        raise bad("safe", cfg.safe, "use true or false")
    if cfg.leaf_choice not in ("opponent", "both"):
        raise bad("leaf_choice", cfg.leaf_choice, "use opponent (the searcher keeps the blueprint) or both")
    if not isinstance(cfg.continuation_bias, (int, float)) or cfg.continuation_bias < 1:
        raise bad("continuation_bias", cfg.continuation_bias, "use a factor >= 1")
    if not 0.0 < float(cfg.allin_threshold) <= 1.0:
        raise bad("allin_threshold", cfg.allin_threshold, "use a share of the stack in (0, 1]")
    return cfg


def config_from_dict(data: dict[str, Any], where: str = "search") -> SearchConfig:
    """A SearchConfig from a mapping (YAML ``search:`` section or CLI), unknown keys refused."""
    known = set(SearchConfig.__dataclass_fields__)
    kw: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise InputError(f"{where}.{key}: unknown key: use one of {', '.join(sorted(known))}")
        if key == "sizes":
            value = tuple(tuple(float(x) for x in depth) for depth in value)
        kw[key] = value
    return check_config(SearchConfig(**kw))


def load_search_config(path: Any = None, time_budget: float | None = None) -> SearchConfig:
    """The defaults, or a YAML file's ``search:`` mapping (or a bare mapping), and an optional
    time budget over it; InputError naming the file and key."""
    cfg = SearchConfig()
    if path is not None:
        import yaml
        from pathlib import Path

        try:
            data = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as err:
            raise InputError(f"{path}: cannot read a YAML search config: {err}") from None
        if isinstance(data, dict) and "search" in data:
            data = data["search"]
        if not isinstance(data, dict):
            raise InputError(f"{path}: expected a mapping of search settings (e.g. iterations: 300)")
        cfg = config_from_dict(data, f"{path}: search")
    if time_budget is not None:
        cfg = cfg.with_(time_budget=float(time_budget))
    return cfg


__all__ = ["SearchConfig", "DEFAULT_SIZES", "check_config", "config_from_dict", "load_search_config"]
