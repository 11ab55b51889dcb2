"""Snapshots: table arrays in ``tables.npz`` (never pickled) plus ``meta.json``.

A snapshot is a directory written atomically: everything goes into a hidden temporary
directory beside it, each file is fsynced, then the directory is renamed into place and the
parent fsynced. A crash at any moment leaves either the old snapshots or the new one
complete, never a half-written one under a real name. ``meta.json`` records the format
version, the SHA-256 of ``tables.npz``, what the tables belong to (problem hash) and, in
``meta_sha256``, the SHA-256 of the rest of ``meta.json`` itself, so a damaged, foreign or
tampered snapshot (tables or metadata: an edited iteration, a removed generator state) is
refused with a message naming the file. Format 1 (before the metadata checksum) is still
read, with its fields checked for type.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from holdem.core.checksum import sha256_file
from holdem.core.files import replace_dir
from holdem.core.inputs import InputError
from holdem.core.processes import pid_alive

SNAPSHOT_VERSION = 3  # 3: flat tables over action slots (holdem.run.table_format converts 1-2)
READABLE_VERSIONS = (1, 2, 3)
TABLES = "tables.npz"
META = "meta.json"


class SnapshotError(InputError):
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
        full["meta_sha256"] = meta_digest(full)
        with open(tmp / META, "w") as f:
            json.dump(full, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        _fsync_path(tmp)
        replace_dir(tmp, target)
        _fsync_path(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def meta_digest(meta: dict[str, Any]) -> str:
    """SHA-256 of a snapshot's metadata without its own ``meta_sha256`` (canonical JSON)."""
    body = {k: v for k, v in meta.items() if k != "meta_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


#: fields every snapshot's meta.json has, and those a training run adds, with their types
#: (checked in format 1 too, which has no metadata checksum)
_REQUIRED = {"sha256": (str,), "iteration": (int,), "problem_hash": (str,)}
_OPTIONAL = {"rng": (list,), "elapsed": (int, float), "config": (dict,), "num_rows": (int,)}


def read_meta(path: Path) -> dict[str, Any]:
    """The metadata of a snapshot directory, checked for version, checksum and fields."""
    path = Path(path)
    meta_path = path / META
    try:
        meta = json.loads(meta_path.read_bytes())
    except FileNotFoundError:
        raise SnapshotError(f"{meta_path}: missing; {path} is not a complete snapshot") from None
    except IsADirectoryError:
        raise SnapshotError(f"{meta_path}: is a directory; {path} is not a snapshot") from None
    except (OSError, ValueError) as e:
        raise SnapshotError(f"{meta_path}: unreadable ({type(e).__name__}); the snapshot is damaged") from None
    if not isinstance(meta, dict) or meta.get("version") not in READABLE_VERSIONS:
        found = meta.get("version") if isinstance(meta, dict) else None
        raise SnapshotError(f"{meta_path}: snapshot format version {found!r}, this holdem reads "
                            f"versions {', '.join(map(str, READABLE_VERSIONS))}")
    if meta["version"] >= 2 and meta.get("meta_sha256") != meta_digest(meta):
        raise SnapshotError(f"{meta_path}: checksum mismatch (meta_sha256); the metadata is damaged or was "
                            "modified: use another snapshot")
    for key, types in {**_REQUIRED, **_OPTIONAL}.items():
        if key not in meta:
            if key in _REQUIRED:
                raise SnapshotError(f"{meta_path}: field {key!r} missing; the snapshot is damaged")
            continue
        value = meta[key]
        if isinstance(value, bool) or not isinstance(value, types):
            raise SnapshotError(f"{meta_path}: field {key!r} has invalid value {value!r}; the snapshot is damaged")
    rng = meta.get("rng", ["0"])
    if meta["iteration"] < 0 or not rng or not all(isinstance(x, str) and x.isdigit() for x in rng):
        raise SnapshotError(f"{meta_path}: field 'iteration' or 'rng' is invalid; the snapshot is damaged")
    return meta


def require_fields(meta: dict[str, Any], path: Path, keys: tuple[str, ...] = ("rng", "elapsed", "config")) -> None:
    """SnapshotError unless ``meta`` has ``keys`` (what a training run's snapshot has)."""
    for key in keys:
        if key not in meta:
            raise SnapshotError(f"{Path(path) / META}: field {key!r} missing; not a training snapshot, or damaged")


def load_snapshot(path: Path, verify: bool = True) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Arrays and metadata of a snapshot; SnapshotError if damaged, tampered or foreign."""
    path = Path(path)
    meta = read_meta(path)
    tables = _tables_of(path, meta, verify)
    try:
        with np.load(tables, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        raise _unreadable(tables) from None
    return _checked(tables, arrays, meta), meta


def _tables_of(path: Path, meta: dict[str, Any], verify: bool) -> Path:
    tables = path / TABLES
    if not tables.exists():
        raise SnapshotError(f"{tables}: missing; the snapshot is incomplete")
    if verify and sha256_file(tables) != meta["sha256"]:
        raise SnapshotError(f"{tables}: checksum mismatch with {META}; the file is damaged or was modified")
    return tables


def _unreadable(tables: Path) -> SnapshotError:
    # (numpy's own message suggests allow_pickle, which a snapshot never needs)
    return SnapshotError(f"{tables}: unreadable (not a valid .npz of numeric arrays); the snapshot is "
                         "damaged: use another snapshot")


def _checked(tables: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> dict[str, np.ndarray]:
    for name, (dtype, shape) in meta.get("arrays", {}).items():
        if name not in arrays or str(arrays[name].dtype) != dtype or list(arrays[name].shape) != shape:
            raise SnapshotError(f"{tables}: array {name!r} does not match {META}")
    return arrays


def map_tables(path: Path, verify: bool = True) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Like :func:`load_snapshot`, but each array is a read-only memory map of its bytes in
    ``tables.npz`` (stored uncompressed by :func:`save_snapshot`): reading a few rows of a
    large table costs those pages, not the table (what the strategy report does)."""
    path = Path(path)
    meta = read_meta(path)
    tables = _tables_of(path, meta, verify)
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(tables) as zf, open(tables, "rb") as raw:
            for info in zf.infolist():
                if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
                    raise SnapshotError(f"{tables}: member {info.filename!r} is not a stored .npy array")
                raw.seek(info.header_offset)
                local = raw.read(30)  # the local file header: its name and extra field lengths
                start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + \
                    int.from_bytes(local[28:30], "little")
                raw.seek(start)
                version = np.lib.format.read_magic(raw)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(raw)
                if dtype.hasobject:
                    raise SnapshotError(f"{tables}: array {info.filename!r} holds objects; refused")
                name = info.filename[:-4]
                if 0 in shape:
                    arrays[name] = np.zeros(shape, dtype=dtype)
                else:
                    arrays[name] = np.memmap(tables, dtype=dtype, mode="r", offset=raw.tell(), shape=shape,
                                             order="F" if fortran else "C")
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        raise _unreadable(tables) from None
    return _checked(tables, arrays, meta), meta


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

