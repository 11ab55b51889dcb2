"""Shared-memory trainer vs the queue-merge design it replaced, measured in one run.

Both designs run the same compiled kernel on the same problem with the same batch size and
no discount barriers; only the data path differs (see benchmarks/queue_merge_baseline.py):

- ours: ``ParallelEngine`` (tables in shared memory, updated in place; tokens on the pipes);
- baseline: private tables per worker, full tables sent to the worker per batch, deltas
  pickled back through a ``multiprocessing.Queue`` and merged by the main process.

Printed and written to benchmarks/results/designs.json (with the machine description):

1. Leduc (lossless) and configs/nlhe-hu-small-hs.yaml at 1, 2, 4 workers: iterations/s, payload
   bytes per batch (ours: control-pipe bytes; baseline: pickled delta), memory (USS of all
   processes, plus ours' shared-memory segments, which USS does not count), CPU% per worker
   and of the main process.
2. The configs/nlhe-hu.yaml game with k_flop = k_turn = k_river = 8, 50, 200 hand-strength
   buckets: the same numbers as the table grows, with the baseline's merge/copy cost.
3. The hang: the pre-fix ordering (join before draining the queue) on the nlhe-hu game with
   k=50 tables hangs and is reported after a timeout; ours runs the same batches to completion.

A plot (benchmarks/results/designs.png) needs matplotlib: ``pip install -e '.[plot]'``.

    python benchmarks/bench_designs.py [--seconds 5] [--quick]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import machine  # noqa: E402 - first: it sets the numba cache location

from holdem.config import RunConfig, TrainConfig, load_config
from holdem.game.spec import GameSpec, preset
from holdem.mccfr.problem import Problem, build_problem
from holdem.mccfr.solver_config import SolverConfig
from holdem.runtime.coordinator import ParallelEngine

from queue_merge_baseline import QueueMergeTrainer, run_prefix_ordering  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
OURS, BASE = "shared-memory", "queue-merge"


def no_discount(solver: SolverConfig) -> SolverConfig:
    """No linear-CFR barrier while measuring (the baseline has none either)."""
    return replace(solver, discount_interval=10**9, lcfr_threshold=0)


def table_bytes(problem: Problem) -> int:
    """Bytes of regret + strategy (float32) + update counters (int64)."""
    layout = problem.layout
    return layout.num_rows * layout.max_actions * 8 + layout.num_rows * 8


def _uss(proc: psutil.Process) -> int:
    try:
        return proc.memory_full_info().uss
    except psutil.AccessDenied:
        return proc.memory_info().rss


def measure_ours(problem: Problem, spec: GameSpec, abstraction: dict[str, Any], solver: SolverConfig,
                 workers: int, seconds: float, batch: int) -> dict[str, Any]:
    """ParallelEngine throughput and resource use (as benchmarks/bench_parallel.py measures it)."""
    cfg = RunConfig(spec, abstraction, solver, TrainConfig(num_workers=workers, batch_size=batch))
    engine = ParallelEngine(problem, cfg, workers)
    try:
        engine.advance(batch * workers)  # warm up: every worker has run a batch
        procs = [psutil.Process(p) for p in engine.status()["worker_pids"]]
        main = psutil.Process()
        for p in procs + [main]:
            p.cpu_percent(None)
        psutil.cpu_percent(None)
        bytes0, batches0 = engine.pipe_bytes, engine.batches_done
        start, it0 = time.perf_counter(), engine.iteration
        while time.perf_counter() - start < seconds:
            engine.advance(batch * workers * 4)
        dt = time.perf_counter() - start
        cpu = [p.cpu_percent(None) for p in procs]
        main_cpu = main.cpu_percent(None)
        machine_cpu = psutil.cpu_percent(None)
        uss_workers, uss_main = sum(_uss(p) for p in procs), _uss(main)
        shm = sum(s.nbytes for s in engine.shared.specs().values())
        batches = engine.batches_done - batches0
        return {"design": OURS, "workers": workers, "iterations": engine.iteration - it0, "seconds": round(dt, 3),
                "iterations_per_s": round((engine.iteration - it0) / dt, 1), "batches": batches,
                "payload_bytes_per_batch": round((engine.pipe_bytes - bytes0) / max(1, batches), 1),
                "tables_to_worker_bytes_per_batch": 0, "merge_ms_per_batch": 0.0, "send_ms_per_batch": 0.0,
                "worker_cpu": [round(c, 1) for c in cpu], "main_cpu": round(main_cpu, 1),
                "others_cpu": _others(machine_cpu, main_cpu, cpu),
                "uss_workers": uss_workers, "uss_main": uss_main, "shm_bytes": shm,
                "memory_bytes": uss_workers + uss_main + shm}
    finally:
        engine.close()


def measure_baseline(problem: Problem, solver: SolverConfig, workers: int, seconds: float,
                     batch: int) -> dict[str, Any]:
    """The queue-merge design's throughput and resource use on the same problem."""
    with QueueMergeTrainer(problem, solver, workers, batch) as trainer:
        m = trainer.measure(seconds)
        machine_cpu = trainer.machine_cpu
    return {"design": BASE, "workers": workers, "iterations": m.iterations, "seconds": round(m.seconds, 3),
            "iterations_per_s": round(m.iterations_per_s, 1), "batches": m.batches,
            "payload_bytes_per_batch": m.delta_bytes, "tables_to_worker_bytes_per_batch": m.tables_bytes,
            "merge_ms_per_batch": round(m.merge_ms_per_batch, 3), "send_ms_per_batch": round(m.send_ms_per_batch, 3),
            "worker_cpu": [round(c, 1) for c in m.worker_cpu], "main_cpu": round(m.main_cpu, 1),
            "others_cpu": _others(machine_cpu, m.main_cpu, m.worker_cpu),
            "uss_workers": m.uss_workers, "uss_main": m.uss_main, "shm_bytes": 0,
            "memory_bytes": m.uss_workers + m.uss_main}


def _others(machine_cpu: float, main_cpu: float, worker_cpu: list[float]) -> float:
    """CPU% (of one core) used by other processes during the window: the noise on a shared machine."""
    return round(max(0.0, machine_cpu * (psutil.cpu_count() or 1) - main_cpu - sum(worker_cpu)), 1)


HEADER = (f"{'case':<24} {'w':>2} {'design':<13} {'iter/s':>10} {'x1w':>5} {'payload B/batch':>15} "
          f"{'merge+copy ms':>13} {'mem MiB':>8} {'main CPU%':>9} {'worker CPU%':>16} {'others%':>7}")


def _row(case: str, r: dict[str, Any], base_rate: float | None) -> str:
    ratio = f"{r['iterations_per_s'] / base_rate:.2f}" if base_rate else "-"
    cpu = " ".join(f"{c:.0f}" for c in r["worker_cpu"])
    main_ms = r["merge_ms_per_batch"] + r["send_ms_per_batch"]
    return (f"{case:<24} {r['workers']:>2} {r['design']:<13} {r['iterations_per_s']:>10,.0f} {ratio:>5} "
            f"{r['payload_bytes_per_batch']:>15,.0f} {main_ms:>13.2f} {r['memory_bytes'] / 2**20:>8.1f} "
            f"{r['main_cpu']:>9.0f} {cpu:>16} {r['others_cpu']:>7.0f}")


def compare(case: str, problem: Problem, spec: GameSpec, abstraction: dict[str, Any], solver: SolverConfig,
            workers: list[int], seconds: float, batch: int, extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Both designs at each worker count; prints a row per measurement."""
    out = []
    first: dict[str, float] = {}
    for i, w in enumerate(workers):
        # alternate which design goes first, so a neighbour's load burst does not favour one
        for design in ((OURS, BASE) if i % 2 == 0 else (BASE, OURS)):
            if design == OURS:
                r = measure_ours(problem, spec, abstraction, solver, w, seconds, batch)
            else:
                r = measure_baseline(problem, solver, w, seconds, batch)
            first.setdefault(design, r["iterations_per_s"])
            r.update(case=case, table_bytes=table_bytes(problem), rows=problem.layout.num_rows, **extra)
            print(_row(case, r, first[design]), flush=True)
            out.append(r)
    return out


def hang_demo(problem: Problem, spec: GameSpec, abstraction: dict[str, Any], solver: SolverConfig,
              workers: int, batch: int, timeout: float) -> dict[str, Any]:
    """Pre-fix queue ordering (hangs, reported after ``timeout``) vs ours on the same batches."""
    prefix = run_prefix_ordering(problem, solver, workers, batch, timeout)
    print(f"  pre-fix queue-merge ordering: {prefix['message']}", flush=True)
    cfg = RunConfig(spec, abstraction, solver, TrainConfig(num_workers=workers, batch_size=batch))
    start = time.time()
    engine = ParallelEngine(problem, cfg, workers)
    try:
        t0 = time.time()
        # the same work as the pre-fix run (one batch per worker), under the same time limit
        engine.advance(batch * workers, should_stop=lambda: time.time() - t0 > timeout)
        ran = time.time() - t0
        done = engine.iteration == batch * workers
        ours = {"outcome": "completed" if done else "incomplete", "iterations": engine.iteration,
                "run_s": round(ran, 2),
                "pipe_bytes_per_batch": round(engine.pipe_bytes / max(1, engine.batches_done), 1)}
    finally:
        engine.close()
    ours["elapsed_s"] = round(time.time() - start, 2)
    print(f"  shared-memory (ours): {ours['outcome']}: {ours['iterations']:,} iterations in {ours['run_s']}s, "
          f"{ours['pipe_bytes_per_batch']:.0f} pipe bytes per batch", flush=True)
    return {"table_bytes": table_bytes(problem), "workers": workers, "batch_size": batch, "prefix": prefix,
            "ours": ours}


def plot(results: dict[str, Any], path: Path) -> bool:
    """Throughput vs workers (both designs, per game) and vs table size; False without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot skipped: matplotlib is not installed (pip install -e '.[plot]')")
        return False
    cases = list(dict.fromkeys(r["case"] for r in results["games"]))
    panels = len(cases) + (1 if results["table_sizes"] else 0)
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 4), squeeze=False)
    for ax, case in zip(axes[0], cases):
        for design, style in ((OURS, "o-"), (BASE, "s--")):
            rows = [r for r in results["games"] if r["case"] == case and r["design"] == design]
            ax.plot([r["workers"] for r in rows], [r["iterations_per_s"] for r in rows], style, label=design)
        ax.set_title(case)
        ax.set_xlabel("workers")
        ax.set_ylabel("iterations/s")
        ax.set_xticks(results["settings"]["workers"])
        ax.set_ylim(bottom=0)
        ax.legend()
    if results["table_sizes"]:
        ax = axes[0][-1]
        for design, style in ((OURS, "o-"), (BASE, "s--")):
            rows = [r for r in results["table_sizes"] if r["design"] == design]
            ax.plot([r["table_bytes"] / 2**20 for r in rows], [r["iterations_per_s"] for r in rows], style,
                    label=design)
        ax.set_xscale("log")
        ax.set_title(f"nlhe-hu, {results['settings']['sweep_workers']} workers, growing tables")
        ax.set_xlabel("table MiB (log)")
        ax.set_ylabel("iterations/s")
        ax.set_ylim(bottom=0)
        ax.legend()
    m = results["machine"]
    fig.suptitle(f"{m['cpu_model']}, {m['logical_cores']} cores, {m['date'][:10]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main() -> None:
    """Measure, print, write designs.json and designs.png."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=5.0, help="timed window per measurement")
    p.add_argument("--quick", action="store_true", help="2 s windows, 1-2 workers, tables k=8/50, 5 s hang timeout")
    p.add_argument("--workers", nargs="+", type=int, help="worker counts (default 1 2 4)")
    p.add_argument("--batch-size", type=int, default=5_000)
    p.add_argument("--sizes", nargs="+", type=int, help="buckets per postflop street (default 8 50 200)")
    p.add_argument("--sweep-workers", type=int, default=2, help="workers for the table-size sweep")
    p.add_argument("--hang-timeout", type=float, help="seconds the pre-fix ordering may hang (default 20)")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args()
    seconds = 2.0 if args.quick and args.seconds == 5.0 else args.seconds
    workers = args.workers or ([1, 2] if args.quick else [1, 2, 4])
    sizes = args.sizes or ([8, 50] if args.quick else [8, 50, 200])
    hang_timeout = args.hang_timeout or (5.0 if args.quick else 20.0)
    batch = args.batch_size
    t_start = time.time()
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {"seconds": seconds, "batch_size": batch, "workers": workers, "sizes": sizes,
                     "sweep_workers": args.sweep_workers, "hang_timeout_s": hang_timeout,
                     "memory": "USS of the main process and all workers, plus shared-memory segments (ours)",
                     "payload": "ours: control-pipe bytes per batch (both directions); "
                                "baseline: pickled delta per batch (the tables sent to the worker are extra)"},
        "games": [], "table_sizes": [], "hang": None}
    m = results["machine"]
    print(f"{m['cpu_model']}, {m['logical_cores']} logical cores, python {m['python']}, numba {m['numba']}, "
          f"load {m['load_average_at_start']}; {seconds:g} s per measurement, batch {batch}")
    print(HEADER)
    leduc = preset("leduc")
    results["games"] += compare("leduc", build_problem(leduc), leduc, {"kind": "lossless"},
                                no_discount(SolverConfig()), workers, seconds, batch, {})
    small = load_config(ROOT / "configs" / "nlhe-hu-small-hs.yaml")
    results["games"] += compare("nlhe-hu-small", build_problem(small.game, small.abstraction), small.game,
                                small.abstraction, no_discount(small.solver), workers, seconds, batch, {})
    hu = load_config(ROOT / "configs" / "nlhe-hu.yaml")
    for k in sizes:
        abstraction = {"kind": "hand-strength", "k_flop": k, "k_turn": k, "k_river": k}
        problem = build_problem(hu.game, abstraction)
        results["table_sizes"] += compare(f"nlhe-hu k={k} ({table_bytes(problem) / 2**20:.0f} MiB)", problem,
                                          hu.game, abstraction, no_discount(hu.solver), [args.sweep_workers],
                                          seconds, batch, {"k": k})
        del problem
    hang_abstraction = {"kind": "hand-strength", "k_flop": 50, "k_turn": 50, "k_river": 50}
    hang_problem = build_problem(hu.game, hang_abstraction)
    print(f"hang demo: nlhe-hu k=50 tables ({table_bytes(hang_problem) / 2**20:.0f} MiB), {args.sweep_workers} "
          f"workers, one batch each, {hang_timeout:g} s timeout")
    results["hang"] = hang_demo(hang_problem, hu.game, hang_abstraction, no_discount(hu.solver),
                                args.sweep_workers, batch, hang_timeout)
    results["total_seconds"] = round(time.time() - t_start, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "designs.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out / 'designs.json'} ({results['total_seconds']:.0f} s)")
    if plot(results, args.out / "designs.png"):
        print(f"wrote {args.out / 'designs.png'}")


if __name__ == "__main__":
    main()
