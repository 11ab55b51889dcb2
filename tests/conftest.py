"""Shared fixtures: problems are built once per session (numba compiles once per machine)."""
from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from holdem.game.spec import kuhn, leduc
from holdem.mccfr.best_response import deal_table
from holdem.mccfr.solver import build_problem


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
    return {p.name for p in Path("/dev/shm").glob("hd_*")} if Path("/dev/shm").is_dir() else set()


def _children() -> list[psutil.Process]:
    """Our child processes, except multiprocessing's long-lived resource tracker."""
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                out.append(child)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.fixture
def no_leftovers():
    before = segments()
    yield
    deadline = time.time() + 10
    while time.time() < deadline and (segments() - before or _children()):
        time.sleep(0.2)
    assert not (segments() - before), f"leaked segments: {segments() - before}"
    assert not _children(), f"child processes left behind: {_children()}"
