"""Snapshots: table arrays in ``tables.npz`` (never pickled) plus ``meta.json``.

A snapshot is a directory written atomically: everything goes into a hidden temporary
directory beside it, each file is fsynced, then the directory is renamed into place and the
parent fsynced. A crash at any moment leaves either the old snapshots or the new one
complete, never a half-written one under a real name. ``meta.json`` records the format
version, the SHA-256 of ``tables.npz`` and what the tables belong to (problem hash), so a
damaged, foreign or tampered snapshot is refused with a message naming the file.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from holdem.core.checksum import sha256_file
from holdem.core.processes import pid_alive

SNAPSHOT_VERSION = 1
TABLES = "tables.npz"
META = "meta.json"


class SnapshotError(ValueError):
    """A snapshot cannot be used; the message names the file and the problem."""



def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_snapshot(target: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Path:
    """Write ``arrays`` and ``meta`` to directory ``target`` atomically; return ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{target.name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        with open(tmp / TABLES, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        full = dict(meta, version=SNAPSHOT_VERSION, sha256=sha256_file(tmp / TABLES), written=time.time(),
                    arrays={k: [str(v.dtype), list(v.shape)] for k, v in arrays.items()})
        with open(tmp / META, "w") as f:
            json.dump(full, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        _fsync_path(tmp)
        if target.exists():  # replace: move the old one aside first so a crash keeps one of them
            old = target.parent / f".old-{target.name}-{os.getpid()}"
            os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
        _fsync_path(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def read_meta(path: Path) -> dict[str, Any]:
    """The metadata of a snapshot directory, checked for version and required fields."""
    path = Path(path)
    meta_path = path / META
    try:
        meta = json.loads(meta_path.read_text())
    except FileNotFoundError:
        raise SnapshotError(f"{meta_path}: missing; {path} is not a complete snapshot") from None
    except (OSError, ValueError) as e:
        raise SnapshotError(f"{meta_path}: unreadable ({e}); the snapshot is damaged") from None
    if not isinstance(meta, dict) or meta.get("version") != SNAPSHOT_VERSION:
        found = meta.get("version") if isinstance(meta, dict) else None
        raise SnapshotError(f"{meta_path}: snapshot format version {found!r}, this holdem reads "
                            f"version {SNAPSHOT_VERSION}")
    for key in ("sha256", "iteration", "problem_hash"):
        if key not in meta:
            raise SnapshotError(f"{meta_path}: field {key!r} missing; the snapshot is damaged")
    return meta


def load_snapshot(path: Path, verify: bool = True) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Arrays and metadata of a snapshot; SnapshotError if damaged, tampered or foreign."""
    path = Path(path)
    meta = read_meta(path)
    tables = path / TABLES
    if not tables.exists():
        raise SnapshotError(f"{tables}: missing; the snapshot is incomplete")
    if verify and sha256_file(tables) != meta["sha256"]:
        raise SnapshotError(f"{tables}: checksum mismatch with {META}; the file is damaged or was modified")
    try:
        with np.load(tables, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as e:
        raise SnapshotError(f"{tables}: unreadable ({e})") from None
    for name, (dtype, shape) in meta.get("arrays", {}).items():
        if name not in arrays or str(arrays[name].dtype) != dtype or list(arrays[name].shape) != shape:
            raise SnapshotError(f"{tables}: array {name!r} does not match {META}")
    return arrays, meta


def list_snapshots(directory: Path) -> list[Path]:
    """Complete snapshot directories under ``directory``, oldest first (by iteration)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for p in directory.iterdir():
        if p.is_dir() and not p.name.startswith(".") and (p / META).exists():
            try:
                found.append((int(read_meta(p)["iteration"]), p.name, p))
            except SnapshotError:
                continue
    return [p for _, _, p in sorted(found)]


def prune_snapshots(directory: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` snapshots, and leftovers of interrupted writes."""
    directory = Path(directory)
    snaps = list_snapshots(directory)
    for p in snaps[:-keep] if keep > 0 else snaps:
        shutil.rmtree(p, ignore_errors=True)
    if directory.is_dir():
        for p in directory.iterdir():
            if p.name.startswith((".tmp-", ".old-")):
                pid = p.name.rsplit("-", 1)[-1]
                if not pid.isdigit() or not pid_alive(int(pid)) or int(pid) == os.getpid():
                    shutil.rmtree(p, ignore_errors=True)

