"""Shared fixtures: problems are built once per session (numba compiles once per machine)."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from holdem.core import numba_cache

numba_cache.configure()  # before any test module imports a kernel

from holdem.game.spec import kuhn, leduc  # noqa: E402
from holdem.mccfr.best_response import deal_table  # noqa: E402
from holdem.mccfr.problem import build_problem  # noqa: E402
from holdem.runtime import shm  # noqa: E402


@pytest.fixture(scope="session")
def kuhn_problem():
    return build_problem(kuhn())


@pytest.fixture(scope="session")
def leduc_problem():
    return build_problem(leduc())


@pytest.fixture(scope="session")
def kuhn_deals(kuhn_problem):
    return deal_table(kuhn_problem.spec, kuhn_problem.deal_model)


@pytest.fixture(scope="session")
def leduc_deals(leduc_problem):
    return deal_table(leduc_problem.spec, leduc_problem.deal_model)


def segments() -> set[str]:
    """Names of the project's shared-memory segments now present."""
    return set(shm.list_segments())


def _children() -> set[int]:
    """Our child processes, except multiprocessing's long-lived resource tracker."""
    out = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" in " ".join(p.cmdline()):
                continue
        except psutil.Error:
            pass
        out.add(p.pid)
    return out


def _foreign(name: str) -> bool:
    """A segment of another live process that is not ours (a concurrent run on this box)."""
    pid = int(name.split("_")[1])
    return pid != os.getpid() and psutil.pid_exists(pid) and pid not in _children()


@pytest.fixture
def no_leftovers():
    """After the test: no new hd_* segment and no child process left (cleaned, then failed)."""
    segs_before = segments()
    kids_before = _children()
    yield
    deadline = time.time() + 10  # exiting workers and the resource tracker need a moment
    while time.time() < deadline and (segments() - segs_before or _children() - kids_before):
        time.sleep(0.2)
    leaked = [n for n in segments() - segs_before if not _foreign(n)]
    kids = _children() - kids_before
    for n in leaked:
        try:
            os.unlink(shm.SHM_DIR / n)
        except OSError:
            pass
    for pid in kids:
        try:
            psutil.Process(pid).kill()
        except psutil.Error:
            pass
    assert not leaked, f"segments left behind: {leaked}"
    assert not kids, f"child processes left behind: {kids}"


def wait_running(run: Path, proc: subprocess.Popen, timeout: float = 120) -> dict:
    """run.json of a training subprocess once it is running and has done some iterations."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            info = json.loads((run / "run.json").read_text())
        except (OSError, ValueError):
            info = {}
        if info.get("status") == "running" and info.get("iteration", 0) > 0:
            return info
        time.sleep(0.2)
    raise AssertionError("run did not start")


_STRESS_ROWS: list[tuple[str, int, int, float]] = []


@pytest.fixture
def stress_report():
    """Record a stress case for the summary table (only cases that passed get here)."""
    def record(case: str, cycles: int, faults: int, seconds: float) -> None:
        _STRESS_ROWS.append((case, cycles, faults, seconds))
    return record


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The stress summary: every recorded case finished (no hang), lost nothing of what it
    had finished (no loss) and left nothing behind (no leak); a case with any of them fails
    before it records its row, so those columns are 0 by construction."""
    if not _STRESS_ROWS:
        return
    tr = terminalreporter
    tr.section("stress summary")
    width = max([46] + [len(case) for case, *_ in _STRESS_ROWS])
    tr.write_line(f"{'case':<{width}} {'cycles':>6} {'faults':>6} {'hangs':>5} {'losses':>6} {'leaks':>5} "
                  f"{'seconds':>8}")
    for case, cycles, faults, seconds in _STRESS_ROWS:
        tr.write_line(f"{case:<{width}} {cycles:>6} {faults:>6} {0:>5} {0:>6} {0:>5} {seconds:>8.1f}")
    failed = len(tr.stats.get("failed", [])) + len(tr.stats.get("error", []))
    tr.write_line(f"{len(_STRESS_ROWS)} cases passed with 0 hangs, 0 losses and 0 leaks; {failed} failed or "
                  "errored (a hang, a loss or a leak fails its case)")
