"""Betting-tree build: the compiled builder (:mod:`holdem.game.tree_builder`) against the old
Python builder (``tests/tree_reference.py``), on the configs and on a six-max tree of ~10^8 nodes.

Run: ``python benchmarks/bench_tree.py [--python-limit S] [--only NAME]``. Every build runs in a
fresh process (after a warm-up build of Kuhn, so numba's compile or cache load is not timed)
and reports: nodes, edges, build seconds (the compiled one: count pass plus fill pass), nodes
per second, seconds of the count pass alone, seconds of a second build in the same process
(after freeing the first tree: into memory the process has had), the tree's arrays (MiB) and
the peak RSS growth during the first build (MiB: the kernel's peak RSS, reset just before the
build, minus the RSS then; small trees fit in memory the process already holds and show 0). The Python builder runs only
where it is expected to finish within ``--python-limit`` seconds (at ~90k nodes/s).

The big tree widens the six-max preset (``configs/nlhe-6max.yaml``: 100 big blinds, blinds 1/2):
two sizes (half pot, pot) on the first raise of every street, pot-sized raises after, and at
most 2 raises per street: 112,434,143 nodes, about 6 GB of arrays.

Fresh memory costs on first touch (the kernel zeroes each page; on a VM the host may also have
to back it), so the first build of a big tree spends most of its time in page faults: compare
``build s`` with ``rebuild s`` and with twice ``count s`` (the two walks alone).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_NODES_PER_S = 90_000  # the Python builder, measured on the six-max preset

BIG_6MAX = {"preset": "nlhe", "name": "6max-1e8", "num_players": 6, "stacks": [200] * 6,
            "raise_sizes": [[[0.5, 1.0], [1.0]]] * 4, "max_raises": [2, 2, 2, 2]}


def cases() -> dict[str, object]:
    """Name -> config path (str) or a game mapping."""
    out: dict[str, object] = {p.stem: str(p) for p in sorted((ROOT / "configs").glob("*.yaml"))}
    out["6max-1e8"] = BIG_6MAX
    return out


def _spec(case: object):
    from holdem.config import load_config
    from holdem.game.spec import spec_from_dict

    return load_config(case).game if isinstance(case, str) else spec_from_dict(case)


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak() -> None:
    """Reset the kernel's peak RSS of this process (VmHWM; Linux 4.0+), so it counts from now."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def one(case: object, builder: str) -> dict[str, float]:
    """Build one tree in this process; its numbers."""
    from holdem.core import numba_cache

    numba_cache.configure()
    from holdem.game.spec import kuhn
    from holdem.game.tree import build_tree
    from holdem.game.tree_builder import count_tree

    sys.path.insert(0, str(ROOT / "tests"))
    from tree_reference import reference_tree

    spec = _spec(case)
    build = build_tree if builder == "compiled" else reference_tree
    build(kuhn())
    count_tree(kuhn())
    count_s = float("nan")
    if builder == "compiled":
        t0 = time.perf_counter()
        count_tree(spec)
        count_s = time.perf_counter() - t0
    before = _rss()
    _reset_peak()
    t0 = time.perf_counter()
    tree = build(spec)
    seconds = time.perf_counter() - t0
    peak = _peak()
    arrays = sum(v.nbytes for v in vars(tree).values() if hasattr(v, "nbytes"))
    result = {"nodes": tree.num_nodes, "edges": len(tree.edge_child), "seconds": seconds, "count_s": count_s,
              "rebuild_s": float("nan"), "arrays": arrays, "peak_delta": max(peak - before, 0)}
    if builder == "compiled":  # again, into memory this process has had before
        del tree
        t0 = time.perf_counter()
        build(spec)
        result["rebuild_s"] = time.perf_counter() - t0
    return result


def run_one(case: object, builder: str) -> dict[str, float]:
    """:func:`one` in a fresh process (clean RSS peak)."""
    out = subprocess.run([sys.executable, __file__, "--one", json.dumps(case), builder], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python-limit", type=float, default=120.0,
                   help="run the Python builder only where it should take less (seconds)")
    p.add_argument("--only", help="one case (a config stem or 6max-1e8)")
    p.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(one(json.loads(args.one[0]), args.one[1])))
        return
    from holdem.core import numba_cache

    numba_cache.configure()
    from holdem.game.tree_builder import count_tree

    mib = 2**20
    print(f"# python benchmarks/bench_tree.py ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f})")
    print(f"{'config':<20} {'builder':<9} {'nodes':>12} {'edges':>12} {'build s':>9} {'nodes/s':>12} "
          f"{'count s':>8} {'rebuild s':>9} {'arrays MiB':>11} {'peak MiB':>9} {'speedup':>8}")
    for name, case in cases().items():
        if args.only and name != args.only:
            continue
        nodes, _ = count_tree(_spec(case))
        rows = {}
        builders = ["compiled"]
        if nodes / PYTHON_NODES_PER_S < args.python_limit:
            builders.insert(0, "python")
        for builder in builders:
            r = run_one(case, builder)
            rows[builder] = r
            speedup = ""
            if builder == "compiled" and "python" in rows:
                speedup = f"{rows['python']['seconds'] / r['seconds']:,.0f}x"
            count_s = "" if r["count_s"] != r["count_s"] else f"{r['count_s']:.3f}"
            rebuild_s = "" if r["rebuild_s"] != r["rebuild_s"] else f"{r['rebuild_s']:.3f}"
            print(f"{name:<20} {builder:<9} {r['nodes']:>12,} {r['edges']:>12,} {r['seconds']:>9.3f} "
                  f"{r['nodes'] / r['seconds']:>12,.0f} {count_s:>8} {rebuild_s:>9} {r['arrays'] / mib:>11,.1f} "
                  f"{r['peak_delta'] / mib:>9,.1f} {speedup:>8}", flush=True)
        if "python" not in rows:
            skipped = f"skipped: about {nodes / PYTHON_NODES_PER_S:,.0f} s"
            print(f"{name:<20} {'python':<9} {skipped:>25}")


if __name__ == "__main__":
    main()
