"""One POSIX shared-memory segment that may stay out of multiprocessing's resource tracker.

A worker attaches the coordinator's segments without registering them: a registering
attacher would have the segment unlinked, with a "leaked shared_memory" warning, when *its*
tracker exits. Python 3.13 has ``track=False``; on 3.11/3.12 the constructor's REGISTER of
exactly this segment is swallowed (``unregister()`` instead would also drop the creator's
registration: the tracker keeps one entry per name).
"""
from __future__ import annotations

import os
import sys
import threading
from multiprocessing import resource_tracker
from multiprocessing.shared_memory import SharedMemory

try:  # POSIX only; the same module multiprocessing.shared_memory uses
    import _posixshmem
except ImportError:  # pragma: no cover - Windows
    _posixshmem = None

_TRACK_KW = sys.version_info >= (3, 13)

_patch_lock = threading.Lock()


class Segment(SharedMemory):
    """SharedMemory that can skip resource-tracker registration and closes quietly."""

    def __init__(self, name: str, create: bool, size: int, track: bool) -> None:
        self._tracked = track
        if track:
            super().__init__(name, create=create, size=size)
        elif _TRACK_KW:
            super().__init__(name, create=create, size=size, track=False)
        else:
            # 3.11/3.12 always register: swallow exactly this segment's REGISTER for the
            # duration of the constructor. unregister() instead would also drop the
            # creator's registration (the tracker keeps one entry per name).
            target = "/" + name
            with _patch_lock:
                orig = resource_tracker.register

                def _register(rname: str, rtype: str) -> None:
                    if rname == target and rtype == "shared_memory":
                        return
                    orig(rname, rtype)

                resource_tracker.register = _register
                try:
                    super().__init__(name, create=create, size=size)
                finally:
                    resource_tracker.register = orig

    def close_quietly(self) -> None:
        """Close; if numpy views are still alive, let them keep the mapping instead of raising."""
        try:
            self.close()
        except BufferError:
            # The memoryview still has exports: it keeps the mmap object (and so the
            # mapping) alive until the last view is garbage collected.
            self._buf = None
            self._mmap = None
            if getattr(self, "_fd", -1) >= 0:
                os.close(self._fd)
                self._fd = -1

    def unlink_name(self) -> bool:
        """Remove the segment's name; False if it was already gone. Idempotent."""
        if _posixshmem is None:  # pragma: no cover - Windows frees on last close
            return False
        try:
            _posixshmem.shm_unlink(self._name)
            gone = True
        except FileNotFoundError:
            gone = False  # swept or unlinked elsewhere
        if self._tracked:
            # Our own registration: drop it so the tracker does not report a leak.
            resource_tracker.unregister(self._name, "shared_memory")
            self._tracked = False
        return gone

    def __del__(self) -> None:
        try:
            self.close_quietly()
        except Exception:
            pass


def _after_fork_in_child() -> None:
    # a lock held by another parent thread at fork time would never be released
    global _patch_lock
    _patch_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
