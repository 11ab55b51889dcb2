"""The run the monitor started (``-- CMD``): its process group, the signals it gets, its stop.

Owns starting the command in a process group of its own (so a terminal's Ctrl-C reaches
only the monitor, which forwards exactly one), routing Ctrl-C/SIGTERM/SIGHUP to the
monitor's handler, passing a signal on to the child, and stopping it: SIGINT (it writes its
final snapshot), a second SIGINT if it takes too long, then SIGKILL to its whole group.
"""
from __future__ import annotations

import os
import signal
import subprocess
from typing import Any, Callable

STOP_TIMEOUT = 120.0  # seconds a stopped run gets to write its final snapshot before a second SIGINT
KILL_TIMEOUT = 30.0   # seconds after the second SIGINT before the run's process group is killed
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def start_child(command: list[str]) -> subprocess.Popen:
    """Start a command in its own process group (raises OSError if it cannot be started)."""
    # own process group: a terminal Ctrl-C reaches only us, and we forward exactly one
    return subprocess.Popen(command, process_group=0)


def install_handlers(handler: Callable[[int, Any], None]) -> dict[int, Any]:
    """Route Ctrl-C/SIGTERM/SIGHUP to handler; return the previous handlers."""
    return {sig: signal.signal(sig, handler) for sig in HANDLED_SIGNALS}


def restore_handlers(previous: dict[int, Any]) -> None:
    """Put back the handlers :func:`install_handlers` replaced."""
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def forward_signal(child: subprocess.Popen, signum: int) -> None:
    """Send a signal to the child, ignoring one that has just exited."""
    try:
        child.send_signal(signum)
    except OSError:
        pass


def stop_child(child: subprocess.Popen, stop_timeout: float, warn: Callable[[str], None]) -> None:
    """SIGINT (final snapshot), a second SIGINT if it takes too long, then kill its group."""
    for sig, timeout in ((signal.SIGINT, stop_timeout), (signal.SIGINT, KILL_TIMEOUT)):
        forward_signal(child, sig)
        try:
            child.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            warn(f"run pid {child.pid} still running {timeout:.0f}s after SIGINT")
    warn(f"killing the run's process group {child.pid}")
    kill_group(child)


def kill_group(child: subprocess.Popen) -> None:
    """SIGKILL a started run and its workers (its own process group); wait for it."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except OSError:
        child.kill()
    child.wait(timeout=KILL_TIMEOUT)
