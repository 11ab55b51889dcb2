"""Bucket files: per-street canonical-index -> bucket tables in ``FILE.npz`` (never pickled)
plus ``FILE.json`` metadata (format version, k per street, seed, feature kind, SHA-256 of the
``.npz``). Both are written atomically; a missing, truncated, foreign-version or modified
file is refused with a message naming the file and what is wrong.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from holdem.abstraction.isomorphism import NUM_INDICES
from holdem.core.checksum import sha256_file
from holdem.core.inputs import InputError

BUCKET_VERSION = 1
STREET_NAMES = ("preflop", "flop", "turn", "river")


class BucketFileError(InputError):
    """A bucket file cannot be used; the message names the file and the problem."""


def smallest_uint(k: int) -> np.dtype:
    """The smallest unsigned dtype holding bucket ids below k."""
    return np.dtype(np.uint8) if k <= 256 else np.dtype(np.uint16) if k <= 65536 else np.dtype(np.uint32)


def meta_path(path: Path) -> Path:
    """The JSON beside a bucket file."""
    return Path(path).with_suffix(".json")


def save_buckets(path: Path, tables: list[np.ndarray], meta: dict[str, Any]) -> str:
    """Write tables (one per street) and metadata atomically; return the file's SHA-256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **{name: t for name, t in zip(STREET_NAMES, tables)})
            f.flush()
            os.fsync(f.fileno())
        digest = sha256_file(tmp)
        full = dict(meta, version=BUCKET_VERSION, sha256=digest,
                    k=[int(t.max()) + 1 if t.size else 0 for t in tables] if "k" not in meta else meta["k"])
        jtmp = meta_path(tmp)
        jtmp.write_text(json.dumps(full, indent=1, sort_keys=True))
        os.replace(tmp, path)
        os.replace(jtmp, meta_path(path))
    finally:
        for p in (tmp, meta_path(tmp)):
            if p.exists():
                p.unlink()
    return digest


def read_bucket_meta(path: Path) -> dict[str, Any]:
    """Metadata of a bucket file, checked for version."""
    path = Path(path)
    mp = meta_path(path)
    if not path.exists():
        raise BucketFileError(f"{path}: bucket file not found; build it with python -m holdem.cli.build_buckets")
    try:
        meta = json.loads(mp.read_text())
    except FileNotFoundError:
        raise BucketFileError(f"{mp}: metadata missing; rebuild the bucket file") from None
    except ValueError as e:
        raise BucketFileError(f"{mp}: unreadable metadata ({e}); rebuild the bucket file") from None
    if not isinstance(meta, dict) or meta.get("version") != BUCKET_VERSION:
        found = meta.get("version") if isinstance(meta, dict) else None
        raise BucketFileError(f"{mp}: bucket file version {found!r}, this holdem reads version {BUCKET_VERSION}; "
                              "rebuild it")
    for key in ("sha256", "k"):
        if key not in meta:
            raise BucketFileError(f"{mp}: field {key!r} missing; rebuild the bucket file")
    return meta


def load_buckets(path: Path, expect_sha256: str | None = None) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Tables and metadata, verified (checksum, sizes, bucket ranges)."""
    path = Path(path)
    meta = read_bucket_meta(path)
    digest = sha256_file(path)
    if digest != meta["sha256"]:
        raise BucketFileError(f"{path}: checksum mismatch with {meta_path(path).name}; the file is truncated "
                              "or was modified: rebuild it")
    if expect_sha256 is not None and digest != expect_sha256:
        raise BucketFileError(f"{path}: these are not the buckets the run was trained with (SHA-256 "
                              f"{digest[:12]}..., the run recorded {expect_sha256[:12]}...)")
    try:
        with np.load(path, allow_pickle=False) as data:
            tables = [data[name] for name in STREET_NAMES]
    except (OSError, ValueError, KeyError) as e:
        raise BucketFileError(f"{path}: unreadable bucket tables ({e}); rebuild it") from None
    for street, (table, size, k) in enumerate(zip(tables, NUM_INDICES, meta["k"])):
        if table.shape != (size,):
            raise BucketFileError(f"{path}: {STREET_NAMES[street]} table has shape {table.shape}, expected ({size},)")
        if table.size and int(table.max()) >= k:
            raise BucketFileError(f"{path}: {STREET_NAMES[street]} table holds bucket {int(table.max())} >= k={k}")
    return tables, meta
