"""A janitor for a node trainer's shared memory: ``python -m holdem.runtime.janitor PID``.

A Ray actor that exits (its driver died, ``ray.kill``) takes its direct children with it,
multiprocessing's resource tracker included, so nothing would unlink the segments its
parallel engine created. The janitor detaches (a grandchild in its own session, which
Ray's child cleanup does not reach), waits for the trainer's process to end, removes the
``hd_*`` segments of processes that no longer exist (:func:`holdem.runtime.shm.sweep_orphans`)
and exits: it never outlives the trainer by more than a poll.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

from holdem.core.processes import pid_alive

POLL = 0.5  # seconds between looks at the trainer


def start(pid: int) -> None:
    """Start a janitor for ``pid`` (returns at once; the janitor detaches itself)."""
    subprocess.run([sys.executable, "-m", "holdem.runtime.janitor", str(pid)], check=False, timeout=30,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def watch(pid: int) -> None:
    """Wait for ``pid`` to end, then unlink the segments of dead creators."""
    from holdem.runtime import shm

    while pid_alive(pid):
        time.sleep(POLL)
    shm.sweep_orphans()


def main(argv: list[str]) -> int:
    """Detach (fork, new session; the parent returns at once), then :func:`watch`."""
    pid = int(argv[0])
    if os.fork():
        return 0
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    watch(pid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
