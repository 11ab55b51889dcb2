"""Worker entry points for the multi-process tests of locks.py and shm.py.

They live in the package (not in tests/) because spawned children must import them.
Also runnable as ``python -m holdem.runtime._selftest <command> ...`` for tests that
need a fully independent process (its own resource tracker).
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np
from numba import njit

from holdem.core.locks import (
    acquire,
    atomic_add_int64,
    cpu_pause,
    make_locks,
    release,
    sched_yield,
    stripe_of,
    try_acquire,
)
from holdem.runtime.shm import ArraySpec, attach, create_array, unlink_all


#: ``ops`` layout: total increments and start counter on separate cache lines.
OPS_TOTAL, OPS_STARTED, OPS_LEN = 0, 8, 16


@njit(cache=True)
def locked_increments(locks, counts, ftable, issued, ops, owner, rows, iters, num_stripes,
                      nworkers):
    """``iters`` lock-protected non-atomic read-modify-writes on ``counts``/``ftable`` rows.

    ``issued[row]`` (private to the caller) counts what this worker did;
    ``ops[OPS_TOTAL]`` is a shared atomic count of all increments. Returns how many
    acquisitions found the lock taken (evidence that the workers overlapped).
    """
    # Spin barrier: all workers enter the hot loop together (an mp.Barrier releases
    # them milliseconds apart, long enough for a short run to finish alone).
    atomic_add_int64(ops, OPS_STARTED, 1)
    while atomic_add_int64(ops, OPS_STARTED, 0) < nworkers:
        cpu_pause()
        sched_yield()
    nrows = rows.shape[0]
    contended = 0
    state = np.uint64(owner) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)
    for _ in range(iters):
        # xorshift: every worker walks the rows in its own order.
        state ^= state << np.uint64(13)
        state ^= state >> np.uint64(7)
        state ^= state << np.uint64(17)
        row = rows[np.int64(state % np.uint64(nrows))]
        s = stripe_of(row, num_stripes)
        if not try_acquire(locks, s, owner):
            contended += 1
            acquire(locks, s, owner)
        c = counts[row]  # plain load ...
        for j in range(ftable.shape[1]):  # ... a window for a racing writer ...
            ftable[row, j] += np.float32(1.0)
        counts[row] = c + 1  # ... plain store: only the lock makes this exact
        release(locks, s)
        issued[row] += 1
        atomic_add_int64(ops, OPS_TOTAL, 1)
    return contended


@njit(cache=True)
def bench_uncontended(locks, n):
    """``n`` acquire+release pairs on a private lock array (for timing)."""
    for i in range(n):
        s = i & 7
        acquire(locks, s, 1)
        release(locks, s)
    return 0


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernels before children are spawned."""
    locks = make_locks(8)
    counts = np.zeros(4, np.int64)
    ftable = np.zeros((4, 3), np.float32)
    issued = np.zeros(4, np.int64)
    ops = np.zeros(OPS_LEN, np.int64)
    locked_increments(locks, counts, ftable, issued, ops, 1, np.arange(4), 10, 8, 1)
    bench_uncontended(locks, 10)


def lock_worker(specs: dict[str, ArraySpec], worker_id: int, rows: np.ndarray,
                iters: int, num_stripes: int, barrier) -> None:
    """Attach the shared tables and run :func:`locked_increments` as ``worker_id``."""
    arrs = {k: attach(v) for k, v in specs.items()}
    try:
        issued = np.zeros(arrs["counts"].array.shape[0], np.int64)
        nworkers = arrs["issued"].array.shape[0]
        barrier.wait(timeout=120)  # fails fast if a sibling died during start-up
        contended = locked_increments(
            arrs["locks"].array, arrs["counts"].array, arrs["ftable"].array, issued,
            arrs["ops"].array, worker_id + 1, rows, iters, num_stripes, nworkers,
        )
        arrs["issued"].array[worker_id, :] = issued
        arrs["contended"].array[worker_id] = contended
    finally:
        for a in arrs.values():
            a.close()


def hold_and_die(lock_spec: ArraySpec, owner: int, stripes: list[int]) -> None:
    """Take some locks and die without releasing them (a crashed worker)."""
    locks = attach(lock_spec).array
    for s in stripes:
        acquire(locks, s, owner)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def attach_write_exit(spec: ArraySpec, value: float, close: bool) -> None:
    """Attach, write ``value`` into element 0, optionally close, return (normal exit)."""
    sa = attach(spec)
    sa.array.reshape(-1)[0] = value
    if close:
        sa.close()


def create_orphan_and_die(conn) -> None:
    """Create an (untracked) segment, send its name, exit without any cleanup."""
    sa = create_array(None, (16,), np.float32, track=False)
    conn.send(sa.name)
    conn.close()
    os._exit(0)


def _main(argv: list[str]) -> int:
    cmd = argv[0]
    if cmd == "attach":  # attach <name> <count> <dtype> <value> <close 0|1>
        spec = ArraySpec(argv[1], (int(argv[2]),), argv[3])
        attach_write_exit(spec, float(argv[4]), argv[5] == "1")
    elif cmd == "plain-attach":  # negative control: stdlib attach registers the segment
        from multiprocessing.shared_memory import SharedMemory

        shm = SharedMemory(argv[1])
        shm.close()
    elif cmd == "create-and-exit":  # create <n> segments, leave cleanup to atexit
        for _ in range(int(argv[1])):
            sa = create_array(None, (1024,), np.float64)
            print(sa.name, flush=True)
    elif cmd == "fork-child-exit":  # a forked child's exit must not unlink our segment
        sa = create_array(None, (8,), np.int32)
        pid = os.fork()
        if pid == 0:
            sys.exit(0)  # runs the inherited atexit hook
        os.waitpid(pid, 0)
        print("exists" if os.path.exists(f"/dev/shm/{sa.name}") else "gone", flush=True)
    elif cmd == "signal-cleanup":  # SIGTERM handler unlinks, then hard-exits
        import signal

        def _on_term(signum, frame):
            unlink_all()
            os._exit(0)

        signal.signal(signal.SIGTERM, _on_term)
        sa = create_array(None, (8,), np.int32)
        print(sa.name, flush=True)
        time.sleep(120)
        return 1
    elif cmd == "bench":
        warm_up()
        locks = make_locks(8)
        n = int(argv[1]) if len(argv) > 1 else 20_000_000
        t0 = time.perf_counter()
        bench_uncontended(locks, n)
        print(f"{(time.perf_counter() - t0) / n * 1e9:.1f} ns per acquire+release")
    else:
        raise SystemExit(f"unknown command {cmd!r}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
