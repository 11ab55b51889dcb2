"""Train a config: the one entry point behind ``train_blueprint`` (and ``make train``).

Everything that can be refused is checked before the run directory is touched: the
config, the snapshot to resume (tables and metadata checksums, same game, abstraction and
solver), the worker count, the run directory itself. From the moment the directory is
claimed, signals only request a stop (:mod:`holdem.run.signals`), so every way out after
that writes the final snapshot.
"""
from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from holdem.config import RunConfig, check_workers, config_from_dict
from holdem.core.inputs import InputError
from holdem.mccfr.problem import build_problem
from holdem.run.buckets import ensure_buckets
from holdem.run.directory import RunError, claim_run_dir
from holdem.run.loop import Run
from holdem.run.memory_plan import check_fits
from holdem.run.signals import StopFlag
from holdem.run.snapshot import TABLES, SnapshotError, load_snapshot, read_meta, require_fields
from holdem.run.table_format import checked_tables
from holdem.runtime.coordinator import WorkerFailure, resolve_workers
from holdem.runtime.engine import make_engine, worker_processes

#: the config sections a resume must keep: they define the tables and what fills them
FIXED_SECTIONS = ("game", "abstraction", "solver")


def recorded_config(snapshot: Path) -> RunConfig:
    """The config a snapshot was trained with (from its checksummed metadata)."""
    meta = read_meta(snapshot)
    require_fields(meta, snapshot)
    try:
        return config_from_dict(meta["config"])
    except InputError as e:
        raise SnapshotError(f"{snapshot / 'meta.json'}: recorded config is invalid ({e})") from None


def resumed_config(snapshot: Path, given: RunConfig | None = None, given_path: Path | None = None) -> RunConfig:
    """The config to resume ``snapshot`` with: its own, or ``given`` when that keeps the
    game, abstraction and solver (only the train section may change)."""
    recorded = recorded_config(snapshot)
    if given is None:
        return recorded
    old, new = recorded.to_dict(), given.to_dict()
    old["abstraction"] = {k: v for k, v in old["abstraction"].items() if k != "sha256"}
    new["abstraction"] = {k: v for k, v in new["abstraction"].items() if k != "sha256"}
    for section in FIXED_SECTIONS:
        if old[section] != new[section]:
            key, was, now = _first_difference(old[section], new[section])
            raise RunError(f"{given_path or '--config'}: {section}{'.' + key if key else ''} is {now!r}, the run "
                           f"was trained with {was!r}; resume without --config (the run's own config) or start "
                           "a new run")
    return RunConfig(recorded.game, recorded.abstraction, recorded.solver, given.train)


def _first_difference(old: Any, new: Any) -> tuple[str, Any, Any]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if old.get(key) != new.get(key):
                return key, old.get(key), new.get(key)
    return "", old, new


def train_changes(before: RunConfig, after: RunConfig) -> list[str]:
    """'key old -> new' for each train setting a resume changes (reported, allowed)."""
    old, new = asdict(before.train), asdict(after.train)
    return [f"{k} {old[k]!r} -> {new[k]!r}" for k in old if old[k] != new[k]]


def train(cfg: RunConfig, logdir: Path | None = None, resume_from: Path | None = None,
          force_workers: bool = False, notes: list[str] = (), stop: StopFlag | None = None) -> tuple[int, Path]:
    """Train ``cfg`` (resuming the snapshot ``resume_from``); returns (exit code, run directory).
    ``notes`` are printed once every check has passed. ``stop``: the CLI's signal handler,
    installed at its start (else one is installed here for the call)."""
    if stop is None:
        with StopFlag(armed=False) as own:
            return train(cfg, logdir, resume_from, force_workers, notes, own)
    cfg = ensure_buckets(cfg, stop)
    stop.checkpoint()
    arrays, meta = (load_snapshot(resume_from) if resume_from is not None else (None, None))
    stop.checkpoint()
    if meta is not None:
        require_fields(meta, resume_from)
        if meta["problem_hash"] != cfg.problem_hash():
            raise RunError(f"{resume_from}: snapshot is of a different game or card abstraction than the "
                           "config; resume with the run's own config.yaml")
    problem = build_problem(cfg.game, cfg.abstraction)  # bad buckets fail here, before any file is written
    stop.checkpoint()
    if arrays is not None:
        arrays = checked_tables(problem, cfg, arrays, meta, resume_from / TABLES)
    background = True  # periodic snapshots written from a copy while the workers go on
    if cfg.train.backend == "ray":
        from holdem.runtime.cluster import check_cluster
        check_cluster(cfg)  # Ray installed, the cluster answers and has the nodes
    else:
        check_workers(resolve_workers(cfg.train.num_workers), force_workers)
        memory = check_fits(problem, cfg, worker_processes(cfg, meta))
        background = bool(memory.snapshot_copy) or not memory.num_workers
        if not background:
            notes = [*notes, "two copies of the tables do not fit in memory: the workers wait while a snapshot "
                     "is written"]
    stop.arm()  # from here on there is a run directory, and every way out writes final/
    run_dir, lock = claim_run_dir(cfg, logdir, resume_from)
    try:
        for note in notes:
            print(f"holdem: {note}", file=sys.stderr)
        try:
            engine = make_engine(problem, cfg, meta)
        except WorkerFailure as e:  # e.g. a cluster's node trainers could not start: nothing trained yet
            print(f"holdem: error: {e}", file=sys.stderr)
            return 1, run_dir
        try:
            if arrays is not None:
                engine.restore(arrays, meta)
            return Run(cfg, run_dir, problem, engine, meta, background_snapshots=background).loop(stop), run_dir
        finally:
            engine.close()
    finally:
        lock.release()
