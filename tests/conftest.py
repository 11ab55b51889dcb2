"""Shared fixtures: problems are built once per session (numba compiles once per machine)."""
from __future__ import annotations

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
