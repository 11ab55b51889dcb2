"""Long stress runs (``make stress``): many workers on 2 cores, tables of every size.

Marked slow: not part of the default suite; the default suite runs short versions of the
fault cases in tests/test_parallel.py.
"""
from __future__ import annotations

import time
from dataclasses import replace

import pytest

from holdem.config import RunConfig, TrainConfig, load_config
from holdem.game.spec import kuhn, leduc
from holdem.mccfr.solver import SolverConfig, build_problem
from holdem.parallel.coordinator import ParallelEngine

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_leftovers")]


def _hold_em(k: int):
    cfg = load_config("configs/nlhe-hu.yaml")
    abstraction = {"kind": "hand-strength", "k_flop": k, "k_turn": k, "k_river": k}
    return cfg.game, abstraction, cfg.solver


@pytest.mark.timeout(900)
@pytest.mark.parametrize("workers", [1, 2, 3, 4, 6, 8])
@pytest.mark.parametrize("table", ["kuhn", "leduc", "holdem-k8", "holdem-k200"])
def test_workers_and_table_sizes(workers, table):
    if table.startswith("holdem"):
        spec, abstraction, solver = _hold_em(int(table.split("k")[-1]))
        iters = 2_000
    else:
        spec, abstraction, solver = (kuhn() if table == "kuhn" else leduc()), {"kind": "lossless"}, SolverConfig()
        iters = 200_000
    cfg = RunConfig(spec, abstraction, replace(solver, discount_interval=max(1, iters // 4)),
                    TrainConfig(num_workers=workers, batch_size=max(1, iters // (8 * workers))))
    problem = build_problem(spec, abstraction)
    start = time.time()
    engine = ParallelEngine(problem, cfg, workers)
    try:
        engine.advance(iters)
        assert engine.iteration == iters
        assert int(engine.tables.updates.sum()) == engine.issued_updates  # no lost update
        assert not engine.tables.locks.any()
    finally:
        engine.close()
    print(f"{table} x {workers} workers: {iters} iterations in {time.time() - start:.1f}s "
          f"({problem.layout.table_bytes() * 2 / 2**20:.1f} MiB of tables)")


@pytest.mark.timeout(1800)
def test_fifty_start_stop_cycles():
    problem = build_problem(leduc())
    for cycle in range(50):
        workers = 1 + cycle % 8
        cfg = RunConfig(leduc(), {"kind": "lossless"}, SolverConfig(),
                        TrainConfig(num_workers=workers, batch_size=500))
        engine = ParallelEngine(problem, cfg, workers)
        try:
            engine.advance(2_000)
            assert int(engine.tables.updates.sum()) == engine.issued_updates
        finally:
            engine.close()
