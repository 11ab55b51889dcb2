"""Parallel trainer throughput: 1 vs N workers on the same machine, in one run.

For each game and worker count prints iterations/s (and the ratio to 1 worker), each
worker's CPU% while training, control-pipe bytes per batch, and the memory of all processes
(USS: pages private to each process, so shared tables are not counted per worker) against
the table bytes.

    python benchmarks/bench_parallel.py [--games leduc] [--workers 1 2 4] [--seconds 8]
"""
from __future__ import annotations

import argparse
import time

import psutil

from dataclasses import replace

from holdem.config import RunConfig, TrainConfig, load_config
from holdem.game.spec import preset
from holdem.mccfr.problem import build_problem
from holdem.runtime.coordinator import ParallelEngine


def run_config(game: str, workers: int, batch: int) -> RunConfig:
    """A preset name (lossless) or a config file; no discount barriers while measuring."""
    if game.endswith(".yaml"):
        cfg = load_config(game)
    else:
        cfg = RunConfig(preset(game), {"kind": "lossless"})
    return replace(cfg, solver=replace(cfg.solver, discount_interval=10**9, lcfr_threshold=0),
                   train=TrainConfig(num_workers=workers, batch_size=batch))


def measure(game: str, workers: int, seconds: float, batch: int) -> dict:
    """Throughput and resource use of one configuration."""
    cfg = run_config(game, workers, batch)
    problem = build_problem(cfg.game, cfg.abstraction)
    engine = ParallelEngine(problem, cfg, workers)
    try:
        engine.advance(batch * workers)  # warm up: every worker has run a batch
        procs = [psutil.Process(p) for p in engine.status()["worker_pids"]]
        for p in procs:
            p.cpu_percent(None)
        bytes_before, batches_before = engine.pipe_bytes, engine.batches_done
        start, it0 = time.perf_counter(), engine.iteration
        while time.perf_counter() - start < seconds:
            engine.advance(batch * workers * 4)
        dt = time.perf_counter() - start
        cpu = [p.cpu_percent(None) for p in procs]
        uss = sum(p.memory_full_info().uss for p in procs + [psutil.Process()])
        layout = problem.layout
        table_bytes = layout.num_rows * layout.max_actions * 8 + layout.num_rows * 8
        return {"its": (engine.iteration - it0) / dt, "cpu": cpu,
                "pipe": (engine.pipe_bytes - bytes_before) / max(1, engine.batches_done - batches_before),
                "uss": uss, "tables": table_bytes}
    finally:
        engine.close()


def main() -> None:
    """Print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--games", nargs="+", default=["leduc", "configs/nlhe-hu-small-hs.yaml"],
                   help="preset names or config files")
    p.add_argument("--workers", nargs="+", type=int, default=[1, 2, 4])
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--batch-size", type=int, default=5_000)
    args = p.parse_args()
    print(f"{psutil.cpu_count(logical=True)} logical cores")
    print(f"{'game':<26} {'workers':>7} {'iter/s':>12} {'x 1 worker':>10} {'worker CPU%':>22} "
          f"{'pipe B/batch':>12} {'USS all MiB':>11} {'tables MiB':>10}")
    for game in args.games:
        base = None
        for w in args.workers:
            r = measure(game, w, args.seconds, args.batch_size)
            base = base or r["its"]
            cpu = " ".join(f"{c:.0f}" for c in r["cpu"])
            print(f"{game:<26} {w:>7} {r['its']:>12,.0f} {r['its'] / base:>10.2f} {cpu:>22} "
                  f"{r['pipe']:>12.0f} {r['uss'] / 2**20:>11.1f} {r['tables'] / 2**20:>10.3f}", flush=True)


if __name__ == "__main__":
    main()
