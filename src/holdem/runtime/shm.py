"""Shared-memory segments holding the trainer's dense tables.

One POSIX shared-memory segment per array, named ``hd_<creator pid>_<run id>_<k>``
(at most 30 characters so the name, with its leading slash, fits macOS's 31-byte
limit; the run id is a short random hex drawn once per process). The creator owns a
segment: it reserves the memory up front, unlinks it in :meth:`SharedArray.unlink` /
:func:`unlink_all` / at exit, and :func:`sweep_orphans` removes segments whose
creator died without cleaning up. Workers receive a small picklable
:class:`ArraySpec` and :func:`attach` to it without registering the segment with
``multiprocessing``'s resource tracker (:mod:`holdem.runtime.shm_segment`). Where
/dev/shm cannot be listed (macOS), created names are recorded in a marker registry
(:mod:`holdem.runtime.shm_registry`) for the orphan sweep.
"""
from __future__ import annotations

import atexit
import errno
import math
import os
import re
import secrets
import sys
import threading
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike

from holdem.core.processes import pid_alive
from holdem.runtime import shm_registry
from holdem.runtime.shm_segment import Segment

try:  # POSIX only; the same module multiprocessing.shared_memory uses
    import _posixshmem
except ImportError:  # pragma: no cover - Windows
    _posixshmem = None

__all__ = [
    "NAME_PREFIX",
    "MAX_NAME_LEN",
    "ShmSpaceError",
    "ArraySpec",
    "SharedArray",
    "SharedArrays",
    "segment_name",
    "create_array",
    "attach",
    "unlink_all",
    "close_all",
    "sweep_orphans",
    "list_segments",
    "shm_free_bytes",
]

NAME_PREFIX = "hd_"
#: 31-byte macOS PSHMNAMLEN minus the leading slash.
MAX_NAME_LEN = 30
SHM_DIR = Path("/dev/shm")
_NAME_RE = re.compile(r"^hd_(\d+)_([0-9a-f]+)_(\d+)$")
_VALID_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
# Linux exposes every POSIX segment as a file here; elsewhere a marker registry is used.
_HAVE_DEV_SHM = sys.platform.startswith("linux") and SHM_DIR.is_dir()


class ShmSpaceError(MemoryError):
    """Not enough free space in /dev/shm to reserve a segment."""

    def __init__(self, requested: int, free: int) -> None:
        self.requested = requested
        self.free = free
        free_txt = f"{free} bytes" if free >= 0 else "unknown"
        super().__init__(
            f"cannot reserve {requested} bytes in /dev/shm (free: {free_txt}); "
            "enlarge /dev/shm or use fewer buckets"
        )


@dataclass(frozen=True)
class ArraySpec:
    """Picklable description of a shared array: segment name, shape, dtype string."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    @property
    def count(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        """Size of the array data in bytes."""
        return self.count * np.dtype(self.dtype).itemsize


# ---------------------------------------------------------------------------
# process-wide state
# ---------------------------------------------------------------------------

# RLock: unlink_all() may run from a signal handler on the main thread while that
# thread is inside a locked section.
_lock = threading.RLock()
# Strong refs until unlinked: a segment must be unlinked at exit even if dropped.
_owned: dict[str, SharedArray] = {}
# Every open array of this process (created or attached), for close_all().
_live: weakref.WeakSet[SharedArray] = weakref.WeakSet()
_name_state = {"pid": -1, "run": "", "k": 0}
_atexit_done = False


def _ensure_atexit() -> None:
    global _atexit_done
    if not _atexit_done:
        atexit.register(close_all)
        _atexit_done = True


def _after_fork_in_child() -> None:
    # A forked child inherits the parent's registry but must never unlink its segments;
    # locks held by other parent threads at fork time would never be released.
    global _lock
    _lock = threading.RLock()
    _owned.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def segment_name() -> str:
    """A fresh segment name ``hd_<pid>_<run id>_<k>`` for this process."""
    with _lock:
        pid = os.getpid()
        if _name_state["pid"] != pid:  # new process (or fork): new run id
            _name_state.update(pid=pid, run=secrets.token_hex(4), k=0)
        k = _name_state["k"]
        _name_state["k"] = k + 1
        name = f"{NAME_PREFIX}{pid}_{_name_state['run']}_{k}"
    if len(name) > MAX_NAME_LEN:  # only with absurd pids / counters
        raise ValueError(f"segment name too long: {name!r}")
    return name


def _registry_dir() -> Path:
    """Marker directory recording created segments where /dev/shm is not listable."""
    return shm_registry.default_dir()


def shm_free_bytes() -> int:
    """Free bytes in /dev/shm (available to unprivileged users); -1 where there is no /dev/shm."""
    if not _HAVE_DEV_SHM:
        return -1
    st = os.statvfs(SHM_DIR)
    return st.f_bavail * st.f_frsize


def _reserve(shm: Segment, size: int) -> None:
    """Commit tmpfs pages now so a full /dev/shm fails here instead of SIGBUS later."""
    if not hasattr(os, "posix_fallocate"):  # macOS: shm is not a tmpfs file
        return
    fd = getattr(shm, "_fd", -1)
    opened = fd < 0
    if opened:
        fd = os.open(SHM_DIR / shm.name, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL):
            return  # filesystem cannot preallocate; nothing to reserve
        raise
    finally:
        if opened:
            os.close(fd)


# ---------------------------------------------------------------------------
# SharedArray
# ---------------------------------------------------------------------------


class SharedArray:
    """A numpy array backed by one shared-memory segment, kept next to its SharedMemory."""

    def __init__(self, shm: Segment, spec: ArraySpec, created: bool) -> None:
        self._shm = shm
        self.spec = spec
        self._creator_pid = os.getpid() if created else -1
        self._unlinked = not created
        # frombuffer (not ndarray(buffer=...)): the array holds a buffer export of
        # shm.buf, so the mapping cannot be unmapped under a live view.
        self._array: np.ndarray | None = np.frombuffer(
            shm.buf, dtype=np.dtype(spec.dtype), count=spec.count
        ).reshape(spec.shape)

    @property
    def name(self) -> str:
        """Segment name (without leading slash)."""
        return self.spec.name

    @property
    def array(self) -> np.ndarray:
        """The shared numpy array; raises after close()."""
        if self._array is None:
            raise ValueError(f"shared array {self.name} is closed")
        return self._array

    @property
    def is_owner(self) -> bool:
        """True in the process that created the segment (responsible for unlinking it)."""
        return self._creator_pid == os.getpid()

    @property
    def closed(self) -> bool:
        """True once close() ran in this process."""
        return self._array is None

    def close(self) -> None:
        """Drop this object's array reference, then unmap (views held elsewhere keep it mapped)."""
        if self._array is None:
            return
        self._array = None
        # The Segment object stays referenced: unlink() still needs its name/tracking state.
        self._shm.close_quietly()

    def unlink(self) -> bool:
        """Creator only: remove the segment name (mappings stay valid); idempotent, True if removed now."""
        if self._unlinked or not self.is_owner:
            return False
        self._unlinked = True
        with _lock:
            _owned.pop(self.name, None)
        removed = self._shm.unlink_name()
        if not _HAVE_DEV_SHM:
            _remove_marker(self.name)
        return removed

    def __enter__(self) -> SharedArray:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self.unlink()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"SharedArray({self.name!r}, shape={self.spec.shape}, dtype={self.spec.dtype}, {state})"


def _write_marker(name: str) -> None:
    shm_registry.add(_registry_dir(), name)


def _remove_marker(name: str) -> None:
    shm_registry.remove(_registry_dir(), name)


def _normalize_shape(shape: int | tuple[int, ...]) -> tuple[int, ...]:
    shp = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shp):
        raise ValueError(f"negative dimension in shape {shp}")
    return shp


def create_array(
    name: str | None,
    shape: int | tuple[int, ...],
    dtype: DTypeLike,
    *,
    track: bool = True,
) -> SharedArray:
    """Create a zero-filled shared array (memory reserved now); ``name=None`` picks ``hd_<pid>_<run>_<k>``.

    ``track=True`` also registers the segment with multiprocessing's resource tracker,
    which unlinks it if this process is killed before it can clean up.
    """
    dt = np.dtype(dtype)
    if dt.hasobject:
        raise TypeError("object dtypes cannot live in shared memory")
    shp = _normalize_shape(shape)
    if name is None:
        name = segment_name()
    elif len(name) > MAX_NAME_LEN or not _VALID_NAME_RE.match(name):
        raise ValueError(f"invalid segment name {name!r} (<= {MAX_NAME_LEN} chars of [A-Za-z0-9_])")
    spec = ArraySpec(name, shp, dt.str)
    size = max(spec.nbytes, 1)  # SharedMemory refuses size 0
    free = shm_free_bytes()
    if 0 <= free < size:  # cheap early refusal; fallocate below closes the race
        raise ShmSpaceError(size, free)

    _ensure_atexit()
    shm = Segment(name, create=True, size=size, track=track)
    try:
        _reserve(shm, size)
    except BaseException as exc:
        shm.close_quietly()
        shm.unlink_name()
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.ENOMEM, errno.EFBIG):
            raise ShmSpaceError(size, shm_free_bytes()) from exc
        raise
    # Fresh tmpfs/ftruncate pages read as zero: no memset needed (and none wanted,
    # it would fault in every page of a large table at once).
    sa = SharedArray(shm, spec, created=True)
    with _lock:
        _owned[name] = sa
        _live.add(sa)
    if not _HAVE_DEV_SHM:
        _write_marker(name)
    return sa


def attach(spec: ArraySpec) -> SharedArray:
    """Map an existing segment described by ``spec`` without resource-tracker registration."""
    shm = Segment(spec.name, create=False, size=0, track=False)
    if shm.size < spec.nbytes:
        shm.close_quietly()
        raise ValueError(f"segment {spec.name} has {shm.size} bytes, spec needs {spec.nbytes}")
    sa = SharedArray(shm, spec, created=False)
    _ensure_atexit()
    with _lock:
        _live.add(sa)
    return sa


class SharedArrays:
    """A group of named shared arrays (e.g. all tables of one run), created or attached together."""

    def __init__(self) -> None:
        self._items: dict[str, SharedArray] = {}

    def create(self, key: str, shape: int | tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
        """Create a zero-filled shared array under ``key`` and return it."""
        if key in self._items:
            raise KeyError(f"{key!r} already exists")
        sa = create_array(None, shape, dtype)
        self._items[key] = sa
        return sa.array

    @classmethod
    def attach(cls, specs: Mapping[str, ArraySpec]) -> SharedArrays:
        """Attach every array of ``specs`` (as returned by :meth:`specs`)."""
        group = cls()
        try:
            for key, spec in specs.items():
                group._items[key] = attach(spec)
        except BaseException:
            group.close()
            raise
        return group

    def specs(self) -> dict[str, ArraySpec]:
        """Picklable specs of every array, for workers."""
        return {k: sa.spec for k, sa in self._items.items()}

    def __getitem__(self, key: str) -> np.ndarray:
        return self._items[key].array

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def close(self) -> None:
        """Close every array in this process."""
        for sa in self._items.values():
            sa.close()

    def unlink(self) -> None:
        """Unlink every segment this process created (idempotent)."""
        for sa in self._items.values():
            sa.unlink()

    def __enter__(self) -> SharedArrays:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self.unlink()


# ---------------------------------------------------------------------------
# cleanup
# ---------------------------------------------------------------------------


def unlink_all() -> list[str]:
    """Unlink every segment this process created; safe from signal handlers, idempotent."""
    # Only names are removed: mappings (ours and the workers') stay valid, so a
    # handler interrupting a kernel mid-update cannot make it fault.
    with _lock:
        items = list(_owned.values())
    removed = []
    for sa in items:
        name = sa.name
        if sa.unlink():
            removed.append(name)
    return removed


def close_all() -> None:
    """Unlink this process's segments and close every array it created or attached (atexit hook)."""
    unlink_all()
    with _lock:
        items = list(_live)
    for sa in items:
        sa.close()


def list_segments() -> list[str]:
    """Names of the ``hd_*`` segments visible on this machine (or recorded in the registry)."""
    if _HAVE_DEV_SHM:
        try:
            names = os.listdir(SHM_DIR)
        except OSError:
            return []
    else:
        names = shm_registry.names(_registry_dir())
    return sorted(n for n in names if _NAME_RE.match(n))


def sweep_orphans() -> list[str]:
    """Unlink ``hd_*`` segments whose creator process no longer exists; returns their names."""
    removed = []
    me = os.getpid()
    for name in list_segments():
        pid = int(_NAME_RE.match(name).group(1))
        if pid == me or pid_alive(pid):
            continue  # never touch segments of live processes
        try:
            if _HAVE_DEV_SHM:
                os.unlink(SHM_DIR / name)
            elif _posixshmem is not None:
                _posixshmem.shm_unlink("/" + name)
        except FileNotFoundError:
            pass  # another sweeper won the race; still drop the marker
        except PermissionError:
            continue  # another user's segment
        if not _HAVE_DEV_SHM:
            _remove_marker(name)
        removed.append(name)
    return removed
