"""Multi-node training on a local Ray cluster (holdem.runtime.cluster).

Every test starts its own cluster on this machine, one node per loopback address
(127.0.0.2, 127.0.0.3, ...: ../shared/notes/ray-local-cluster.md), and tears it down;
afterwards no process, /dev/shm entry or Ray session directory of it may remain.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psutil
import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from holdem.config import load_config, with_train_overrides  # noqa: E402
from holdem.run.snapshot import read_meta  # noqa: E402
from holdem.run.train import train  # noqa: E402
from holdem.runtime.cluster import ClusterEngine, split_pieces  # noqa: E402
from holdem.runtime.cluster_node import table_digest  # noqa: E402
from holdem.runtime.coordinator import Piece  # noqa: E402
from holdem.runtime.local_cluster import local_cluster as shared_local_cluster  # noqa: E402
from holdem.mccfr.external_sampling import table_arrays  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STORE = 150 << 20  # object store per node (it lives in /dev/shm: always set it)


def _dev_shm() -> set[str]:
    return set(os.listdir("/dev/shm"))


def _segments() -> set[str]:
    return {n for n in _dev_shm() if n.startswith("hd_")}


def _descendants() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def _trainer_processes() -> list[psutil.Process]:
    """Processes of our node trainers (Ray titles an actor's process ``ray::NodeTrainer...``)
    and their janitors."""
    out = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any("NodeTrainer" in part or "holdem.runtime.janitor" in part for part in (p.info["cmdline"] or [])):
                out.append(p)
        except psutil.Error:
            pass
    return out


@contextmanager
def local_cluster(nodes: int, cpus: int = 1) -> Iterator[Cluster]:
    """:func:`holdem.runtime.local_cluster.local_cluster`; afterwards nothing of it may be
    left (processes, /dev/shm entries, node trainers and their janitors)."""
    shm_before, kids_before = _dev_shm(), _descendants()
    try:
        with shared_local_cluster(nodes, cpus, STORE) as cluster:
            yield cluster
    finally:
        deadline = time.time() + 20
        while time.time() < deadline and (_descendants() - kids_before or _dev_shm() - shm_before
                                          or _trainer_processes()):
            time.sleep(0.2)
        kids = _descendants() - kids_before
        shm_left = _dev_shm() - shm_before
        trainers = _trainer_processes()
        for pid in kids:
            try:
                psutil.Process(pid).kill()
            except psutil.Error:
                pass
        assert not kids, f"processes left behind: {kids}"
        assert not shm_left, f"/dev/shm entries left behind: {shm_left}"
        assert not trainers, f"node trainers left behind: {[p.pid for p in trainers]}"


def _cfg(address: str, **train):
    cfg = load_config(ROOT / "configs" / "leduc.yaml")
    return with_train_overrides(cfg, backend="ray", ray_address=address, **train)


def _nodes_digests(engine: ClusterEngine) -> list[str]:
    return ray.get([n.actor.digest.remote() for n in engine.nodes], timeout=60)


def test_split_pieces_is_contiguous_and_even():
    shares = split_pieces([Piece(10, 7, 2), Piece(30, 5)], 3)
    assert [sum(p.count for p in s) for s in shares] == [4, 4, 4]
    flat = [p for s in shares for p in s]
    covered = [t for p in flat for t in range(p.t_start, p.t_start + p.count)]
    assert covered == list(range(10, 17)) + list(range(30, 35))
    assert flat[0].attempt == 2 and all(p.attempt == 0 for p in flat[1:])


@pytest.mark.timeout(180)
def test_leduc_on_three_nodes_converges_and_resumes_without_ray(tmp_path):
    with local_cluster(3) as cluster:
        cfg = _cfg(cluster.address, nodes=3, iters=200_000, sync_interval=500, eval_interval=200_000)
        code, run = train(cfg, tmp_path / "run")
        assert code == 0
        records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        last = [r for r in records if "exploitability" in r][-1]
        assert last["iteration"] == 200_000 and last["nodes_alive"] == 3
        assert last["exploitability"] < 0.1, last
        assert not ray.is_initialized()  # the engine left the cluster it joined
    # the snapshot resumes on one machine without Ray (train settings may change on resume)
    local = with_train_overrides(cfg, backend="local", iters=210_000)
    code, _ = train(local, None, run / "final")
    assert code == 0 and read_meta(run / "final")["iteration"] == 210_000


@pytest.mark.timeout(180)
def test_every_copy_is_equal_after_a_sync_and_runs_repeat(leduc_problem, monkeypatch):
    # one row chunk per node even for Leduc's small tables: the reduce-scatter path
    monkeypatch.setattr("holdem.runtime.cluster.CHUNK_MIN_BYTES", 1)
    with local_cluster(3) as cluster:
        digests = []
        for _ in range(2):
            cfg = _cfg(cluster.address, nodes=3, sync_interval=3_000, check_updates=True)
            engine = ClusterEngine(leduc_problem, cfg, log=lambda text: None)
            try:
                engine.advance(25_000)
                assert engine.iteration == 25_000 and engine.frontier == 25_000 and not engine.todo
                assert engine.sync_bytes > 0
                mine = table_digest(table_arrays(engine.tables))
                assert _nodes_digests(engine) == [mine] * 3
                # exactly once: every row update the nodes counted is in the tables, once
                assert engine.tables.updates.sum() == engine.issued_updates > 0
                digests.append(mine)
            finally:
                engine.close()
        assert digests[0] == digests[1]  # one worker per node: the run is reproducible


@pytest.mark.timeout(240)
def test_a_lost_node_loses_at_most_one_interval_and_a_new_one_joins(leduc_problem):
    with local_cluster(3) as cluster:
        cfg = _cfg(cluster.address, nodes=3, sync_interval=60_000)
        engine = ClusterEngine(leduc_problem, cfg, log=lambda text: None)
        try:
            goal = 6 * 3 * 60_000
            box: dict[str, BaseException] = {}

            def go() -> None:
                try:
                    engine.advance(goal)
                except BaseException as e:  # noqa: BLE001 - checked below
                    box["error"] = e
            runner = threading.Thread(target=go)
            runner.start()
            deadline = time.time() + 60
            while engine.syncs < 1 and time.time() < deadline:
                time.sleep(0.05)
            victim = next(n for n in cluster.worker_nodes)  # not the head: the driver lives there
            cluster.remove_node(victim)
            new = cluster.add_node(num_cpus=1, node_ip_address="127.0.0.5", object_store_memory=STORE)
            runner.join(120)
            assert not runner.is_alive() and "error" not in box, box
            lost = [e for e in engine.events if e["event"] == "node_lost"]
            # at most one interval of work is lost (none if the node died after its delta was summed)
            assert len(lost) == 1 and lost[0]["lost_iterations"] <= cfg.train.sync_interval, engine.events
            assert engine.iteration == goal and not engine.todo  # the lost share ran again, once
            # the new node joins at a sync and gets the tables
            deadline = time.time() + 60
            while len(engine.nodes) < 3 and time.time() < deadline:
                engine.advance(3 * 1_000)
            assert len(engine.nodes) == 3 and any(e["event"] == "node_joined" for e in engine.events)
            engine.advance(3_000)
            mine = table_digest(table_arrays(engine.tables))
            assert _nodes_digests(engine) == [mine] * 3
            assert new.address
        finally:
            engine.close()


def _driver(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "holdem.cli.train_blueprint", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_iteration(run: Path, proc: subprocess.Popen, at_least: int, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        try:
            if json.loads((run / "run.json").read_text()).get("iteration", 0) >= at_least:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"the run did not reach iteration {at_least}: {proc.communicate()[1][-3000:]}")


def _finish(proc: subprocess.Popen, timeout: float = 90) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"hang: {proc.args}: {proc.communicate()[1][-3000:]}")
    return proc.returncode, err


@pytest.mark.timeout(240)
def test_ctrl_c_stops_every_node_with_a_final_snapshot_and_a_killed_driver_leaves_nothing(tmp_path):
    with local_cluster(2) as cluster:
        run = tmp_path / "run"
        common = ["--backend", "ray", "--ray-address", cluster.address, "--nodes", "2"]
        proc = _driver("--config", "configs/leduc.yaml", "--iters", "1000000000", "--sync-interval", "20000",
                       "--logdir", str(run), *common)
        _wait_iteration(run, proc, 80_000)
        proc.send_signal(signal.SIGINT)
        code, err = _finish(proc)
        assert code == 0, err[-3000:]
        assert "interrupted at iteration" in err and "Traceback" not in err, err[-3000:]
        meta = read_meta(run / "final")
        assert meta["iteration"] >= 80_000
        assert meta["frontier"] == meta["iteration"] + sum(p[1] for p in meta["unfinished"])
        assert json.loads((run / "run.json").read_text())["status"] == "interrupted"
        deadline = time.time() + 20
        while _trainer_processes() and time.time() < deadline:
            time.sleep(0.2)
        assert not _trainer_processes()

        # a SIGKILLed driver: Ray ends its trainers (and they their workers); the run resumes
        proc = _driver("--resume-from", str(run), "--iters", "1000000000", "--checkpoint-interval", "40000",
                       *common)
        _wait_iteration(run, proc, meta["iteration"] + 100_000)
        proc.kill()
        proc.communicate(timeout=30)
        deadline = time.time() + 30
        while (_trainer_processes() or _segments()) and time.time() < deadline:
            time.sleep(0.2)
        assert not _trainer_processes()
        assert not _segments(), "a killed driver's trainers left their shared memory"
        snap = sorted((run / "snapshots").glob("iter_*"))[-1]
        at = read_meta(snap)["iteration"]
        assert at > meta["iteration"]
        code, err = _finish(_driver("--resume-from", str(run), "--iters", str(at + 20_000), *common))
        assert code == 0, err[-3000:]
        assert read_meta(run / "final")["iteration"] == at + 20_000


@pytest.mark.timeout(240)
def test_on_node_failure_stop_ends_with_a_snapshot_that_resumes_locally(tmp_path):
    with local_cluster(2) as cluster:
        run = tmp_path / "run"
        proc = _driver("--config", "configs/leduc.yaml", "--iters", "1000000000", "--sync-interval", "100000",
                       "--logdir", str(run), "--backend", "ray", "--ray-address", cluster.address, "--nodes", "2",
                       "--on-node-failure", "stop")
        _wait_iteration(run, proc, 200_000)
        cluster.remove_node(cluster.worker_nodes.copy().pop())
        code, err = _finish(proc)
        assert code == 1 and "on_node_failure: stop" in err, err[-3000:]
        meta = read_meta(run / "final")
        events = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        lost = [e for e in events if e.get("event") == "node_lost"]
        assert len(lost) == 1 and lost[0]["lost_iterations"] <= 100_000
        assert meta["frontier"] == meta["iteration"] + sum(p[1] for p in meta["unfinished"])
    code, err = _finish(_driver("--resume-from", str(run), "--iters", str(meta["frontier"] + 10_000),
                                "--backend", "local"))
    assert code == 0, err[-3000:]
    assert read_meta(run / "final")["iteration"] == meta["frontier"] + 10_000


def test_bad_cluster_settings_are_refused_before_any_work(tmp_path):
    run = tmp_path / "run"
    proc = _driver("--config", "configs/leduc.yaml", "--backend", "ray", "--ray-address", "127.0.0.9:1",
                   "--logdir", str(run))
    code, err = _finish(proc, 60)
    assert code == 2 and err.count("\n") == 1 and "--ray-address 127.0.0.9:1" in err, err
    assert not run.exists()
    code, err = _finish(_driver("--config", "configs/leduc.yaml", "--backend", "ray", "--nodes", "0"), 60)
    assert code == 2 and "--nodes" in err and err.count("\n") == 1, err


@pytest.mark.timeout(120)
def test_too_few_nodes_is_refused_before_the_run_directory(tmp_path):
    with local_cluster(1) as cluster:
        run = tmp_path / "run"
        code, err = _finish(_driver("--config", "configs/leduc.yaml", "--backend", "ray", "--ray-address",
                                    cluster.address, "--nodes", "2", "--logdir", str(run)), 90)
        assert code == 2 and "--nodes 2" in err and err.count("\n") == 1, err
        assert not run.exists()


def test_a_round_spanning_discount_points_applies_all_their_factors():
    from holdem.mccfr.schedules import discount_between, discount_factor, last_discount_point
    from holdem.mccfr.solver_config import SolverConfig

    cfg = SolverConfig(discount_interval=1_000, lcfr_threshold=5_000)
    product = 1.0
    for t in range(1_001, 4_001):
        product *= discount_factor(t, cfg) or 1.0
    assert discount_between(1_000, 4_000, cfg) == pytest.approx(product, rel=1e-15)  # 2/3 * 3/4 * 4/5
    assert discount_between(1_000, 1_999, cfg) is None and discount_between(4_000, 9_000, cfg) == pytest.approx(5 / 6)
    assert last_discount_point(1_000, 3_500, cfg) == 3_000 and last_discount_point(1_000, 1_999, cfg) is None
    assert last_discount_point(4_500, 9_000, cfg) == 5_000 and last_discount_point(5_000, 9_000, cfg) is None


def test_default_sync_interval_grows_with_workers_and_delta_bytes():
    from types import SimpleNamespace

    from holdem.config import TrainConfig
    from holdem.runtime.cluster import sync_interval

    leduc_rows = SimpleNamespace(num_slots=2_208)
    hu_mid = SimpleNamespace(num_slots=21_262_476)    # a 162 MiB delta: 5 units of 32 MiB
    six_max = SimpleNamespace(num_slots=735_906_920)  # 5.5 GiB: capped at 8 units
    assert sync_interval(TrainConfig(), leduc_rows) == 100_000
    assert sync_interval(TrainConfig(workers_per_node=4), leduc_rows) == 400_000
    assert sync_interval(TrainConfig(), hu_mid) == 500_000
    assert sync_interval(TrainConfig(workers_per_node=16), six_max) == 16 * 8 * 100_000
    assert sync_interval(TrainConfig(sync_interval=777), six_max) == 777
