"""Shared-memory parallel trainer: correctness, no lost updates, and supervision under faults.

Every test checks afterwards that no ``hd_*`` segment and no child process is left.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from holdem.config import RunConfig, TrainConfig
from holdem.game.spec import kuhn, leduc
from holdem.mccfr.best_response import exploitability
from holdem.mccfr.policy import average_policy
from holdem.mccfr.solver_config import SolverConfig
from holdem.runtime.coordinator import ParallelEngine

from conftest import segments, wait_running
from test_stop_paths import assert_consistent

ROOT = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("no_leftovers")


def _cfg(spec, workers: int, **train) -> RunConfig:
    return RunConfig(spec, {"kind": "lossless"}, SolverConfig(discount_interval=10_000, lcfr_threshold=10**9),
                     TrainConfig(num_workers=workers, check_updates=True, **train))


@pytest.mark.timeout(240)
@pytest.mark.parametrize("workers", [2, 4])
def test_parallel_leduc_converges_like_one_worker(leduc_problem, leduc_deals, workers):
    engine = ParallelEngine(leduc_problem, _cfg(leduc(), workers, batch_size=2_000), workers)
    try:
        engine.advance(100_000)
        assert engine.iteration == 100_000
        value = exploitability(leduc_problem.layout, leduc_deals,
                               average_policy(leduc_problem.layout, engine.tables.strategy))
        # one worker reaches about 0.055-0.065 at 100k (tests/test_mccfr.py)
        assert value < 0.10, value
        assert engine.tables.updates.sum() == engine.issued_updates
    finally:
        engine.close()


@pytest.mark.timeout(240)
def test_no_lost_updates_with_8_workers_on_12_rows(kuhn_problem):
    """Lock test: 8 workers on 2 cores hammer Kuhn's 12 rows; every update must land."""
    engine = ParallelEngine(kuhn_problem, _cfg(kuhn(), 8, batch_size=5_000), 8)
    try:
        engine.advance(400_000)
        assert engine.issued_updates > 1_000_000
        assert int(engine.tables.updates.sum()) == engine.issued_updates
        assert not engine.tables.locks.any()  # every lock released
    finally:
        engine.close()


# --- the CLI under faults ------------------------------------------------------------------

def _start_train(run: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "holdem.cli.train_blueprint", "--config", "configs/leduc.yaml",
         "--logdir", str(run), "--eval-interval", "1000000000", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"))


def _finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"coordinator did not finish in {timeout}s:\n{err}")
    return proc.returncode, err


@pytest.mark.timeout(180)
def test_killed_worker_is_restarted(tmp_path):
    run = tmp_path / "run"
    proc = _start_train(run, "--num-workers", "3", "--iters", "100000000", "--time-budget", "12",
                        "--batch-size", "2000", "--check-updates")
    info = wait_running(run, proc)
    victim = info["worker_pids"][1]
    os.kill(victim, signal.SIGKILL)
    code, err = _finish(proc)
    assert code == 0, err
    assert f"pid {victim}" in err and "freed" in err
    records = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert any(r.get("event") == "worker_died" and r["pid"] == victim for r in records)
    assert records[-1]["restarts"] >= 1 and records[-1]["workers_alive"] == 3
    from holdem.eval.blueprint import load_blueprint
    assert load_blueprint(run).iteration > 0
    died = next(r for r in records if r.get("event") == "worker_died")
    assert {"iterations_applied", "iterations_requeued", "iteration_cut"} <= set(died)
    assert_consistent(run / "final")  # its applied part counted once, the rest run again


@pytest.mark.timeout(180)
def test_worker_failure_stop_policy(tmp_path):
    run = tmp_path / "run"
    proc = _start_train(run, "--num-workers", "2", "--iters", "100000000", "--time-budget", "60",
                        "--on-worker-failure", "stop")
    info = wait_running(run, proc)
    os.kill(info["worker_pids"][0], signal.SIGKILL)
    code, err = _finish(proc)
    assert code == 1 and "--on-worker-failure stop" in err
    assert (run / "final" / "meta.json").exists()


@pytest.mark.timeout(180)
def test_stalled_worker_is_reported(tmp_path):
    run = tmp_path / "run"
    cfg = tmp_path / "c.yaml"
    cfg.write_text((ROOT / "configs" / "leduc.yaml").read_text() + "  stall_timeout: 2\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "holdem.cli.train_blueprint", "--config", str(cfg), "--logdir", str(run),
         "--num-workers", "2", "--iters", "100000000", "--time-budget", "20", "--batch-size", "20000"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    info = wait_running(run, proc)
    victim = info["worker_pids"][0]
    os.kill(victim, signal.SIGSTOP)
    try:
        time.sleep(6)
    finally:
        os.kill(victim, signal.SIGCONT)
    code, err = _finish(proc)
    assert code == 0, err
    assert f"pid {victim}) sent no token" in err and "py-spy dump" in err


@pytest.mark.timeout(180)
def test_sigint_writes_final_snapshot_and_exits_0(tmp_path):
    run = tmp_path / "run"
    proc = _start_train(run, "--num-workers", "2", "--iters", "100000000")
    wait_running(run, proc)
    time.sleep(1.0)
    start = time.time()
    proc.send_signal(signal.SIGINT)
    code, err = _finish(proc, timeout=30)
    assert code == 0, err
    assert time.time() - start < 15
    assert "interrupted" in err
    from holdem.eval.blueprint import load_blueprint
    bp = load_blueprint(run)
    assert bp.iteration > 0 and bp.path.name == "final"
    assert json.loads((run / "run.json").read_text())["status"] == "interrupted"


@pytest.mark.timeout(180)
def test_coordinator_sigkill_leaves_nothing_running(tmp_path):
    run = tmp_path / "run"
    proc = _start_train(run, "--num-workers", "2", "--iters", "100000000", "--batch-size", "2000")
    info = wait_running(run, proc)
    workers = [psutil.Process(p) for p in info["worker_pids"]]
    proc.kill()
    proc.communicate()
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"workers still running after the coordinator died: {alive}"
    # whatever the crash left, the next start sweeps (the resource tracker usually beats it)
    from holdem.runtime.shm import sweep_orphans
    sweep_orphans()
    assert not any(name.startswith(f"hd_{proc.pid}_") for name in segments())
