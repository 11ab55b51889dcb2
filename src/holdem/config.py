"""Run configuration: one YAML file with the sections ``game``, ``abstraction``, ``solver``
and ``train``. Unknown keys and wrong types are errors that name the file, key and value.

Example (configs/leduc.yaml)::

    game: leduc               # a preset name, or a mapping (preset: + overrides, or all fields)
    abstraction: lossless
    solver: {use_linear_weighting: true, discount_interval: 1000}
    train: {iters: 100000, seed: 0}
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from holdem.abstraction.card_abstraction import check_abstraction
from holdem.game.spec import GameSpec, SpecError, spec_from_dict
from holdem.mccfr.solver_config import SolverConfig, solver_config_from_dict



@dataclass(frozen=True)
class TrainConfig:
    """How long and how a run trains (the CLI flags override these)."""

    iters: int = 100_000
    seed: int = 0
    batch_size: int = 10_000            # iterations per kernel call / worker batch
    num_workers: int = 1                # 0 = all cores
    time_budget: float | None = None    # seconds; stop when spent (whichever of iters/time first)
    snapshot_interval: float = 300.0    # seconds between snapshots
    checkpoint_interval: int | None = None  # iterations between snapshots (in addition)
    keep_snapshots: int = 3
    eval_interval: int | None = None    # iterations between exploitability evaluations (small games)
    tensorboard: bool = False
    on_worker_failure: str = "restart"  # or "stop"
    stall_timeout: float = 120.0        # seconds without a token before a worker is reported stalled
    check_updates: bool = False         # keep an update counter per row (tests, --check-updates)


@dataclass(frozen=True)
class RunConfig:
    """A whole run: the game, its card abstraction, the solver and the training budget."""

    game: GameSpec
    abstraction: dict[str, Any] = field(default_factory=lambda: {"kind": "lossless"})
    solver: SolverConfig = field(default_factory=SolverConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the resolved config written to a run directory)."""
        return {"game": self.game.to_dict(), "abstraction": self.abstraction,
                "solver": asdict(self.solver), "train": asdict(self.train)}

    def problem_hash(self) -> str:
        """SHA-256 of what fixes the table layout (game + abstraction): snapshots must match it."""
        blob = json.dumps({"game": self.game.to_dict(), "abstraction": self.abstraction}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


_TRAIN_TYPES: dict[str, tuple[type, ...]] = {
    "iters": (int,), "seed": (int,), "batch_size": (int,), "num_workers": (int,),
    "time_budget": (int, float, type(None)), "snapshot_interval": (int, float),
    "checkpoint_interval": (int, type(None)), "keep_snapshots": (int,), "eval_interval": (int, type(None)),
    "tensorboard": (bool,), "on_worker_failure": (str,), "stall_timeout": (int, float), "check_updates": (bool,),
}


def train_config_from_dict(data: Any, where: str = "train") -> TrainConfig:
    """Validated TrainConfig from a mapping."""
    data = data or {}
    if not isinstance(data, dict):
        raise SpecError(f"{where}: invalid value {data!r}: expected a mapping")
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _TRAIN_TYPES:
            raise SpecError(f"{where}.{key}: unknown key: valid keys are {', '.join(sorted(_TRAIN_TYPES))}")
        types = _TRAIN_TYPES[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            names = "/".join("null" if t is type(None) else t.__name__ for t in types)
            raise SpecError(f"{where}.{key}: invalid value {value!r}: expected {names}")
        out[key] = value
    return check_train(TrainConfig(**out), where)


def check_train(cfg: TrainConfig, where: str = "train") -> TrainConfig:
    """Range checks shared by YAML and CLI values."""
    def bad(key: str, fix: str) -> SpecError:
        name = "--" + key.replace("_", "-") if where == "cli" else f"{where}.{key}"
        return SpecError(f"{name}: invalid value {getattr(cfg, key)!r}: {fix}")

    if cfg.iters < 0:
        raise bad("iters", "use a non-negative integer")
    if cfg.batch_size <= 0:
        raise bad("batch_size", "use a positive integer")
    if cfg.num_workers < 0:
        raise bad("num_workers", "use 0 (all cores) or a positive integer")
    if cfg.time_budget is not None and cfg.time_budget <= 0:
        raise bad("time_budget", "use a positive number of seconds")
    if cfg.snapshot_interval <= 0:
        raise bad("snapshot_interval", "use a positive number of seconds")
    if cfg.checkpoint_interval is not None and cfg.checkpoint_interval <= 0:
        raise bad("checkpoint_interval", "use a positive number of iterations")
    if cfg.keep_snapshots < 1:
        raise bad("keep_snapshots", "keep at least 1")
    if cfg.on_worker_failure not in ("restart", "stop"):
        raise bad("on_worker_failure", "use 'restart' or 'stop'")
    if cfg.stall_timeout <= 0:
        raise bad("stall_timeout", "use a positive number of seconds")
    return cfg


def config_from_dict(data: Any, where: str = "config") -> RunConfig:
    """RunConfig from parsed YAML."""
    if not isinstance(data, dict):
        raise SpecError(f"{where}: expected a mapping with keys game, abstraction, solver, train")
    allowed = {"game", "abstraction", "solver", "train"}
    for key in data:
        if key not in allowed:
            raise SpecError(f"{where}: unknown key {key!r}: valid keys are {', '.join(sorted(allowed))}")
    if "game" not in data:
        raise SpecError(f"{where}: missing key 'game': name a preset (kuhn, leduc, ...) or give game fields")
    game = spec_from_dict(data["game"])
    abstraction = check_abstraction(data.get("abstraction", "lossless"))
    return RunConfig(game, abstraction, solver_config_from_dict(data.get("solver")),
                     train_config_from_dict(data.get("train")))


def load_config(path: str | Path) -> RunConfig:
    """Read and validate a YAML run config; errors start with the file name."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise SpecError(f"{path}: cannot read config ({e.strerror}); check the path") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: not valid YAML: {str(e).splitlines()[0]}") from None
    try:
        return config_from_dict(data)
    except SpecError as e:
        raise SpecError(f"{path}: {e}") from None


def with_train_overrides(cfg: RunConfig, **overrides: Any) -> RunConfig:
    """Copy of ``cfg`` with the non-None train overrides applied (CLI beats YAML)."""
    known = {f.name for f in fields(TrainConfig)}
    updates = {k: v for k, v in overrides.items() if v is not None and k in known}
    return replace(cfg, train=check_train(replace(cfg.train, **updates), "cli"))
