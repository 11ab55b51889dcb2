"""Parallel trainer throughput: 1 vs N workers on the same machine, in one run.

For each game and worker count prints iterations/s (and the ratio to 1 worker), each
worker's CPU% while training, control-pipe bytes per batch, the memory of all processes
(USS: pages private to each process, so shared tables are not counted per worker) against
the table bytes, and the share of the workers' wall time spent idle at barriers.

Idle at barriers is the coordinator's count of worker seconds with nothing handed out
(waiting at the end of a segment for the slowest batch, while the coordinator discounts
alone, between advance() calls), over wall seconds x workers, measured over advance()
calls of the run loop's size with linear-CFR discount points every ``--discount-interval``
iterations. "Idle, other" is the rest of 1 - (seconds in kernel calls and discounts) /
(wall x workers): a worker done with its queued batches whose token the coordinator has
not read yet (pipe latency and the coordinator's own CPU time, large when it competes with
16 workers for 2 cores). The defaults reproduce the shape issue #17 describes: a segment
that is not a multiple of workers x batch size (100,000 iterations in batches of at most
3,000), which the old cut (``min(batch, ceil(segment / workers))``) left with a partial
last round. With more workers than cores the kernel seconds include time spent waiting for
a core, so neither share counts that as idle.

    python benchmarks/bench_parallel.py [--games leduc] [--workers 1 2 16] [--seconds 8]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import psutil

from holdem.core import numba_cache

numba_cache.configure()  # before the first kernel module is imported

from holdem.config import RunConfig, TrainConfig, load_config  # noqa: E402
from holdem.game.spec import preset  # noqa: E402
from holdem.mccfr.problem import build_problem  # noqa: E402
from holdem.runtime.coordinator import ParallelEngine  # noqa: E402


def run_config(game: str, workers: int, batch: int, discount_interval: int) -> RunConfig:
    """A preset name (lossless) or a config file, with discount points every ``discount_interval``."""
    if game.endswith(".yaml"):
        cfg = load_config(game)
    else:
        cfg = RunConfig(preset(game), {"kind": "lossless"})
    return replace(cfg, solver=replace(cfg.solver, use_linear_weighting=True, discount_interval=discount_interval,
                                       lcfr_threshold=10**15),
                   train=TrainConfig(num_workers=workers, batch_size=batch))


def measure(game: str, workers: int, seconds: float, batch: int, discount_interval: int) -> dict:
    """Throughput, idle share and resource use of one configuration."""
    cfg = run_config(game, workers, batch, discount_interval)
    problem = build_problem(cfg.game, cfg.abstraction)
    engine = ParallelEngine(problem, cfg, workers)
    try:
        engine.advance(engine.chunk)  # warm up: every worker has run batches
        procs = [psutil.Process(p) for p in engine.status()["worker_pids"]]
        for p in procs:
            p.cpu_percent(None)
        bytes_before, batches_before = engine.pipe_bytes, engine.batches_done
        busy_before, idle_before = engine.busy_seconds, engine.idle_seconds()
        start, it0 = time.perf_counter(), engine.iteration
        while time.perf_counter() - start < seconds:
            engine.advance(engine.chunk)  # as the run loop does between progress lines
        dt = time.perf_counter() - start
        cpu = [p.cpu_percent(None) for p in procs]
        uss = sum(p.memory_full_info().uss for p in procs + [psutil.Process()])
        layout = problem.layout
        table_bytes = layout.num_rows * layout.max_actions * (4 + 8)  # float32 regrets, float64 sums
        return {"its": (engine.iteration - it0) / dt, "cpu": cpu,
                "pipe": (engine.pipe_bytes - bytes_before) / max(1, engine.batches_done - batches_before),
                "uss": uss, "tables": table_bytes,
                "barrier": (engine.idle_seconds() - idle_before) / (dt * workers),
                "idle": 1.0 - (engine.busy_seconds - busy_before) / (dt * workers)}
    finally:
        engine.close()


def main() -> None:
    """Print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--games", nargs="+", default=["leduc", "configs/nlhe-hu-small-hs.yaml"],
                   help="preset names or config files")
    p.add_argument("--workers", nargs="+", type=int, default=[1, 2, 16])
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--batch-size", type=int, default=3_000)
    p.add_argument("--discount-interval", type=int, default=100_000)
    args = p.parse_args()
    cores = psutil.cpu_count(logical=True) or 1
    print(f"{cores} logical cores; discount every {args.discount_interval:,} iterations, batches of at most "
          f"{args.batch_size:,}")
    if max(args.workers) > cores:
        print(f"note: {max(args.workers)} workers on {cores} cores is oversubscribed: iterations/s and CPU% "
              "show contention, not scaling; idle at barriers still counts only waiting for work")
    print(f"{'game':<26} {'workers':>7} {'iter/s':>12} {'x 1 worker':>10} {'worker CPU%':>22} "
          f"{'pipe B/batch':>12} {'USS all MiB':>11} {'tables MiB':>10} {'idle at barriers':>16} {'idle, other':>11}")
    for game in args.games:
        base = None
        for w in args.workers:
            r = measure(game, w, args.seconds, args.batch_size, args.discount_interval)
            base = base or r["its"]
            cpu = " ".join(f"{c:.0f}" for c in r["cpu"])
            if len(cpu) > 22:
                cpu = f"mean {sum(r['cpu']) / len(r['cpu']):.0f}"
            print(f"{game:<26} {w:>7} {r['its']:>12,.0f} {r['its'] / base:>10.2f} {cpu:>22} "
                  f"{r['pipe']:>12.0f} {r['uss'] / 2**20:>11.1f} {r['tables'] / 2**20:>10.3f} "
                  f"{100 * r['barrier']:>15.1f}% {100 * (r['idle'] - r['barrier']):>10.1f}%", flush=True)


if __name__ == "__main__":
    main()
