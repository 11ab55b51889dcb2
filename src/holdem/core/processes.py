"""Facts about other processes of this machine."""
from __future__ import annotations

import psutil


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists (also one of another user)."""
    return pid > 0 and psutil.pid_exists(pid)
