"""Exactly-once batches, restartable parallel discounts, equal batches, and random streams
that never repeat across a resume (issue #17, items 4, 6 and 7), at the engine level.

Every test checks afterwards that no ``hd_*`` segment and no child process is left.
"""
from __future__ import annotations

import os
import random
import signal
import threading
import time

import numpy as np
import pytest

import holdem.runtime.coordinator as coordinator
import holdem.runtime.worker as worker
from holdem.config import RunConfig, TrainConfig
from holdem.game.spec import kuhn, leduc
from holdem.mccfr.external_sampling import PROGRESS_LEN, Tables, discount
from holdem.mccfr.solver_config import SolverConfig
from holdem.runtime.coordinator import ParallelEngine, Piece, batch_stream

pytestmark = pytest.mark.usefixtures("no_leftovers")


def _cfg(spec, workers: int, batch: int, interval: int = 10_000, **solver) -> RunConfig:
    return RunConfig(spec, {"kind": "lossless"}, SolverConfig(discount_interval=interval, lcfr_threshold=10**9, **solver),
                     TrainConfig(num_workers=workers, check_updates=True, batch_size=batch))


def _assert_applied_once(engine: ParallelEngine) -> None:
    """The applied ranges tile 1 .. frontier without overlap, except the pending pieces."""
    pending = sorted((p.t_start, p.count) for p in list(engine.todo) + list(engine.queue))
    ranges = sorted(engine.applied_ranges + pending)
    pos = 0
    for t_start, count in ranges:
        assert t_start == pos, f"iterations {min(t_start, pos) + 1}.. ran twice or never ({t_start} vs {pos})"
        pos = t_start + count
    assert pos == engine.frontier
    assert sum(c for _, c in engine.applied_ranges) == engine.iteration
    assert len(engine.cut_iterations) == engine.iterations_cut


def _kill_randomly(engine: ParallelEngine, kills: int, seed: int, stop: threading.Event) -> threading.Thread:
    """A thread that SIGKILLs a random busy worker every 50-250 ms, ``kills`` times."""
    rng = random.Random(seed)
    done = []

    def body() -> None:
        while len(done) < kills and not stop.is_set():
            time.sleep(rng.uniform(0.05, 0.25))
            busy = [w.pid for w in list(engine.workers.values()) if w.ready and w.batches]
            if busy:
                try:
                    os.kill(rng.choice(busy), signal.SIGKILL)
                    done.append(1)
                except ProcessLookupError:
                    pass
    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


def advance_under_kills(engine: ParallelEngine, kills: int, seed: int, timeout: float) -> int:
    """Advance 200k iterations at a time while ``kills`` random SIGKILLs land (or ``timeout``
    seconds pass); each advance must reach its target. Returns the iterations asked for."""
    stop = threading.Event()
    killer = _kill_randomly(engine, kills, seed, stop)
    asked = 0
    deadline = time.time() + timeout
    try:
        while killer.is_alive() and time.time() < deadline:
            engine.advance(200_000)
            asked += 200_000
            assert engine.iteration == asked
    finally:
        stop.set()
        killer.join()
    return asked


@pytest.mark.timeout(300)
@pytest.mark.parametrize("game, seed", [("kuhn", 1), ("leduc", 2)])
def test_random_sigkills_apply_every_iteration_once(monkeypatch, game, seed):
    """After random SIGKILLs: the counter equals the iterations asked for, the tables hold
    exactly the counted updates, and no range ran twice except the counted cut iterations."""
    monkeypatch.setattr(coordinator, "MAX_RESTARTS", 1000)
    spec = kuhn() if game == "kuhn" else leduc()
    from holdem.mccfr.problem import build_problem
    problem = build_problem(spec)
    engine = ParallelEngine(problem, _cfg(spec, 3, 20_000, interval=50_000), 3, log=lambda text: None)
    engine.parallel_discount_slots = 0  # the workers discount too, so kills can land in discounts
    try:
        asked = advance_under_kills(engine, 10, seed, 120)
        deaths = [e for e in engine.events if e["event"] == "worker_died"]
        assert len(deaths) >= 5, "the killer did not get to kill"
        assert engine.iteration == asked == engine.frontier
        assert int(engine.tables.updates.sum()) == engine.issued_updates
        assert not [e for e in engine.events if e["event"] == "updates_mismatch"]
        assert not engine.tables.locks.any()
        _assert_applied_once(engine)
        assert engine.status()["iterations_cut"] == engine.iterations_cut
        # what a death reports adds up: its applied part, plus what runs again
        assert all(e["iterations_applied"] >= 0 and e["iterations_requeued"] >= 0 for e in deaths)
    finally:
        engine.close()


@pytest.mark.timeout(240)
def test_stop_kills_late_batches_and_counts_them(monkeypatch, leduc_problem):
    """A stop request whose grace runs out kills the running batches: what they applied is
    counted, the rest is pending, and the next call runs the rest, once."""
    monkeypatch.setattr(coordinator, "STOP_GRACE", 0.2)
    engine = ParallelEngine(leduc_problem, _cfg(leduc(), 2, 400_000, interval=10**9), 2, log=lambda text: None)
    try:
        started = time.time()
        engine.advance(2_000_000, should_stop=lambda: time.time() - started > 0.5)
        assert [e for e in engine.events if e["event"] == "worker_killed"]
        assert engine.todo and not engine._outstanding()
        assert int(engine.tables.updates.sum()) == engine.issued_updates
        assert engine.iteration + sum(p.count for p in engine.todo) == engine.frontier
        _assert_applied_once(engine)
        facts = engine.snapshot_facts()
        assert facts["updates_applied"] == engine.issued_updates and facts["frontier"] == engine.frontier
        engine.quiesce()  # nothing runs: nothing to do
        # the pending iterations run first in the next call; nothing runs twice
        engine.advance(engine.frontier - engine.iteration + 1_000)
        assert engine.iteration == engine.frontier and not engine.todo
        assert int(engine.tables.updates.sum()) == engine.issued_updates
        _assert_applied_once(engine)
    finally:
        engine.close()


@pytest.mark.timeout(240)
def test_quiesce_mid_batch_then_resume_runs_the_rest_once(leduc_problem):
    """A kill by quiesce mid-batch leaves pending pieces; a fresh engine restored from the
    snapshot facts runs exactly them first, then new iterations."""
    engine = ParallelEngine(leduc_problem, _cfg(leduc(), 2, 600_000, interval=10**9), 2, log=lambda text: None)
    try:
        engine.advance(20_000)
        # hand out two long batches by hand, let them run a moment, then quiesce them away
        engine._call(engine._plan, 1_200_000)
        engine._call(engine._issue)
        time.sleep(0.5)
        engine.quiesce(grace=0.0)
        kills = [e for e in engine.events if e["event"] == "worker_killed"]
        assert kills and engine.todo
        assert int(engine.tables.updates.sum()) == engine.issued_updates
        _assert_applied_once(engine)
        arrays = {k: np.array(v) for k, v in (("regret", engine.tables.regret), ("strategy", engine.tables.strategy),
                                              ("updates", engine.tables.updates))}
        meta = dict(engine.snapshot_facts(), iteration=engine.iteration)
    finally:
        engine.close()
    resumed = ParallelEngine(leduc_problem, _cfg(leduc(), 2, 50_000, interval=10**9), 2, log=lambda text: None)
    try:
        resumed.restore(arrays, meta)
        pending = sum(p.count for p in resumed.todo)
        assert resumed.iteration + pending == resumed.frontier == meta["frontier"]
        resumed.advance(pending + 10_000)
        assert resumed.iteration == meta["iteration"] + pending + 10_000 == resumed.frontier
        assert int(resumed.tables.updates.sum()) == resumed.issued_updates
        ran = sorted(resumed.applied_ranges)
        # the pending pieces ran exactly, then new iterations from the old frontier
        pieces = sorted((p.t_start, p.count) for p in (Piece(*p) for p in meta["unfinished"]))
        covered = sorted(ran)
        assert sum(c for t, c in covered if t < meta["frontier"]) == pending
        for t, c in covered:
            inside = [p for p in pieces if p[0] <= t and t + c <= p[0] + p[1]]
            assert inside or t >= meta["frontier"], (t, c)
    finally:
        resumed.close()


@pytest.mark.timeout(60)
def test_equal_batches_per_worker(kuhn_problem):
    """A segment is cut into a multiple of the workers' count of batches of equal size."""
    engine = ParallelEngine.__new__(ParallelEngine)  # _cut needs only the sizes
    engine.num_workers, engine.batch_size = 64, 2_000
    batches = engine._cut([Piece(0, 200_000)])
    assert len(batches) % 64 == 0 and len(batches) == 128
    assert {b.count for b in batches} <= {1562, 1563} and sum(b.count for b in batches) == 200_000
    assert max(b.count for b in batches) <= 2_000
    # contiguous, starting where the piece starts
    assert [b.t_start for b in batches] == list(np.cumsum([0] + [b.count for b in batches[:-1]]))
    # a requeued piece keeps its attempt on its first batch only
    batches = engine._cut([Piece(100, 5_000, 2), Piece(9_000, 1_000, 1)])
    assert batches[0].attempt == 2 and all(b.count <= 2_000 for b in batches)
    assert sum(b.count for b in batches) == 6_000
    engine.num_workers = 3
    assert len(engine._cut([Piece(0, 2)])) == 2  # fewer iterations than workers


class _Killed(Exception):
    pass


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kill_at, fraction", [(1, 0.0), (1, 0.5), (2, 0.0), (2, 0.3), (3, 1.0), (4, None)])
def test_discount_slice_recovers_exactly_after_a_kill(monkeypatch, kill_at, fraction):
    """A worker killed anywhere in its discount slice (before, inside or after a chunk) leaves
    a state from which every slot ends up scaled exactly once (strategy sums on a prefix of
    the slots only, as pluribus averaging keeps them)."""
    monkeypatch.setattr(worker, "DISCOUNT_CHUNK", 7)
    rng = np.random.default_rng(kill_at)
    slots, kept, factor, lo, hi = 40, 19, 0.75, 5, 31
    regret = rng.normal(size=slots).astype(np.float32)
    strategy = rng.random(kept)
    expected = Tables(regret.copy(), strategy.copy(), np.zeros(0, np.int64), np.zeros(0, np.int32))
    discount(expected.regret, expected.strategy, factor, lo, hi)
    assert not np.array_equal(expected.strategy, strategy)
    tables = Tables(regret, strategy, np.zeros(0, np.int64), np.zeros(0, np.int32))
    scratch = (np.zeros(7, np.float32), np.zeros(7))
    progress = np.zeros(PROGRESS_LEN, dtype=np.int64)
    calls = []
    real = worker.discount

    def dying(reg, strat, f, a, b):
        calls.append(a)
        if len(calls) == kill_at:
            if fraction is not None:  # the kill lands inside this chunk's scaling
                real(reg, strat, f, a, a + int(round((b - a) * fraction)))
            raise _Killed
        real(reg, strat, f, a, b)
    monkeypatch.setattr(worker, "discount", dying)
    with pytest.raises(_Killed):
        worker.discount_slice(tables, *scratch, progress, 9, factor, lo, hi)
    monkeypatch.setattr(worker, "discount", real)
    worker.recover_discount(tables, *scratch, progress, 9, factor, lo, hi)
    assert np.array_equal(tables.regret, expected.regret) and np.array_equal(tables.strategy, expected.strategy)
    # recovering twice (or a slice never begun) does nothing more
    assert worker.recover_discount(tables, *scratch, progress, 9, factor, lo, hi) == 0


@pytest.mark.timeout(60)
def test_recover_discount_of_a_slice_never_begun():
    tables = Tables(np.ones(10, np.float32), np.ones(10), np.zeros(0, np.int64), np.zeros(0, np.int32))
    progress = np.zeros(PROGRESS_LEN, dtype=np.int64)
    progress[worker.SLOT_DISCOUNT] = 3  # an earlier discount: this one never began
    scratch = (np.zeros(4, np.float32), np.zeros(4))
    assert worker.recover_discount(tables, *scratch, progress, 4, 0.5, 2, 8) == 6
    assert np.array_equal(tables.regret, [1, 1, .5, .5, .5, .5, .5, .5, 1, 1])


@pytest.mark.timeout(240)
def test_parallel_discount_matches_and_survives_a_dead_worker(leduc_problem):
    """Workers discount their row slices; one killed before it could start has its slice
    finished by the coordinator. The result equals the one-process discount."""
    engine = ParallelEngine(leduc_problem, _cfg(leduc(), 3, 5_000), 3, log=lambda text: None)
    engine.parallel_discount_slots = 0
    try:
        engine.advance(20_000)
        before = Tables(engine.tables.regret.copy(), engine.tables.strategy.copy(), np.zeros(0, np.int64),
                        np.zeros(0, np.int32))
        discount(before.regret, before.strategy, 0.5)
        victim = engine.workers[1]
        os.kill(victim.pid, signal.SIGSTOP)  # it cannot take its slice ...
        timer = threading.Timer(0.5, lambda: os.kill(victim.pid, signal.SIGKILL))  # ... and dies holding it
        timer.start()
        engine._call(engine._discount, 0.5)
        timer.join()
        assert np.array_equal(engine.tables.regret, before.regret)
        assert np.array_equal(engine.tables.strategy, before.strategy)
        died = [e for e in engine.events if e["event"] == "worker_died"]
        assert died and died[-1]["discount_slots_finished"] > 0
        engine.advance(10_000)  # the restarted worker takes part again
        assert engine.status()["workers_alive"] == 3
    finally:
        engine.close()


@pytest.mark.timeout(60)
def test_batch_streams_depend_on_iteration_not_on_spawn():
    starts = [batch_stream(7, t) for t in range(0, 1_000_000, 997)]
    assert len(set(starts)) == len(starts)
    assert batch_stream(7, 5_000) != batch_stream(7, 5_000, attempt=1) != batch_stream(8, 5_000)
    assert batch_stream(7, 5_000) == batch_stream(7, 5_000)  # a function of (seed, iteration) only


@pytest.mark.timeout(240)
def test_resumed_parallel_run_draws_new_streams(monkeypatch, leduc_problem):
    """Item 7: a run resumed at iteration M hands its batches streams that no batch of the
    first run had (the old code seeded workers at spawn, before the restore, and replayed)."""
    sent: list[tuple] = []
    real_send = coordinator.send

    def spy(conn, msg):
        if msg[0] == "run":
            sent.append(msg)
        return real_send(conn, msg)
    monkeypatch.setattr(coordinator, "send", spy)
    cfg = _cfg(leduc(), 2, 5_000, interval=10**9)
    first = ParallelEngine(leduc_problem, cfg, 2, log=lambda text: None)
    try:
        first.advance(40_000)
        arrays = {"regret": first.tables.regret.copy(), "strategy": first.tables.strategy.copy(),
                  "updates": first.tables.updates.copy()}
        meta = dict(first.snapshot_facts(), iteration=first.iteration)
        first.advance(40_000)  # what the first run did after the snapshot: resuming must not replay it either
    finally:
        first.close()
    after_snapshot = {m[4] for m in sent if m[2] >= 40_000}
    first_starts = {m[2] for m in sent}
    sent.clear()
    resumed = ParallelEngine(leduc_problem, cfg, 2, log=lambda text: None)
    try:
        resumed.restore(arrays, meta)
        resumed.advance(40_000)
        assert resumed.iteration == 80_000
    finally:
        resumed.close()
    resumed_streams = {m[4] for m in sent}
    assert {m[2] for m in sent} >= {40_000} and min(m[2] for m in sent) == 40_000
    # iterations 40,001.. get the streams of their own iteration numbers: the same as the
    # first run's past the snapshot (reproducible), none of the first half's
    assert not resumed_streams & {batch_stream(0, t) for t in first_starts if t < 40_000}
    assert resumed_streams == {batch_stream(0, m[2]) for m in sent} == after_snapshot
