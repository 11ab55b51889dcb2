"""The run's files: what run.json and metrics.jsonl say about a run, and where its directory is.

Owns :class:`RunState` (status, iteration, iterations/s, when run.json was written), the
tolerant readers of a run directory's files (a file may be missing or half written while the
run writes it), :class:`MetricsTail` (re-reads metrics.jsonl only when it has grown), and the
ways of finding the directory: the ``--logdir`` of a training command, or the metrics.jsonl
the coordinator keeps open.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil


@dataclass
class RunState:
    """What the run directory says (None where unknown)."""

    status: str | None = None
    iteration: int | None = None
    iterations_per_s: float | None = None
    updated: float | None = None  # when run.json was last written (time.time())


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON file, or None while it is missing or half written."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def last_metrics_record(path: Path, max_bytes: int = 1 << 22) -> dict[str, Any] | None:
    """The last progress record (one with iterations_per_s) of a metrics.jsonl, read from its end."""
    try:
        size = path.stat().st_size
        f = open(path, "rb")
    except OSError:
        return None
    chunk = 16384
    with f:
        while True:
            start = max(0, size - chunk)
            f.seek(start)
            lines = f.read(size - start).split(b"\n")
            if start > 0:
                lines = lines[1:]  # the first line may be cut
            for line in reversed(lines):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # the writer's last line may be incomplete
                if isinstance(rec, dict) and "iterations_per_s" in rec:
                    return rec
            if start == 0 or chunk >= max_bytes:
                return None
            chunk *= 4


def logdir_of(command: list[str]) -> Path | None:
    """The ``--logdir`` value of a training command, if it has one."""
    for i, arg in enumerate(command):
        if arg == "--logdir" and i + 1 < len(command):
            return Path(command[i + 1])
        if arg.startswith("--logdir="):
            return Path(arg.split("=", 1)[1])
    return None


def metrics_dir_of(pid: int) -> Path | None:
    """The run directory of the metrics.jsonl the process keeps open, if any."""
    try:
        for f in psutil.Process(pid).open_files():
            if f.path.endswith("/metrics.jsonl"):
                return Path(f.path).parent
    except psutil.Error:
        pass
    return None


class MetricsTail:
    """The last progress record of a metrics.jsonl, read again only when the file's size changes."""

    def __init__(self) -> None:
        self.size = -1
        self.record: dict[str, Any] | None = None

    def latest(self, path: Path) -> dict[str, Any] | None:
        """The last progress record of path (cached while its size stays the same)."""
        try:
            size = path.stat().st_size
        except OSError:
            size = -1
        if size != self.size:
            self.size = size
            self.record = last_metrics_record(path) if size > 0 else None
        return self.record


def run_state(info: dict[str, Any], metrics: dict[str, Any] | None) -> RunState:
    """The run's state from its run.json and its last metrics record (whose iteration may be newer)."""
    state = RunState(status=info.get("status"), iteration=info.get("iteration"), updated=info.get("updated"))
    if metrics is not None:
        state.iterations_per_s = metrics.get("iterations_per_s")
        it = metrics.get("iteration")
        if it is not None and (state.iteration is None or it > state.iteration):
            state.iteration = it
    return state
