"""Long stress runs (``make stress``): faults, signals, oversubscription, big tables, monitor.

Marked slow: not part of the default suite (tests/test_parallel.py and test_monitor.py run
short versions of the fault cases there). Every case records a row of the summary table
printed at the end of the session (cases, cycles, faults injected, hangs, leaks), and the
``no_leftovers`` fixture fails a case that leaves a segment or a process behind.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
from conftest import segments, wait_running
from test_exactly_once import _assert_applied_once, advance_under_kills
from test_stop_paths import STOP_PATHS, assert_consistent, run_stop_path

from holdem.config import RunConfig, TrainConfig, load_config
from holdem.game.spec import kuhn, leduc
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver_config import SolverConfig
import holdem.runtime.coordinator as coordinator
from holdem.runtime.coordinator import ParallelEngine

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_leftovers")]
ROOT = Path(__file__).resolve().parent.parent


def _hold_em(k: int):
    cfg = load_config("configs/nlhe-hu.yaml")
    return cfg.game, {"kind": "hand-strength", "k_flop": k, "k_turn": k, "k_river": k}, cfg.solver


def _engine_case(spec, abstraction, solver, workers: int, iters: int) -> tuple[float, int]:
    cfg = RunConfig(spec, abstraction, replace(solver, discount_interval=max(1, iters // 4)),
                    TrainConfig(num_workers=workers, check_updates=True, batch_size=max(1, iters // (8 * workers))))
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
    return time.time() - start, problem.layout.table_bytes() * 2


@pytest.mark.timeout(900)
@pytest.mark.parametrize("workers", [1, 2, 3, 4, 6, 8])
@pytest.mark.parametrize("table", ["kuhn", "leduc", "holdem-k8", "holdem-k200"])
def test_workers_and_table_sizes(workers, table, stress_report):
    if table.startswith("holdem"):
        spec, abstraction, solver = _hold_em(int(table.split("k")[-1]))
        iters = 2_000
    else:
        spec, abstraction, solver = (kuhn() if table == "kuhn" else leduc()), {"kind": "lossless"}, SolverConfig()
        iters = 200_000
    seconds, nbytes = _engine_case(spec, abstraction, solver, workers, iters)
    stress_report(f"{table} x{workers} workers ({nbytes / 2**20:.0f} MiB)", cycles=1, faults=0, seconds=seconds)


@pytest.mark.timeout(900)
def test_table_of_a_gigabyte(stress_report):
    """A ~1 GiB table (200bb heads-up, 1000 buckets a street) on 2 workers: memory stays flat."""
    spec, abstraction, solver = _hold_em(1000)
    seconds, nbytes = _engine_case(spec, abstraction, solver, 2, 4_000)
    stress_report(f"holdem-k1000 x2 workers ({nbytes / 2**20:.0f} MiB)", cycles=1, faults=0, seconds=seconds)


@pytest.mark.timeout(1800)
def test_fifty_start_stop_cycles(stress_report):
    problem = build_problem(leduc())
    start = time.time()
    for cycle in range(50):
        workers = 1 + cycle % 8
        cfg = RunConfig(leduc(), {"kind": "lossless"}, SolverConfig(),
                        TrainConfig(num_workers=workers, check_updates=True, batch_size=500))
        engine = ParallelEngine(problem, cfg, workers)
        try:
            engine.advance(2_000)
            assert int(engine.tables.updates.sum()) == engine.issued_updates
        finally:
            engine.close()
    stress_report("start/stop cycles, 1-8 workers", cycles=50, faults=0, seconds=time.time() - start)


def _train(run: Path, *args: str, config: str = "configs/leduc.yaml") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "holdem.cli.train_blueprint", "--config", config, "--logdir", str(run),
         "--eval-interval", "1000000000", "--iters", "1000000000", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"))


def _finish(proc: subprocess.Popen, timeout: float) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"hang: the coordinator did not finish in {timeout}s\n{err[-2000:]}")
    return proc.returncode, err


@pytest.mark.timeout(600)
def test_random_worker_kills_and_stops(tmp_path, stress_report):
    """4 workers on 2 cores; every 1-3 s a random worker is SIGKILLed or SIGSTOPped for 2 s."""
    run = tmp_path / "run"
    proc = _train(run, "--num-workers", "4", "--batch-size", "2000", "--time-budget", "45", "--check-updates")
    wait_running(run, proc)
    rng = random.Random(7)
    faults = kills = 0
    deadline = time.time() + 35
    while time.time() < deadline:
        time.sleep(rng.uniform(1, 3))
        try:
            pids = json.loads((run / "run.json").read_text()).get("worker_pids", [])
        except (OSError, ValueError):
            continue
        if not pids:
            continue
        victim = rng.choice(pids)
        try:
            if rng.random() < 0.5:
                os.kill(victim, signal.SIGKILL)
                kills += 1
            else:
                os.kill(victim, signal.SIGSTOP)
                time.sleep(2)
                os.kill(victim, signal.SIGCONT)
            faults += 1
        except ProcessLookupError:
            continue
    code, err = _finish(proc, 120)
    assert code == 0, err[-3000:]
    records = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert sum(1 for r in records if r.get("event") == "worker_died") == kills
    from holdem.eval.blueprint import load_blueprint
    assert load_blueprint(run).iteration > 0
    meta = assert_consistent(run / "final")  # every kill's applied part counted, nothing twice
    assert not any(r.get("event") == "updates_mismatch" for r in records)
    assert meta["iterations_cut"] <= kills
    stress_report("random worker SIGKILL/SIGSTOP, 4 workers", cycles=1, faults=faults, seconds=45)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_coordinator_signals(tmp_path, sig, stress_report):
    start = time.time()
    for cycle in range(3):
        run = tmp_path / f"run{cycle}"
        proc = _train(run, "--num-workers", str(2 + cycle), "--batch-size", "2000")
        info = wait_running(run, proc)
        time.sleep(1)
        workers = [psutil.Process(p) for p in info["worker_pids"]]
        proc.send_signal(getattr(signal, sig))
        code, err = _finish(proc, 60)
        if sig == "SIGKILL":
            _, alive = psutil.wait_procs(workers, timeout=30)
            assert not alive, "workers outlived the coordinator"
            from holdem.runtime.shm import sweep_orphans
            sweep_orphans()  # what the next start does
            assert not any(n.startswith(f"hd_{proc.pid}_") for n in segments())
        else:
            assert code == 0, err[-3000:]
            assert json.loads((run / "run.json").read_text())["status"] == "interrupted"
            from holdem.eval.blueprint import load_blueprint
            assert load_blueprint(run).path.name == "final"
    stress_report(f"coordinator {sig}", cycles=3, faults=3, seconds=time.time() - start)


@pytest.mark.timeout(600)
def test_training_under_the_monitor_never_stalls(tmp_path, stress_report):
    run = tmp_path / "run"
    r = subprocess.run(
        [sys.executable, "-m", "holdem.cli.monitor", "--fail-on-stall", "--stall-window", "10", "--interval", "1",
         "--", sys.executable, "-m", "holdem.cli.train_blueprint", "--config", "configs/nlhe-hu-small-hs.yaml",
         "--logdir", str(run), "--num-workers", "8", "--time-budget", "40"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-2000:])
    stress_report("8 workers under monitor --fail-on-stall", cycles=1, faults=0, seconds=40)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("config", ["configs/kuhn.yaml", "configs/leduc.yaml"])
@pytest.mark.parametrize("path", STOP_PATHS)
def test_stop_path_matrix(tmp_path, path, config, stress_report):
    """Every stop path, on 2, 3 and 4 workers: the final snapshot (and every periodic one)
    holds exactly the iterations and updates it claims."""
    start = time.time()
    for cycle, workers in enumerate((2, 3, 4)):
        run_stop_path(tmp_path / f"cycle{cycle}", path, workers=workers, config=config, batch=2_000_000)
    faults = 0 if path in ("end", "budget") else 3
    stress_report(f"stop path {path} ({Path(config).stem})", cycles=3, faults=faults, seconds=time.time() - start)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("config, average, workers", [("configs/kuhn.yaml", "simple", 8),
                                                      ("configs/leduc.yaml", "simple", 6),
                                                      ("configs/kuhn-3p.yaml", "sampled", 4)])
def test_exactly_once_under_many_kills(monkeypatch, config, average, workers, stress_report):
    """60 random SIGKILLs (some land in parallel discounts): every iteration applied once
    except the counted cut ones, and the tables hold exactly the counted updates."""
    monkeypatch.setattr(coordinator, "MAX_RESTARTS", 10_000)
    base = load_config(config)
    cfg = replace(base, solver=replace(base.solver, average=average, discount_interval=50_000),
                  train=TrainConfig(num_workers=workers, check_updates=True, batch_size=20_000))
    problem = build_problem(cfg.game, cfg.abstraction)
    start = time.time()
    engine = ParallelEngine(problem, cfg, workers, log=lambda text: None)
    engine.parallel_discount_slots = 0
    try:
        advance_under_kills(engine, 60, 11, 600)
        deaths = sum(1 for e in engine.events if e["event"] == "worker_died")
        assert deaths >= 30
        assert int(engine.tables.updates.sum()) == engine.issued_updates
        assert not [e for e in engine.events if e["event"] == "updates_mismatch"]
        assert not engine.tables.locks.any()
        _assert_applied_once(engine)
    finally:
        engine.close()
    stress_report(f"exactly once, {deaths} SIGKILLs, {Path(config).stem} x{workers}", cycles=1, faults=deaths,
                  seconds=time.time() - start)
