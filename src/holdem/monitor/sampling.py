"""Process sampling: one :class:`ProcSample` per process per interval, taken with psutil.

Owns the psutil handles of the processes seen so far (a process's first CPU figure is its
average since it started, later ones measure the interval since the previous sample), the
reading of CPU%, state, RSS and USS (RSS where USS is not readable), and the listing of a
coordinator's workers (its direct children, less multiprocessing's helpers).
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

import psutil


@dataclass
class ProcSample:
    """One process at one interval."""

    pid: int
    role: str
    state: str
    cpu: float
    cpu_fresh: bool  # first sight: cpu is the average since the process started
    rss: int
    uss: int
    uss_exact: bool
    private: int = 0  # RSS less the pages that can be shared (files, /dev/shm): counted once per process


def _is_helper(proc: psutil.Process) -> bool:
    """multiprocessing's resource tracker is a child of the coordinator but not a worker."""
    try:
        return "resource_tracker" in " ".join(proc.cmdline())
    except psutil.Error:
        return True


def worker_pids(pid: int) -> list[int]:
    """The workers of a coordinator: its direct children, less helpers; [] once it is gone."""
    try:
        children = psutil.Process(pid).children(recursive=False)
    except psutil.Error:
        return []
    return sorted(c.pid for c in children if not _is_helper(c))


class Sampler:
    """Keeps a psutil handle per process seen, so CPU% measures the time since its last sample."""

    def __init__(self) -> None:
        self.procs: dict[int, psutil.Process] = {}

    def seen(self, pid: int) -> bool:
        """Whether this process has been sampled before (its CPU% is then per interval)."""
        return pid in self.procs

    def _proc(self, pid: int) -> psutil.Process | None:
        proc = self.procs.get(pid)
        if proc is None:
            try:
                proc = psutil.Process(pid)
                proc.cpu_percent(None)  # prime: the next call measures the interval
            except psutil.Error:
                return None
            self.procs[pid] = proc
        return proc

    def sample(self, pid: int, role: str, fresh: bool) -> ProcSample | None:
        """One sample of a process (fresh: CPU% since it started), or None once it is gone."""
        proc = self._proc(pid)
        if proc is None:
            return None
        try:
            with proc.oneshot():
                state = proc.status()
                if fresh:
                    t = proc.cpu_times()
                    cpu = 100.0 * (t.user + t.system) / max(1e-3, time.time() - proc.create_time())
                else:
                    cpu = proc.cpu_percent(None)
                try:
                    info = proc.memory_full_info()
                    rss, uss, exact = info.rss, info.uss, True
                except psutil.AccessDenied:
                    info = proc.memory_info()
                    rss = info.rss
                    uss, exact = rss, False
                private = rss - getattr(info, "shared", 0)
        except psutil.Error:  # gone (or a zombie) since it was listed
            self.procs.pop(pid, None)
            return None
        return ProcSample(pid, role, state, cpu, fresh, rss, uss, exact, private)


def shm_used() -> int:
    """Bytes in use in /dev/shm (0 where there is none): shared tables are in no process's
    private memory and in the RSS of every process that touched them."""
    try:
        return shutil.disk_usage("/dev/shm").used
    except OSError:
        return 0
