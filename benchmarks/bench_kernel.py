"""Single-core throughput of the external-sampling kernel, before and after a change, in one run.

For each game it prints iterations per second (one iteration = one deal, one traversal per
player), nodes visited per second, the tables' size and an estimate of the table bytes an
iteration touches: 64 bytes of ``node_info`` per node visited, the regret slots of every
decision visited (``actions x`` the regret's size) and the strategy-sum slots of every
strategy update (``actions x 8``), actions being the mean at the traverser's nodes.

Games: Kuhn and Leduc (lossless), heads-up limit Hold'em with the ``tiny`` and ``mid`` bucket
files (10 and 200 buckets per street after the 169 preflop classes: at 200 the tables are far
larger than the caches and the kernel waits on memory), the 200bb preset
(``configs/nlhe-hu.yaml``, ``mid``), and with ``--six-max`` the row layout's six-max preset
(``small`` buckets: 8.2 GiB of tables and a 45 s tree before) in its old scheme and in the
new preset's (int32, pluribus), and the new six-max preset (9.1 GiB; it does not fit the row
layout). The bucket files must exist under ``assets/buckets`` (``make buckets PRESET=...``).

``--baseline SRC`` measures the same games with the ``holdem`` package at SRC too (e.g. a
``git worktree add /tmp/before <commit>`` of the commit before a change: SRC =
/tmp/before/src), alternating before and after, each measurement in its own process;
the table then shows both and their ratio.

    python benchmarks/bench_kernel.py [--baseline SRC] [--iters N] [--repeats R] [--six-max]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: name -> (config file or preset, abstraction override, solver overrides, iteration scale)
BUCKETS = ROOT / "assets" / "buckets"
CASES: dict[str, tuple[str, object, dict, float]] = {
    "kuhn": ("configs/kuhn.yaml", None, {"lcfr_threshold": 10**12, "discount_interval": 10**6}, 4.0),
    "leduc": ("configs/leduc.yaml", None, {"lcfr_threshold": 10**12, "discount_interval": 10**6}, 2.0),
    "limit-10": ("limit", {"kind": "buckets", "file": str(BUCKETS / "tiny.npz")}, {}, 1.0),
    "limit-200": ("limit", {"kind": "buckets", "file": str(BUCKETS / "mid.npz")}, {}, 1.0),
    "nlhe-hu-200bb": ("configs/nlhe-hu.yaml", {"kind": "buckets", "file": str(BUCKETS / "mid.npz")},
                      {"enable_pruning": False}, 0.25),
    "6max-row-preset": ("six-max", {"kind": "buckets", "file": str(BUCKETS / "small.npz")},
                        {"enable_pruning": False}, 0.1),
    "6max-row-preset int32+pluribus": ("six-max", {"kind": "buckets", "file": str(BUCKETS / "small.npz")},
                                       {"enable_pruning": False, "average": "pluribus", "regret_dtype": "int32",
                                        "strategy_interval": 100}, 0.1),
    "6max-preset (200 buckets)": ("configs/nlhe-6max.yaml", {"kind": "buckets", "file": str(BUCKETS / "mid.npz")},
                                  {"enable_pruning": False}, 0.1),
}
#: the six-max preset of the row layout (configs/nlhe-6max.yaml before the compact layout)
SIX_MAX_ROW_PRESET = {"preset": "nlhe", "num_players": 6, "stacks": [200] * 6,
                      "raise_sizes": [[[1.0], [1.0]], [[0.5], [1.0]], [[0.75]], [[0.75]]],
                      "max_raises": [2, 1, 1, 1]}


def measure(case: str, iters: int) -> dict[str, float]:
    """Run ``case`` here (whatever holdem is importable): warm up, then time ``iters`` iterations."""
    import dataclasses

    import numpy as np

    from holdem.config import load_config
    from holdem.game.spec import limit_holdem, spec_from_dict
    from holdem.mccfr import external_sampling as es
    from holdem.mccfr.problem import build_problem
    from holdem.mccfr.solver import Solver
    from holdem.mccfr.solver_config import SolverConfig

    source, abstraction, solver, _ = CASES[case]
    if source == "limit":
        spec, base = limit_holdem(), SolverConfig(lcfr_threshold=10**12, discount_interval=10**6)
    elif source == "six-max":
        spec, base = spec_from_dict(dict(SIX_MAX_ROW_PRESET)), SolverConfig()
    else:
        cfg = load_config(ROOT / source)
        spec, base, abstraction = cfg.game, cfg.solver, abstraction or cfg.abstraction
    known = {f.name for f in dataclasses.fields(SolverConfig)}
    if any(k not in known for k in solver):  # a holdem before the option: not comparable
        return {"skipped": 1.0}
    cfg = dataclasses.replace(base, **solver)
    started = time.perf_counter()
    problem = build_problem(spec, abstraction or "lossless")
    setup = time.perf_counter() - started
    s = Solver(problem, cfg, seed=1)
    s.run(max(1, iters // 5))  # compile or load the cache; touch the tables' pages
    before = s.stats.copy()
    start = time.perf_counter()
    s.run(iters)
    dt = time.perf_counter() - start
    st = s.stats - before
    its = st[es.STAT_ITERATIONS]
    actions = st[es.STAT_TRAVERSER_ACTIONS] / max(st[es.STAT_REGRET_UPDATES], 1.0)
    regret_size = s.tables.regret.dtype.itemsize
    decisions = st[es.STAT_DECISIONS] if hasattr(es, "STAT_DECISIONS") else (
        st[es.STAT_REGRET_UPDATES] + st[es.STAT_STRATEGY_UPDATES])  # simple averaging: every decision visit
    touched = st[es.STAT_NODES] * 64 + decisions * actions * regret_size + st[es.STAT_STRATEGY_UPDATES] * actions * 8
    tables = sum(int(np.asarray(a).nbytes) for a in (s.tables.regret, s.tables.strategy, s.tables.updates))
    return {"its": its / dt, "nodes": st[es.STAT_NODES] / dt, "bytes_per_it": touched / max(its, 1.0),
            "table_bytes": float(tables), "setup_s": setup}


def run_case(case: str, iters: int, src: Path) -> dict[str, float]:
    """``measure`` in a fresh process with ``src`` first on the path (``failed`` and why where it fails)."""
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, __file__, "--measure", case, "--iters", str(iters)], env=env,
                         capture_output=True, text=True, timeout=3600, cwd=ROOT)
    if out.returncode != 0:  # e.g. a config the holdem at src cannot read: shown in the table
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"failed": 1.0, "why": last.split(": ", 2)[-1][:70]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _mib(n: float) -> str:
    return f"{n / 2**20:,.1f}"


def main() -> None:
    """Print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", type=Path, help="src directory of the holdem to compare with")
    p.add_argument("--iters", type=int, default=200_000)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--six-max", action="store_true", help="add the six-max rows (minutes, 8+ GiB)")
    p.add_argument("--cases", nargs="*", help="only these games")
    p.add_argument("--measure", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.iters)))
        return
    cases = args.cases or [c for c in CASES if args.six_max or not c.startswith("6max")]
    sides = [("before", args.baseline)] if args.baseline else []
    sides.append(("after", ROOT / "src"))
    print(f"{'game':<32} {'side':<7} {'iterations/s':>13} {'nodes/s':>13} {'bytes/it':>10} {'tables MiB':>11}"
          f" {'ratio':>6}")
    for case in cases:
        n = max(1000, int(args.iters * CASES[case][3]))
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.repeats):  # alternate, so both sides see the same machine load
            for side, src in sides:
                r = run_case(case, n, src)
                if side not in best or r.get("its", 0) > best[side].get("its", 0):
                    best[side] = r
        for side, _ in sides:
            r = best[side]
            if "skipped" in r or "failed" in r:
                why = "(option not in this holdem)" if "skipped" in r else f"(does not run: {r['why']})"
                print(f"{case:<32} {side:<7} {why}")
                continue
            ratio = ""
            if side == "after" and "before" in best and "its" in best["before"]:
                ratio = f"{r['its'] / best['before']['its']:.2f}x"
            print(f"{case:<32} {side:<7} {r['its']:>13,.0f} {r['nodes']:>13,.0f} {r['bytes_per_it']:>10,.0f} "
                  f"{_mib(r['table_bytes']):>11} {ratio:>6}", flush=True)


if __name__ == "__main__":
    main()
