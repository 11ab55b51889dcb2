"""Every way a parallel training stops leaves snapshots whose iteration is what their tables
hold (issue #17, item 5): normal end, time budget, Ctrl-C, double Ctrl-C, SIGTERM, a worker
failure with ``--on-worker-failure stop``.

With ``--check-updates`` a snapshot's meta records the row updates the coordinator counted
as applied (``updates_applied``); the tables' own per-row counters must sum to exactly that,
which fails if a worker still wrote while the snapshot was taken, or if a killed worker's
updates went uncounted. The iterations pending at the stop (``unfinished``) plus the
iteration equal the ``frontier`` of iterations handed out, and a resume runs them first.

The default suite runs three paths; tests/test_stress.py runs the whole matrix (slow).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import wait_running

from holdem.run.snapshot import list_snapshots, load_snapshot

ROOT = Path(__file__).resolve().parent.parent
STOP_PATHS = ("end", "budget", "sigint", "double-sigint", "sigterm", "worker-failure")

pytestmark = pytest.mark.usefixtures("no_leftovers")


def train(run: Path, *args: str, config: str = "configs/leduc.yaml") -> subprocess.Popen:
    """Start a checked training subprocess (update counters kept, no evaluations)."""
    return subprocess.Popen(
        [sys.executable, "-m", "holdem.cli.train_blueprint", "--config", config, "--logdir", str(run),
         "--eval-interval", "1000000000", "--check-updates", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"))


def finish(proc: subprocess.Popen, timeout: float) -> tuple[int, str]:
    """Exit code and stderr; a hang fails (after killing the process)."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"hang: the coordinator did not finish in {timeout}s\n{err[-3000:]}")
    return proc.returncode, err


def wait_started(run: Path, proc: subprocess.Popen, timeout: float = 120) -> dict:
    """run.json once the loop runs with its workers (batches are being handed out)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        try:
            info = json.loads((run / "run.json").read_text())
        except (OSError, ValueError):
            info = {}
        if info.get("status") == "running" and len(info.get("worker_pids", [])) > 1:
            return info
        time.sleep(0.2)
    raise AssertionError("run did not start")


def assert_consistent(snapshot: Path) -> dict:
    """The snapshot's tables hold exactly the counted updates; its iteration plus its
    pending iterations is the frontier. Returns its meta."""
    arrays, meta = load_snapshot(snapshot)
    assert int(arrays["updates"].sum()) == meta["updates_applied"], (
        f"{snapshot}: tables hold {int(arrays['updates'].sum())} updates, {meta['updates_applied']} were counted")
    pending = sum(count for _, count, _ in meta["unfinished"])
    assert meta["iteration"] + pending == meta["frontier"], meta
    return meta


def long_batches(tmp_path: Path, config: str) -> str:
    """``config`` without discount points: a batch is as long as --batch-size says."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "long.yaml"
    path.write_text((ROOT / config).read_text().replace("use_linear_weighting: true", "use_linear_weighting: false"))
    return str(path)


def run_stop_path(tmp_path: Path, path: str, workers: int = 2, config: str = "configs/leduc.yaml",
                  batch: int = 100_000) -> dict:
    """Train, stop by ``path``, check every snapshot left; returns the final meta. The
    double Ctrl-C and the worker failure run ``batch``-iteration batches without discount
    points, so that other workers are mid-batch when the run stops."""
    run = tmp_path / "run"
    w = ["--num-workers", str(workers)]
    status, code = "interrupted", 0
    if path == "end":
        proc = train(run, *w, "--iters", "60000", "--batch-size", "5000", config=config)
        status = "finished"
    elif path == "budget":
        proc = train(run, *w, "--iters", "1000000000", "--batch-size", "5000", "--time-budget", "4",
                     "--snapshot-interval", "0.5", config=config)
        status = "time budget spent"
    elif path in ("sigint", "sigterm"):
        proc = train(run, *w, "--iters", "1000000000", "--batch-size", "5000", config=config)
        wait_running(run, proc)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT if path == "sigint" else signal.SIGTERM)
    elif path == "double-sigint":
        # long batches: the first Ctrl-C waits for them, the second stops the wait
        proc = train(run, *w, "--iters", "1000000000", "--batch-size", str(batch),
                     config=long_batches(tmp_path, config))
        wait_started(run, proc)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
    elif path == "worker-failure":
        proc = train(run, *w, "--iters", "1000000000", "--batch-size", str(batch), "--on-worker-failure", "stop",
                     config=long_batches(tmp_path, config))
        info = wait_started(run, proc)
        time.sleep(1.0)
        os.kill(info["worker_pids"][0], signal.SIGKILL)
        status, code = "worker failure", 1
    else:
        raise ValueError(path)
    got, err = finish(proc, 90)
    assert got == code, err[-3000:]
    assert json.loads((run / "run.json").read_text())["status"] == status, err[-3000:]
    meta = assert_consistent(run / "final")
    for snap in list_snapshots(run / "snapshots"):
        assert_consistent(snap)
    if path == "end":
        assert meta["iteration"] == 60000 and not meta["unfinished"]
    if path == "worker-failure":
        assert "--on-worker-failure stop" in err
    return meta


@pytest.mark.timeout(240)
@pytest.mark.parametrize("path", ["end", "worker-failure"])
def test_stop_path_leaves_a_consistent_snapshot(tmp_path, path):
    run_stop_path(tmp_path, path)


@pytest.mark.timeout(300)
def test_double_ctrl_c_snapshot_is_consistent_and_resumes_exactly(tmp_path):
    """The second Ctrl-C kills the long batches still running: their applied part is counted,
    the rest pending; a resume runs the pending iterations first and ends exactly at --iters."""
    meta = run_stop_path(tmp_path, "double-sigint", batch=2_000_000)
    pending = meta["frontier"] - meta["iteration"]
    assert pending > 0, "the second Ctrl-C found no batch running"
    run = tmp_path / "run"
    iters = meta["iteration"] + min(pending, 20_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "holdem.cli.train_blueprint",  # the run's own config
         "--resume-from", str(run), "--iters", str(iters), "--num-workers", "2", "--batch-size", "5000",
         "--check-updates", "--eval-interval", "1000000000"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    code, err = finish(proc, 180)
    assert code == 0, err[-3000:]
    final = assert_consistent(run / "final")
    # only pending iterations ran: nothing new was handed out while some were pending
    assert final["iteration"] == iters and final["frontier"] == meta["frontier"]
