"""Worker process: attaches the shared tables and runs kernel batches on command.

Protocol on the worker's end of a duplex pipe (every message a small pickled tuple):

    coordinator -> worker   ("run", batch_id, t_start, count)   run iterations t_start+1 .. t_start+count
                            ("stop",)                            exit
    worker -> coordinator   ("ready", worker_id, pid)
                            ("done", worker_id, batch_id, count, seconds, stats, rng_state)
                            ("error", worker_id, message)

The tables never cross the pipe: the kernel updates them in place in shared memory. The
read-only game arrays (betting tree, row map, card-abstraction tables) are shared the same
way, so a worker neither rebuilds the game nor holds its own copy of it. A worker exits
when told to, or when the pipe reaches EOF because the coordinator is gone.
"""
from __future__ import annotations

import os
import pickle
import signal
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from holdem.runtime.shm import ArraySpec, SharedArrays


def send(conn: Connection, msg: tuple) -> int:
    """Send one message; return its size in bytes (for the pipe-traffic metric)."""
    data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    conn.send_bytes(data)
    return len(data)


def recv(conn: Connection) -> tuple[tuple, int]:
    """Receive one message and its size in bytes (EOFError when the other end is gone)."""
    data = conn.recv_bytes()
    return pickle.loads(data), len(data)


def worker_main(worker_id: int, conn: Connection, specs: dict[str, ArraySpec], kernel: dict[str, Any],
                rng_seed: int, rng_stream: int) -> None:
    """Entry point of a worker process (spawned).

    ``kernel`` holds the scalars of the kernel call (deal-model numbers, solver parameters,
    max_depth); every array comes from ``specs`` (shared memory).
    """
    # Ctrl-C reaches the whole process group; only the coordinator decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    shared = None
    try:
        from holdem.abstraction.deal import DealModel
        from holdem.core.rng import seed_state
        from holdem.mccfr.external_sampling import NUM_STATS, PROGRESS_LEN, Tables, run_iterations

        shared = SharedArrays.attach(specs)
        tables = Tables(shared["regret"], shared["strategy"], shared["updates"], shared["locks"])
        dm = DealModel(**{k: (shared[v[1]] if isinstance(v, tuple) else v) for k, v in kernel["deal_model"].items()})
        args = (shared["node_info"], shared["contrib"], shared["edge_child"], dm)
        params = kernel["params"]
        rng = seed_state(rng_seed, rng_stream)
        deck = np.arange(dm.deck_size, dtype=np.int64)
        max_depth = kernel["max_depth"]
        owner = worker_id + 1
        send(conn, ("ready", worker_id, os.getpid()))
        while True:
            try:
                msg, _ = recv(conn)
            except (EOFError, OSError):
                break  # coordinator gone: nothing to report to
            if msg[0] == "stop":
                break
            _, batch_id, t_start, count = msg
            stats = np.zeros(NUM_STATS)
            start = time.perf_counter()
            progress = np.zeros(PROGRESS_LEN, dtype=np.int64)
            run_iterations(*args, tables, params, owner, rng, deck, max_depth, t_start, count, stats, progress)
            send(conn, ("done", worker_id, batch_id, count, time.perf_counter() - start,
                        stats.tolist(), int(rng[0])))
    except Exception:
        try:
            send(conn, ("error", worker_id, traceback.format_exc(limit=8)[-4000:]))
        except (OSError, EOFError):
            pass
    finally:
        if shared is not None:
            shared.close()
        conn.close()
