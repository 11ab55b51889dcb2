"""The CPU/memory monitor (holdem.cli.monitor) on real training runs: sampling, CSV, summary, stalls.

Every test checks afterwards that no ``hd_*`` segment and no child process is left.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import wait_running

from holdem.mccfr.solver import Solver
from holdem.mccfr.solver_config import SolverConfig
from holdem.monitor.run_files import last_metrics_record, logdir_of
from holdem.monitor.sampling import ProcSample
from holdem.monitor.stall import StallDetector

ROOT = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("no_leftovers")


@pytest.fixture
def warm_kernel(leduc_problem):
    """Load (or compile) the kernel into the cache here, so the run under test starts in seconds."""
    Solver(leduc_problem, SolverConfig()).run(10)


def _train_cmd(run: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "holdem.cli.train_blueprint", "--config", "configs/leduc.yaml",
            "--logdir", str(run), "--eval-interval", "1000000000", "--num-workers", "2",
            "--iters", "100000000", *args]


def _monitor(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "holdem.cli.monitor", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ, PYTHONUNBUFFERED="1"))


@pytest.mark.timeout(240)
def test_monitor_launches_a_run_and_writes_csv_and_summary(tmp_path, warm_kernel):
    run, table, summary = tmp_path / "run", tmp_path / "cpu.csv", tmp_path / "summary.json"
    mon = _monitor("--interval", "1", "--duration", "10", "--csv", str(table), "--summary-json", str(summary),
                   "--", *_train_cmd(run, "--batch-size", "2000"), timeout=200)
    assert mon.returncode == 0, mon.stderr
    rows = list(csv.DictReader(table.open()))
    coordinators = {r["pid"] for r in rows if r["role"] == "coordinator"}
    workers = {r["pid"] for r in rows if r["role"] == "worker"}
    assert len(coordinators) == 1 and len(workers) == 2, rows
    for r in rows:
        assert float(r["cpu_percent"]) >= 0 and int(r["rss_bytes"]) > 0 and int(r["uss_bytes"]) > 0
    for pid in workers:  # both workers were seen working
        assert max(float(r["cpu_percent"]) for r in rows if r["pid"] == pid) > 10, pid
    assert any(r["iterations_per_s"] and float(r["iterations_per_s"]) > 0 for r in rows)
    # one row per process per interval: each sample time holds each process at most once
    times = [(r["time"], r["pid"]) for r in rows]
    assert len(times) == len(set(times))
    assert "monitor summary" in mon.stdout and "stall: none" in mon.stdout
    assert "STALL" not in mon.stderr
    s = json.loads(summary.read_text())
    assert not s["stall"] and s["peak_uss_total_bytes"] > 0 and s["peak_rss_total_bytes"] >= s["peak_uss_total_bytes"]
    assert sorted(str(p["pid"]) for p in s["processes"] if p["role"] == "worker") == sorted(workers)
    assert all(p["mean_cpu"] is not None and p["min_cpu"] <= p["mean_cpu"] for p in s["processes"])
    # --duration stopped the run it started with SIGINT: a clean stop with a final snapshot
    assert json.loads((run / "run.json").read_text())["status"] == "interrupted"
    assert s["run_status"] == "interrupted"
    assert (run / "final" / "meta.json").exists()


@pytest.mark.timeout(240)
def test_monitor_fails_on_a_stopped_worker(tmp_path, warm_kernel):
    run = tmp_path / "run"
    train = subprocess.Popen(_train_cmd(run, "--time-budget", "120"), cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        info = wait_running(run, train)
        victim = info["worker_pids"][0]
        os.kill(victim, signal.SIGSTOP)
        try:
            start = time.time()
            mon = _monitor("--run", str(run), "--fail-on-stall", "--stall-window", "3", "--interval", "0.5",
                           timeout=90)
            took = time.time() - start
        finally:
            os.kill(victim, signal.SIGCONT)
        assert mon.returncode == 3, (mon.stdout, mon.stderr)
        assert "STALL" in mon.stderr and f"pid {victim} " in mon.stderr
        assert "stall: YES" in mon.stdout
        assert took < 30  # 3 s window plus start-up, not the run's 120 s budget
        assert train.poll() is None  # attached: the run itself is left alone
    finally:
        if train.poll() is None:
            train.send_signal(signal.SIGINT)
        try:
            train.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            train.kill()
            train.communicate()
    assert train.returncode == 0


def test_monitor_rejects_a_missing_target(tmp_path):
    mon = _monitor("--run", str(tmp_path), timeout=60)
    assert mon.returncode == 2 and "run.json" in mon.stderr
    mon = _monitor("--interval", "1", timeout=60)
    assert mon.returncode == 2 and "--pid" in mon.stderr


def test_stall_detector_windows_and_recovery():
    det = StallDetector(cpu_threshold=20, window=3)

    def w(pid: int, cpu: float, fresh: bool = False) -> ProcSample:
        return ProcSample(pid, "worker", "sleeping", cpu, fresh, 1, 1, True)

    assert det.update(0.0, 1, [w(10, 0.0, fresh=True), w(11, 90)], 100) == []  # first sight is not counted
    assert det.update(1.0, 1, [w(10, 5), w(11, 90)], 200) == []
    assert det.update(3.5, 1, [w(10, 5), w(11, 90)], 300) == []
    warnings = det.update(4.1, 1, [w(10, 5), w(11, 90)], 400)
    assert len(warnings) == 1 and "pid 10 " in warnings[0] and "pid 11 " not in warnings[0]
    assert det.update(5.0, 1, [w(10, 5), w(11, 90)], 500) == []  # reported once
    det.update(6.0, 1, [w(10, 80), w(11, 90)], 600)  # recovers
    det.pause()
    assert det.update(20.0, 1, [w(10, 80), w(11, 90)], 600) == []
    frozen = det.update(23.5, 1, [w(10, 80), w(11, 90)], 600)
    assert len(frozen) == 1 and "stuck at 600" in frozen[0] and "coordinator pid 1" in frozen[0]
    assert [e["kind"] for e in det.events] == ["worker_cpu", "iteration"]


def test_metrics_tail_and_logdir(tmp_path):
    path = tmp_path / "metrics.jsonl"
    records = [{"iteration": i, "iterations_per_s": float(i)} for i in range(1, 3000)]
    records[-1]["pad"] = "x" * 40_000  # longer than the first chunk read from the end
    lines = [json.dumps(r) for r in records] + [json.dumps({"event": "worker_died", "iteration": 2999})]
    path.write_text("\n".join(lines) + "\n" + '{"iteration": 3000, "iterations_')  # last line half written
    assert last_metrics_record(path) == records[-1]
    assert last_metrics_record(tmp_path / "missing.jsonl") is None
    assert logdir_of(["x", "--logdir", "runs/a"]) == Path("runs/a")
    assert logdir_of(["x", "--logdir=runs/b"]) == Path("runs/b")
    assert logdir_of(["x", "--config", "c.yaml"]) is None
