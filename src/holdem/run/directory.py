"""The run directory: where a run's files live, who may write them, how a run or snapshot is found.

Run directory::

    .holdem-run      marker: this directory was created (or claimed empty) by holdem
    .lock            held (an OS file lock) by the one process training the run
    config.yaml      resolved configuration
    run.json         coordinator pid, start time, status
    metrics.jsonl    one record per progress interval / evaluation
    snapshots/       the newest ``keep_snapshots`` snapshots (see holdem.run.snapshot)
    final/           the snapshot written at the end (also after Ctrl-C)

Rules (issue #12): a run directory is one holdem created, or an empty one it claims; any
other existing directory is refused. Training holds an exclusive ``flock`` on ``.lock``
for as long as it runs, so a second trainer is refused and a crash (even SIGKILL) frees it.
A resume writes into the run it resumes, or into a new empty directory, never into
another run. A run directory holding no snapshot (it crashed before its first) is reused
by a fresh start.
"""
from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from pathlib import Path

import yaml

from holdem.config import RunConfig
from holdem.core.files import write_atomic
from holdem.core.inputs import InputError
from holdem.run.snapshot import SnapshotError, list_snapshots, read_meta

MARKER = ".holdem-run"
LOCK = ".lock"


class RunError(InputError):
    """A run cannot start or continue; the message says why and what to do."""


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` is a holdem run directory (the marker, or a run from before it)."""
    path = Path(path)
    return (path / MARKER).exists() or ((path / "config.yaml").exists() and (path / "run.json").exists())


def has_snapshot(run_dir: Path) -> bool:
    """Whether the run holds a complete snapshot (final/ or snapshots/iter_*)."""
    run_dir = Path(run_dir)
    return (run_dir / "final" / "meta.json").exists() or bool(list_snapshots(run_dir / "snapshots"))


def resolve_snapshot(path: Path) -> Path:
    """A snapshot directory from a run directory (newest snapshot or final/) or a snapshot."""
    path = Path(path)
    if not path.exists():
        raise SnapshotError(f"{path}: does not exist; give a run directory or a snapshot directory")
    if not path.is_dir():
        raise SnapshotError(f"{path}: is a file; give a run directory or a snapshot directory")
    if (path / "meta.json").exists():
        read_meta(path)  # damaged or tampered: say so here, not "no snapshot"
        return path
    # final/ first: among equal iterations max() keeps the first, and final/ is the one to use
    candidates = ([path / "final"] if (path / "final" / "meta.json").exists() else []) + list_snapshots(path / "snapshots")
    if not candidates:
        if is_run_dir(path):
            raise SnapshotError(f"{path}: the run holds no snapshot yet (it stopped or crashed before its first, "
                                f"or is starting); train it afresh with --config {path / 'config.yaml'} --logdir {path}")
        raise SnapshotError(f"{path}: not a run or snapshot directory (no meta.json, snapshots/ or final/)")
    return max(candidates, key=lambda p: int(read_meta(p)["iteration"]))


def run_dir_of(snapshot: Path) -> Path:
    """The run directory a snapshot directory (final/ or snapshots/iter_*) belongs to."""
    parent = snapshot.parent
    return parent.parent if parent.name == "snapshots" else parent


class RunLock:
    """An exclusive OS lock on ``RUN/.lock`` held while one process trains the run.

    ``flock`` locks belong to the open file: the kernel frees them when the process ends,
    however it ends, so a crashed trainer never blocks its successor. The file records the
    holder's pid for the message a second trainer gets."""

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / LOCK
        self.fd: int | None = None

    def acquire(self) -> "RunLock":
        """Take the lock or raise RunError naming the process that holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunError(f"{self.path.parent}: in use by another trainer ({holder}); wait for it to "
                           "finish or stop it (Ctrl-C / kill), or choose another --logdir") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": time.time()}).encode(), 0)
        self.fd = fd
        return self

    def release(self) -> None:
        """Give the lock up (the file stays: removing it would race with a new holder)."""
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {int(info['pid'])}, since {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(info['since']))}"
    except (OSError, ValueError, KeyError, TypeError):
        return "pid unknown"


def claim_run_dir(cfg: RunConfig, logdir: Path | None, resume: Path | None) -> tuple[Path, RunLock]:
    """Choose the run directory, refuse anything that would write into another run or a
    foreign directory, lock it, and write the marker and config.yaml."""
    if logdir is None and resume is not None:
        logdir = run_dir_of(resume)
        if not is_run_dir(logdir):
            raise RunError(f"--resume-from {resume}: this snapshot is not inside a run directory; give "
                           "--logdir NEW_DIR to continue it there")
    if logdir is None:
        logdir = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    logdir = Path(logdir)
    if logdir.exists() and not logdir.is_dir():
        raise RunError(f"--logdir {logdir}: is a file; give a directory (new or empty)")
    own = resume is not None and _same(logdir, run_dir_of(resume))
    fresh = not logdir.exists() or not any(logdir.iterdir())
    if not fresh and not is_run_dir(logdir):
        raise RunError(f"--logdir {logdir}: exists and is not a holdem run directory; give a new or empty "
                       "directory (nothing in it was changed)")
    if not fresh and not own:
        if resume is not None:
            raise RunError(f"--logdir {logdir}: holds another run; a resume writes into the run it continues "
                           f"({run_dir_of(resume)}) or into a new empty directory")
        if has_snapshot(logdir):
            newest = read_meta(resolve_snapshot(logdir))["iteration"]
            raise RunError(f"--logdir {logdir}: already holds a run (iteration {newest:,}); continue it with "
                           f"--resume-from {logdir} (and --iters N), or choose another --logdir")
    logdir.mkdir(parents=True, exist_ok=True)
    lock = RunLock(logdir).acquire()
    try:
        if not fresh and not own and (logdir / "metrics.jsonl").exists():
            # a run that stopped before its first snapshot: nothing of it was kept, start over
            os.replace(logdir / "metrics.jsonl", logdir / "metrics.abandoned.jsonl")
            print(f"holdem: {logdir} held no snapshot (an earlier start stopped before its first); starting "
                  "it afresh (its metrics moved to metrics.abandoned.jsonl)", file=sys.stderr)
        if not (logdir / MARKER).exists():
            write_atomic(logdir / MARKER, json.dumps({"created": time.time()}) + "\n")
        write_atomic(logdir / "config.yaml", yaml.safe_dump(cfg.to_dict(), sort_keys=False))
    except BaseException:
        lock.release()
        raise
    return logdir, lock


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
