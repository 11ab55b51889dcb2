"""Striped spinlocks and atomics: unit checks plus real multi-process contention."""
from __future__ import annotations

import multiprocessing as mp
import platform

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from holdem.runtime import _selftest, shm
from holdem.core.locks import (
    LOCK_STRIDE,
    acquire,
    atomic_add_int64,
    atomic_load_int32,
    atomic_store_int32,
    cas_int32,
    cpu_pause,
    lock_array_len,
    make_locks,
    owner_of,
    release,
    release_owned_by,
    sched_yield,
    stripe_of,
    try_acquire,
)

SPAWN = mp.get_context("spawn")


pytestmark = pytest.mark.usefixtures("no_leftovers")


@njit(cache=True)
def _atomics_roundtrip(a, b):
    r0 = cas_int32(a, 0, 0, 5)  # succeeds: old 0
    r1 = cas_int32(a, 0, 0, 7)  # fails: old 5, unchanged
    atomic_store_int32(a, 1, 9)
    v = atomic_load_int32(a, 1)
    o0 = atomic_add_int64(b, 2, 3)
    o1 = atomic_add_int64(b, 2, -1)
    cpu_pause()
    y = sched_yield()
    return r0, r1, v, o0, o1, y


@njit(cache=True)
def _spin_until_set(a, idx):
    # Would be hoisted into an endless loop if the read were not atomic.
    n = 0
    while atomic_load_int32(a, idx) == 0:
        cpu_pause()
        n += 1
    return n


@njit(cache=True)
def _cas_oob(a):
    return cas_int32(a, a.shape[0], 0, 1)


@pytest.mark.timeout(120)
def test_atomic_primitives():
    a = np.zeros(4, np.int32)
    b = np.zeros(4, np.int64)
    r0, r1, v, o0, o1, y = _atomics_roundtrip(a, b)
    assert (r0, r1, v, o0, o1, y) == (0, 5, 9, 0, 3, 0)
    assert a[0] == 5 and a[1] == 9 and b[2] == 2
    a[2] = 1
    assert _spin_until_set(a, 2) == 0
    with pytest.raises(IndexError):
        _cas_oob(a)


@pytest.mark.timeout(120)
def test_primitives_emit_atomic_instructions():
    # Not cached: a function loaded from numba's cache carries no LLVM IR to inspect.
    probe = njit(_atomics_roundtrip.py_func)
    probe(np.zeros(4, np.int32), np.zeros(4, np.int64))
    sig = probe.signatures[0]
    llvm = probe.inspect_llvm(sig)
    assert "cmpxchg" in llvm and "acq_rel acquire" in llvm
    assert "load atomic i32" in llvm and " acquire" in llvm
    assert "store atomic i32" in llvm and " release" in llvm
    assert "atomicrmw add" in llvm
    assert "sched_yield" in llvm
    if platform.machine().lower() in ("x86_64", "amd64"):
        assert "pause" in probe.inspect_asm(sig)


@pytest.mark.timeout(60)
def test_intrinsics_reject_wrong_dtype():
    @njit
    def bad(a):
        return cas_int32(a, 0, 0, 1)

    with pytest.raises(TypingError):
        bad(np.zeros(4, np.int64))


@pytest.mark.timeout(60)
def test_stripe_of_range_and_spread():
    for n in (1, 2, 64, 1024):
        stripes = [stripe_of(r, n) for r in range(4096)]
        assert min(stripes) >= 0 and max(stripes) < n
    # Neighbouring rows must not pile onto neighbouring/identical stripes.
    first = [stripe_of(r, 64) for r in range(64)]
    assert len(set(first)) >= 32
    assert sum(abs(first[i + 1] - first[i]) <= 1 for i in range(63)) < 8


@pytest.mark.timeout(60)
def test_lock_array_layout():
    locks = make_locks(8)
    assert locks.dtype == np.int32 and locks.shape == (8 * LOCK_STRIDE,)
    assert LOCK_STRIDE * 4 == 64  # one cache line per lock
    assert lock_array_len(4) == 4 * LOCK_STRIDE
    for bad in (0, 3, 12, -4):
        with pytest.raises(ValueError):
            make_locks(bad)


@pytest.mark.timeout(60)
def test_acquire_release_local():
    locks = make_locks(4)
    acquire(locks, 2, 3)
    assert owner_of(locks, 2) == 3 and locks[2 * LOCK_STRIDE] == 3
    assert not try_acquire(locks, 2, 4)
    assert try_acquire(locks, 1, 4)
    release(locks, 2)
    release(locks, 1)
    assert not locks.any()
    with pytest.raises(ValueError):
        acquire(locks, 0, 0)  # owner 0 would mean "free"
    acquire(locks, 0, 1)
    with pytest.raises(RuntimeError):
        acquire(locks, 0, 1)  # recursive acquire would spin forever
    release(locks, 0)


@pytest.mark.timeout(60)
def test_release_owned_by_frees_only_that_owner():
    locks = make_locks(16)
    held = {0: 2, 3: 2, 5: 1, 7: 3, 11: 2, 15: 4}
    for s, o in held.items():
        acquire(locks, s, o)
    assert release_owned_by(locks, 2) == 3
    for s in range(16):
        expect = held.get(s, 0)
        assert owner_of(locks, s) == (0 if expect == 2 else expect)
    assert release_owned_by(locks, 2) == 0
    with pytest.raises(ValueError):
        release_owned_by(locks, 0)


@pytest.mark.timeout(180)
def test_release_owned_by_dead_worker_process():
    with shm.create_array(None, lock_array_len(16), np.int32) as sl:
        locks = sl.array
        acquire(locks, 9, 7)  # a live worker's lock: must survive
        p = SPAWN.Process(target=_selftest.hold_and_die, args=(sl.spec, 3, [1, 4, 12]))
        p.start()
        p.join(120)
        assert p.exitcode == 0
        assert [owner_of(locks, s) for s in (1, 4, 12, 9)] == [3, 3, 3, 7]
        assert release_owned_by(locks, 3) == 3
        assert [owner_of(locks, s) for s in (1, 4, 12, 9)] == [0, 0, 0, 7]
        acquire(locks, 4, 1)  # a freed stripe is usable again
        release(locks, 4)
        release(locks, 9)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("workers", [2, 4, 8])
def test_locked_increments_exact_across_processes(workers):
    _selftest.warm_up()  # compile once here; children load numba's cache
    rows = np.array([0, 1, 5, 6, 17], dtype=np.int64)  # a few hot rows
    nrows, width, num_stripes = 24, 16, 64
    iters = 1_000_000  # ~30 ms per worker: runs overlap across many time slices
    group = shm.SharedArrays()
    try:
        group.create("locks", lock_array_len(num_stripes), np.int32)
        group.create("counts", nrows, np.int64)
        group.create("ftable", (nrows, width), np.float32)
        group.create("issued", (workers, nrows), np.int64)
        group.create("ops", _selftest.OPS_LEN, np.int64)
        group.create("contended", workers, np.int64)
        barrier = SPAWN.Barrier(workers)
        procs = [
            SPAWN.Process(
                target=_selftest.lock_worker,
                args=(group.specs(), w, rows, iters, num_stripes, barrier),
            )
            for w in range(workers)
        ]
        for p in procs:
            p.start()
        try:
            for p in procs:
                p.join(240)
        finally:
            for p in procs:
                if p.is_alive():
                    p.kill()
                    p.join()
        assert [p.exitcode for p in procs] == [0] * workers
        issued = group["issued"].sum(axis=0)
        assert issued.sum() == workers * iters
        assert group["ops"][_selftest.OPS_TOTAL] == workers * iters
        np.testing.assert_array_equal(group["counts"], issued)
        # float32 is exact below 2**24, so any lost update would show here too.
        assert issued.max() < 2**24
        np.testing.assert_array_equal(
            group["ftable"], np.repeat(issued[:, None], width, axis=1).astype(np.float32)
        )
        assert not group["locks"].any()  # everything released
        # Not asserted (a loaded box may serialise the workers); shown with -s.
        print(f"workers={workers} increments={issued.sum()} "
              f"contended acquisitions={int(group['contended'].sum())}")
    finally:
        group.close()
        group.unlink()
