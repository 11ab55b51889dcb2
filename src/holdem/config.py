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
import os
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from holdem.abstraction.card_abstraction import check_abstraction
from holdem.core.inputs import InputError, check_number, check_optional
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
    # multi-node training (holdem.runtime.cluster; README "Training on a Ray cluster")
    backend: str = "local"              # "local" (this machine) or "ray" (one trainer per cluster node)
    ray_address: str = "auto"           # the cluster to join: "auto" or HOST:PORT
    nodes: int = 2                      # trainers (one per node) with backend ray
    workers_per_node: int = 1           # worker processes of each node's trainer
    sync_interval: int | None = None    # iterations per node between syncs (None: holdem.runtime.cluster.sync_interval)
    sync_timeout: float = 120.0         # seconds a node may lag the others (or a sync step take) before it is dropped
    on_node_failure: str = "continue"   # or "stop" (with a final snapshot)


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
    "backend": (str,), "ray_address": (str,), "nodes": (int,), "workers_per_node": (int,),
    "sync_interval": (int, type(None)), "sync_timeout": (int, float), "on_node_failure": (str,),
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
    """Range and finiteness checks shared by YAML and CLI values (holdem.core.inputs)."""
    def name(key: str) -> str:
        return "--" + key.replace("_", "-") if where == "cli" else f"{where}.{key}"

    counts = (1 << 62) - 1  # iteration counts stay far inside the kernels' int64
    positive_int = {"integer": True, "low": 0, "low_open": True, "high": counts}
    seconds = {"low": 0, "low_open": True, "high": 1e10}
    check_number(name("iters"), cfg.iters, integer=True, low=0, high=counts)
    check_number(name("seed"), cfg.seed, integer=True, low=0, high=(1 << 63) - 1)
    check_number(name("batch_size"), cfg.batch_size, integer=True, low=0, low_open=True, high=1 << 31)
    check_number(name("num_workers"), cfg.num_workers, integer=True, low=0, high=100_000,
                 fix="use 0 (all cores) or a positive integer")
    check_optional(name("time_budget"), cfg.time_budget, **seconds, fix="use a positive number of seconds")
    check_number(name("snapshot_interval"), cfg.snapshot_interval, **seconds, fix="use a positive number of seconds")
    check_optional(name("checkpoint_interval"), cfg.checkpoint_interval, **positive_int,
                   fix="use a positive number of iterations")
    check_number(name("keep_snapshots"), cfg.keep_snapshots, integer=True, low=1, high=1_000_000,
                 fix="keep at least 1")
    check_optional(name("eval_interval"), cfg.eval_interval, **positive_int,
                   fix="use a positive number of iterations (or leave it out: no evaluations)")
    check_number(name("stall_timeout"), cfg.stall_timeout, **seconds, fix="use a positive number of seconds")
    if cfg.on_worker_failure not in ("restart", "stop"):
        raise SpecError(f"{name('on_worker_failure')}: invalid value {cfg.on_worker_failure!r}: use 'restart' or 'stop'")
    if cfg.backend not in ("local", "ray"):
        raise SpecError(f"{name('backend')}: invalid value {cfg.backend!r}: use 'local' or 'ray'")
    if cfg.ray_address != "auto" and not _HOST_PORT.match(cfg.ray_address):
        raise SpecError(f"{name('ray_address')}: invalid value {cfg.ray_address!r}: use 'auto' or HOST:PORT "
                        "(the head node's address, e.g. 127.0.0.2:6379)")
    check_number(name("nodes"), cfg.nodes, integer=True, low=1, high=10_000, fix="use a positive number of nodes")
    check_number(name("workers_per_node"), cfg.workers_per_node, integer=True, low=1, high=100_000,
                 fix="use a positive number of workers")
    check_optional(name("sync_interval"), cfg.sync_interval, **positive_int,
                   fix="use a positive number of iterations (or leave it out for the default)")
    check_number(name("sync_timeout"), cfg.sync_timeout, **seconds, fix="use a positive number of seconds")
    if cfg.on_node_failure not in ("continue", "stop"):
        raise SpecError(f"{name('on_node_failure')}: invalid value {cfg.on_node_failure!r}: use 'continue' or 'stop'")
    return cfg


_HOST_PORT = re.compile(r"^[A-Za-z0-9._-]+:\d{1,5}$")


#: more workers than this many per core only with --force-workers (each is a process)
MAX_WORKERS_PER_CORE = 4


def check_workers(num_workers: int, force: bool = False) -> int:
    """``num_workers`` if sane for this machine: above MAX_WORKERS_PER_CORE per core needs ``force``."""
    cores = os.cpu_count() or 1
    if num_workers > MAX_WORKERS_PER_CORE * cores and not force:
        raise SpecError(f"--num-workers / train.num_workers: invalid value {num_workers}: this machine has "
                        f"{cores} cores; use at most {MAX_WORKERS_PER_CORE * cores} (0 = one per core) "
                        "or pass --force-workers")
    return num_workers


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
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a text file (a YAML config is UTF-8 text); check the path") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: not valid YAML: {str(e).splitlines()[0]}") from None
    try:
        return config_from_dict(data)
    except InputError as e:
        raise SpecError(f"{path}: {e}") from None


def with_train_overrides(cfg: RunConfig, **overrides: Any) -> RunConfig:
    """Copy of ``cfg`` with the non-None train overrides applied (CLI beats YAML)."""
    known = {f.name for f in fields(TrainConfig)}
    updates = {k: v for k, v in overrides.items() if v is not None and k in known}
    return replace(cfg, train=check_train(replace(cfg.train, **updates), "cli"))
