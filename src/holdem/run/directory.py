"""The run directory: where a run's files live, and how a run or snapshot is found.

Run directory::

    config.yaml      resolved configuration
    run.json         coordinator pid, start time, status
    metrics.jsonl    one record per progress interval / evaluation
    snapshots/       the newest ``keep_snapshots`` snapshots (see holdem.run.snapshot)
    final/           the snapshot written at the end (also after Ctrl-C)
"""
from __future__ import annotations

import time
from pathlib import Path

import yaml

from holdem.config import RunConfig
from holdem.run.snapshot import SnapshotError, list_snapshots, read_meta


class RunError(RuntimeError):
    """A run cannot start or continue; the message says why and what to do."""


def resolve_snapshot(path: Path) -> Path:
    """A snapshot directory from a run directory (newest snapshot or final/) or a snapshot."""
    path = Path(path)
    if (path / "meta.json").exists():
        return path
    # final/ first: among equal iterations max() keeps the first, and final/ is the one to use
    candidates = ([path / "final"] if (path / "final" / "meta.json").exists() else []) + list_snapshots(path / "snapshots")
    if not candidates:
        raise SnapshotError(f"{path}: no snapshot found (expected meta.json, snapshots/ or final/)")
    return max(candidates, key=lambda p: int(read_meta(p)["iteration"]))


def run_dir_of(snapshot: Path) -> Path:
    """The run directory a snapshot directory (final/ or snapshots/iter_*) belongs to."""
    parent = snapshot.parent
    return parent.parent if parent.name == "snapshots" else parent


def prepare_run_dir(cfg: RunConfig, logdir: Path | None, resume: Path | None) -> Path:
    """Create (or, when resuming, reopen) the run directory and write config.yaml."""
    if logdir is None:
        logdir = run_dir_of(resume) if resume is not None else Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    logdir = Path(logdir)
    if (logdir / "config.yaml").exists():
        if resume is None:
            raise RunError(f"{logdir}: already holds a run; continue it with --resume-from {logdir} "
                           "or choose another --logdir")
        old = yaml.safe_load((logdir / "config.yaml").read_text())
        if old.get("game") != cfg.game.to_dict() or old.get("abstraction") != cfg.abstraction:
            raise RunError(f"{logdir}: holds a run of another game/abstraction; choose another --logdir")
    logdir.mkdir(parents=True, exist_ok=True)
    (logdir / "config.yaml").write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False))
    return logdir
