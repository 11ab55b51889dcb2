"""Train a config: the one entry point behind ``train_blueprint`` (and ``make train``)."""
from __future__ import annotations

from pathlib import Path

from holdem.config import RunConfig
from holdem.mccfr.problem import build_problem
from holdem.run.buckets import ensure_buckets
from holdem.run.directory import RunError, prepare_run_dir, resolve_snapshot
from holdem.run.loop import Run
from holdem.run.snapshot import load_snapshot
from holdem.runtime.engine import make_engine


def train(cfg: RunConfig, logdir: Path | None = None, resume_from: Path | None = None) -> tuple[int, Path]:
    """Train ``cfg``; returns (exit code, run directory)."""
    cfg = ensure_buckets(cfg)
    snapshot_path = resolve_snapshot(resume_from) if resume_from is not None else None
    resumed_arrays, resumed_meta = (load_snapshot(snapshot_path) if snapshot_path is not None else (None, None))
    if resumed_meta is not None and resumed_meta["problem_hash"] != cfg.problem_hash():
        raise RunError(f"{snapshot_path}: snapshot is of a different game or card abstraction than the "
                       "config; resume with the run's own config.yaml")
    problem = build_problem(cfg.game, cfg.abstraction)  # bad buckets fail here, before any file is written
    run_dir = prepare_run_dir(cfg, logdir, snapshot_path)
    engine = make_engine(problem, cfg)
    try:
        if resumed_arrays is not None:
            engine.restore(resumed_arrays, resumed_meta)
        return Run(cfg, run_dir, problem, engine, resumed_meta).loop(), run_dir
    finally:
        engine.close()
