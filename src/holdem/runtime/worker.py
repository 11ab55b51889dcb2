"""Worker process: attaches the shared tables and runs kernel batches on command.

Protocol on the worker's end of a duplex pipe (every message a small pickled tuple):

    coordinator -> worker   ("run", batch_id, t_start, count, stream)
                                run iterations t_start+1 .. t_start+count, the traversals
                                drawing from generator state ``stream``
                            ("discount", discount_id, factor, lo, hi)
                                linear CFR: scale rows lo .. hi-1 of both tables
                            ("stop",)                            exit
    worker -> coordinator   ("ready", worker_id, pid)
                            ("done", worker_id, batch_id, count, seconds, stats)
                            ("discounted", worker_id, discount_id, seconds)
                            ("error", worker_id, message)

The tables never cross the pipe: the kernel updates them in place in shared memory. The
read-only game arrays (betting tree, row map, card-abstraction tables) are shared the same
way, so a worker neither rebuilds the game nor holds its own copy of it. A worker exits
when told to, or when the pipe reaches EOF because the coordinator is gone.

Tokens say when something finished; what a worker has *applied* is in its row of the
shared ``progress`` array (``PROGRESS_LEN`` int64, one cache line), which survives the
worker. The kernel owns slots 0-2 (:data:`PROGRESS_ITERATION` and the update counts); this
module owns the others. Each slot is written only after the slots it qualifies, so a
worker killed at any instruction leaves a row the coordinator can read exactly
(:func:`batch_progress`, :func:`recover_discount`).
"""
from __future__ import annotations

import os
import pickle
import signal
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

import numpy as np

from holdem.mccfr.external_sampling import (
    PROGRESS_ITERATION, PROGRESS_LIVE_UPDATES, PROGRESS_UPDATES, Tables, discount,
)
from holdem.runtime.shm import ArraySpec, SharedArrays

#: batch id the kernel's slots describe (written after they are reset for that batch)
SLOT_BATCH = 3
#: discount id the two slots below describe (written after they are reset for it)
SLOT_DISCOUNT = 4
#: rows lo .. value-1 of the worker's discount slice are scaled
SLOT_DISCOUNT_DONE = 5
#: r + 1 while the scratch rows hold rows r .. r+n-1 as they were before scaling (0: none)
SLOT_DISCOUNT_BACKUP = 6
#: rows a worker scales between two progress stores (the scratch buffer holds this many)
DISCOUNT_CHUNK = 32768  # slots


def send(conn: Connection, msg: tuple) -> int:
    """Send one message; return its size in bytes (for the pipe-traffic metric)."""
    data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    conn.send_bytes(data)
    return len(data)


def recv(conn: Connection) -> tuple[tuple, int]:
    """Receive one message and its size in bytes (EOFError when the other end is gone)."""
    data = conn.recv_bytes()
    return pickle.loads(data), len(data)


class BatchProgress(NamedTuple):
    """What a (dead) worker applied of one batch, read from its progress row."""

    started: bool   # the worker began the batch
    finished: int   # iterations of the batch completed (0 .. count)
    updates: int    # row updates applied: of completed iterations, or all (live counter kept)
    cut: bool       # an iteration was interrupted after it had begun writing


def start_batch(progress: np.ndarray, batch_id: int, t_start: int) -> None:
    """Reset the kernel's slots for a batch, then name the batch (the order matters: see module)."""
    progress[PROGRESS_UPDATES] = 0
    progress[PROGRESS_LIVE_UPDATES] = 0
    progress[PROGRESS_ITERATION] = t_start
    progress[SLOT_BATCH] = batch_id


def batch_progress(progress: np.ndarray, batch_id: int, t_start: int, count: int, live: bool) -> BatchProgress:
    """Read a stopped worker's row for batch ``batch_id`` (``live``: update counters are kept)."""
    if int(progress[SLOT_BATCH]) != batch_id:
        return BatchProgress(False, 0, 0, False)
    finished = int(progress[PROGRESS_ITERATION]) - t_start
    done_updates = int(progress[PROGRESS_UPDATES])
    if live:
        updates = int(progress[PROGRESS_LIVE_UPDATES])
        cut = finished < count and updates > done_updates
    else:
        # without the live counter a kill between two iterations looks the same as one
        # inside an iteration: count it as cut (an upper bound), its updates stay unknown
        updates = done_updates
        cut = finished < count
    return BatchProgress(True, finished, updates, cut)


def discount_slice(tables: Tables, scratch_regret: np.ndarray, scratch_strategy: np.ndarray,
                   progress: np.ndarray, discount_id: int, factor: float, lo: int, hi: int) -> None:
    """Scale slots ``lo .. hi-1`` chunk by chunk, keeping the chunk being scaled in scratch,
    so that a kill at any point can be completed exactly (:func:`recover_discount`)."""
    progress[SLOT_DISCOUNT_DONE] = lo
    progress[SLOT_DISCOUNT_BACKUP] = 0
    progress[SLOT_DISCOUNT] = discount_id
    r = lo
    while r < hi:
        n = min(DISCOUNT_CHUNK, hi - r)
        scratch_regret[:n] = tables.regret[r:r + n]
        kept = max(0, min(n, len(tables.strategy) - r))  # strategy sums: a prefix of the slots
        scratch_strategy[:kept] = tables.strategy[r:r + kept]
        progress[SLOT_DISCOUNT_BACKUP] = r + 1
        discount(tables.regret, tables.strategy, factor, r, r + n)
        progress[SLOT_DISCOUNT_DONE] = r + n
        r += n


def recover_discount(tables: Tables, scratch_regret: np.ndarray, scratch_strategy: np.ndarray,
                     progress: np.ndarray, discount_id: int, factor: float, lo: int, hi: int) -> int:
    """Finish a dead worker's discount slice in this process; returns the slots scaled here.

    Slots before ``SLOT_DISCOUNT_DONE`` are scaled; if the worker died while scaling a chunk
    (its backup is marked), that chunk is restored from scratch first, so every slot ends up
    scaled exactly once.
    """
    start = lo
    if int(progress[SLOT_DISCOUNT]) == discount_id:
        start = int(progress[SLOT_DISCOUNT_DONE])
        if int(progress[SLOT_DISCOUNT_BACKUP]) == start + 1:
            n = min(DISCOUNT_CHUNK, hi - start)
            tables.regret[start:start + n] = scratch_regret[:n]
            kept = max(0, min(n, len(tables.strategy) - start))
            tables.strategy[start:start + kept] = scratch_strategy[:kept]
    if start < hi:
        discount(tables.regret, tables.strategy, factor, start, hi)
    # the slice is complete: a second recovery (or a late reader) must do nothing
    progress[SLOT_DISCOUNT_DONE] = hi
    progress[SLOT_DISCOUNT_BACKUP] = 0
    progress[SLOT_DISCOUNT] = discount_id
    return hi - start


def worker_main(worker_id: int, conn: Connection, specs: dict[str, ArraySpec], kernel: dict[str, Any],
                deal_key: int) -> None:
    """Entry point of a worker process (spawned).

    ``kernel`` holds the scalars of the kernel call (deal-model numbers, solver parameters,
    max_depth); every array comes from ``specs`` (shared memory). ``deal_key`` is the key of
    the per-iteration deal streams (the same in every worker and in a one-worker run).
    """
    # Ctrl-C (and a closed terminal's SIGHUP) reaches the whole process group; only the
    # coordinator decides how to stop (the launcher ignored both already, see worker_context)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    shared = None
    try:
        from holdem.abstraction.deal import DealModel
        from holdem.mccfr.external_sampling import NUM_STATS, run_iterations

        shared = SharedArrays.attach(specs)
        tables = Tables(shared["regret"], shared["strategy"], shared["updates"], shared["locks"])
        dm = DealModel(**{k: (shared[v[1]] if isinstance(v, tuple) else v) for k, v in kernel["deal_model"].items()})
        args = (shared["node_info"], shared["contrib"], shared["edge_child"], dm)
        params = kernel["params"]
        rng = np.array([0, deal_key], dtype=np.uint64)
        deck = np.arange(dm.deck_size, dtype=np.int64)
        max_depth = kernel["max_depth"]
        owner = worker_id + 1
        progress = shared["progress"][worker_id]
        scratch = (shared["scratch_regret"][worker_id], shared["scratch_strategy"][worker_id])
        send(conn, ("ready", worker_id, os.getpid()))
        while True:
            try:
                msg, _ = recv(conn)
            except (EOFError, OSError):
                break  # coordinator gone: nothing to report to
            if msg[0] == "stop":
                break
            start = time.perf_counter()
            if msg[0] == "discount":
                _, discount_id, factor, lo, hi = msg
                discount_slice(tables, *scratch, progress, discount_id, factor, lo, hi)
                send(conn, ("discounted", worker_id, discount_id, time.perf_counter() - start))
                continue
            _, batch_id, t_start, count, stream = msg
            stats = np.zeros(NUM_STATS)
            rng[0] = np.uint64(stream)
            start_batch(progress, batch_id, t_start)
            run_iterations(*args, tables, params, owner, rng, deck, max_depth, t_start, count, stats, progress)
            send(conn, ("done", worker_id, batch_id, count, time.perf_counter() - start, stats.tolist()))
    except Exception:
        try:
            send(conn, ("error", worker_id, traceback.format_exc(limit=8)[-4000:]))
        except (OSError, EOFError):
            pass
    finally:
        if shared is not None:
            shared.close()
        conn.close()
