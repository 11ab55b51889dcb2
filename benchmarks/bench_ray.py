"""Multi-node training (holdem.runtime.cluster) on a local Ray cluster: what a sync costs.

Every cluster here is started by this script on this machine, one node per loopback address
(127.0.0.2, 127.0.0.3, ...: shared/notes/ray-local-cluster.md), with its object store size
set explicitly, and torn down afterwards; what it left behind (/dev/shm entries, processes)
is printed at the end. The "nodes" share this machine's cores, so nothing here measures a
network: transfers are loopback copies between object stores.

Games (real presets): configs/leduc.yaml, configs/nlhe-hu-small.yaml, configs/nlhe-hu.yaml
with the ``tiny`` bucket preset ("hu-tiny") and configs/nlhe-hu.yaml itself (``mid`` buckets,
"hu-mid"). Two sizes per game: the table (what lives in memory on every node and on the
driver: float32 regret + float64 strategy sums, 12 bytes per action slot) and the delta
(what a sync moves: float32 regret + float32 strategy deltas, 8 bytes per action slot, plus
8 bytes per row with check_updates, off here).

Engine facts these tables rest on (holdem.runtime.cluster): the sync interval defaults to
SYNC_PER_WORKER (100,000) iterations per worker of a node, times the delta's size in units
of 32 MiB where larger, at most 8 times (``sync_interval(train_cfg, layout)``): 100,000 per
node for 2 nodes x 1 worker and 200,000 per node for 1 node x 2 workers on the games up to
hu-tiny, 500,000 per node on hu-mid (a 162 MiB delta). Regret deltas are averaged over the
nodes, strategy deltas summed. A round holds at most ``nodes x
interval`` iterations and, when it reaches linear-CFR discount points, ends on the last of
them (its sync applies the product of their factors), so rounds from a discount point are
the full interval here (every preset's discount interval divides them), except the one
that reaches an lcfr_threshold (nlhe-hu-small's, 1,000,000), which ends there. A sync is a
reduce-scatter: each node's delta is cut into min(nodes, delta // CHUNK_MIN_BYTES) row
chunks, at least one (so no chunk under 1 MiB: Leduc's and nlhe-hu-small's deltas are one
chunk summed on the first node, hu-tiny's and hu-mid's two), chunk j is summed on node j,
then every node and the driver read the summed chunks; the
engine's ``sync_bytes`` counts the bytes moved between nodes from placement. Node trainers
reset Ray's worker niceness (15) to 0 where allowed, before their workers start: the
niceness of every thread of the trainers and their workers (Linux keeps one per thread)
is read from /proc and printed.

0. Local reference: a plain ParallelEngine with 2 workers (no cluster running) on every game
   of tables 1 and 2: iterations/s over ``--seconds`` after a warm-up advance, advance() in
   ``engine.chunk`` steps as the run loop does, measured before the clusters start and again
   after they are gone (on a shared machine one pass can be 20-40% off); the ratios below
   use the mean of the two passes, "/worker" is half of it. The local engine stops every
   worker at each discount point (a barrier: Leduc every 10,000 iterations, nlhe-hu-small
   every 1,000 up to 1,000,000), the cluster's nodes only at syncs: the "vs local" ratios
   below include that, not only the nodes' own speed.
1. Sync cost per table size, 2 nodes x 1 worker (1 CPU each), sync_interval at its default.
   Short rounds first: advance() asked for fewer iterations than a round holds (a round is
   at most ``needed`` iterations) gives ``--syncs`` rounds of ``small`` iterations per node,
   whose median sync seconds (engine ``sync_s`` / ``syncs`` deltas: sending the chunks to
   their owners and summing them, every copy reading the sums and applying them) and bytes
   moved per sync (``sync_bytes``; x delta: min-max over those rounds) are printed. Then one
   untimed round up to the next discount point (the frontier is then at one), and rounds at
   the default interval for ``--seconds`` (at least 2), each advance() asked for exactly the
   round the engine plans (so no round is cut short by advance()'s goal): the per-node
   iterations/s while running (global iterations / nodes / ``round_s``; ``round_s`` counts
   each round's fixed cost, below), that rate against the local reference per worker, the
   mean sync seconds of those long rounds (each ends on a discount point and its sync applies
   the discount, which the short rounds' median leaves out; nlhe-hu-small's rounds past
   1,000,000 have none), their iterations per node per round (measured), the
   share of the wall outside rounds (1 - round_s / wall: MEASURED sync overhead), and that
   share plus the rounds' fixed costs. The fixed cost of a round is the median ``round_s``
   of the short rounds less their iterations at the running rate (dispatch, ``delta =
   tables - base``, its float32 cast and put into the object store: round time, not sync
   time). "eff rnd/node" is the round the engine plans from a discount point (its _plan
   logic: schedules.last_discount_point), and "ovh calc" the overhead COMPUTED from the
   short-round sync median and the running rate, sync / (sync + eff rnd / rate).
   (nlhe-hu-small is no longer also measured "@1M", restored past its lcfr_threshold:
   rounds are no longer capped at its 1,000-iteration discount points, so that restore
   changed only whether a sync applies a discount, already seen in the long rounds' sync s.)
2. Two machines' worth on two cores: iterations/s of a 1-node cluster (head with 2 CPUs)
   running 1 node x 2 workers and of 2 nodes x 1 worker, against the local reference, on
   nlhe-hu-small and hu-tiny: a warm-up round at the default interval (from iteration 0,
   so rounds stay on discount points), then advance(engine.chunk) (one round) for the
   same ``--seconds``; ratio to local, the sync share of the wall, and the per-worker rate
   while running (global iterations / ``round_s`` / workers) against local's per worker.
3. Price of staleness: Leduc exploitability at 200,000 global iterations, trained through
   holdem.run.train.train (as tests/test_cluster.py does) on 2 nodes x 1 worker with
   sync_interval 50, 500, 5,000 and 50,000 (two rounds of 100,000 global iterations, each
   sync applying ten discount factors) and at the default (100,000 per node: the whole run
   is one round), and the local 2-worker reference (same config, seed 0); wall seconds of
   each whole train() call (start, training, evaluation, final snapshot).

No timed assertions: numbers are printed, also written to benchmarks/results/bench_ray.txt
with the machine description. The default run takes about 5 minutes on 2 cores.

    python benchmarks/bench_ray.py [--seconds 8] [--syncs 8] [--games leduc small tiny mid]
                                   [--skip-big] [--tables 1 2 3] [--store-mib 1536] [--out PATH]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import machine  # noqa: E402 - first: it sets the numba cache location

import ray  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

from holdem.abstraction.card_abstraction import bucket_path  # noqa: E402
from holdem.config import RunConfig, load_config, with_train_overrides  # noqa: E402
from holdem.mccfr import schedules  # noqa: E402
from holdem.mccfr.problem import Problem, build_problem  # noqa: E402
from holdem.run.buckets import ensure_buckets  # noqa: E402
from holdem.run.train import train  # noqa: E402
from holdem.runtime.cluster import CHUNK_MIN_BYTES, SYNC_PER_WORKER, ClusterEngine, sync_interval  # noqa: E402
from holdem.runtime.coordinator import ParallelEngine  # noqa: E402
from holdem.runtime.local_cluster import local_cluster as shared_local_cluster  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
GAMES = {  # name: (label, config file, abstraction override, short-round iterations per node)
    "leduc": ("leduc", "configs/leduc.yaml", None, 500),
    "small": ("nlhe-hu-small", "configs/nlhe-hu-small.yaml", None, 200),
    "tiny": ("hu-tiny", "configs/nlhe-hu.yaml", {"kind": "buckets", "preset": "tiny"}, 200),
    "mid": ("hu-mid", "configs/nlhe-hu.yaml", None, 200),
}
BIG = {"mid"}


class Report:
    """Prints lines and keeps them for the results file."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)


def game_config(key: str) -> RunConfig | None:
    """The game's config with its bucket file's checksum recorded; None when the file is missing."""
    _, path, abstraction, _ = GAMES[key]
    cfg = load_config(ROOT / path)
    if abstraction is not None:
        cfg = dataclasses.replace(cfg, abstraction=abstraction)
    if cfg.abstraction["kind"] == "buckets" and not bucket_path(cfg.abstraction).exists():
        return None  # never built here: a preset's build takes minutes and GiBs
    return ensure_buckets(cfg)


def table_bytes(problem: Problem) -> int:
    """What lives in memory per copy: float32 regrets, float64 strategy sums."""
    layout = problem.layout
    return layout.num_rows * layout.max_actions * (4 + 8)


def delta_bytes(problem: Problem, check_updates: bool) -> int:
    """What a node's delta holds: float32 regret and strategy deltas (+ an int64 per row)."""
    layout = problem.layout
    return layout.num_rows * layout.max_actions * (4 + 4) + (8 * layout.num_rows if check_updates else 0)


def sync_chunks(problem: Problem, nodes: int) -> int:
    """Row chunks per delta, as ClusterEngine._round cuts them."""
    layout = problem.layout
    return max(1, min(nodes, layout.num_rows * layout.max_actions * 8 // CHUNK_MIN_BYTES))


def planned_round(cfg: RunConfig, layout, nodes: int, frontier: int) -> int:
    """Global iterations of the round the engine plans from ``frontier`` with nothing pending
    (ClusterEngine._plan: nodes x interval, ending on the last discount point it reaches)."""
    span = nodes * sync_interval(cfg.train, layout)
    stop = schedules.last_discount_point(frontier, frontier + span, cfg.solver) or frontier + span
    return stop - frontier


def fmt_bytes(n: float) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def shm_entries() -> set[str]:
    return set(os.listdir("/dev/shm"))


TRACKED: set[int] = set()  # pids of this run's node trainers and their workers (the machine is shared)


def track(pids: list[int]) -> None:
    TRACKED.update(int(p) for p in pids)


def thread_niceness(pid: int) -> list[tuple[str, int]]:
    """(name, niceness) of every thread of ``pid`` (Linux keeps a niceness per thread), from /proc."""
    out = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        out.append((name, int(rest.split()[16])))  # field 19 of stat
    return out


def niceness_summary(pids: set[int]) -> str:
    """e.g. '24 at 0, 1 at 15 (ray::IDLE)': thread counts per niceness, names of the niced ones."""
    threads = [t for pid in pids for t in thread_niceness(pid)]
    parts = []
    for value in sorted({v for _, v in threads}):
        names = sorted({n for n, v in threads if v == value})
        parts.append(f"{sum(1 for _, v in threads if v == value)} at {value}"
                     + (f" ({', '.join(names[:4])})" if value > 0 else ""))
    return ", ".join(parts) or "?"


def engine_niceness(engine: ClusterEngine) -> str:
    """Niceness of the trainers' threads and of their workers' threads."""
    trainers = {n.pid for n in engine.nodes}
    workers = {p for n in engine.nodes for p in n.status.get("worker_pids", [])} - trainers
    return f"trainer threads {niceness_summary(trainers)}; worker threads {niceness_summary(workers)}"


def our_segments() -> list[str]:
    """``hd_<creator pid>_...`` segments created by this process or by a tracked trainer/worker."""
    mine = TRACKED | {os.getpid()}
    return sorted(n for n in shm_entries() if n.startswith("hd_") and n.split("_")[1].isdigit()
                  and int(n.split("_")[1]) in mine)


def our_processes(kids: set[int]) -> list[str]:
    """Ray processes among our descendants (raylet, gcs_server, ray:: workers, ...), tracked
    trainers and workers still alive, and janitors watching a tracked trainer (they detach)."""
    out = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        try:
            argv = p.info["cmdline"] or []
        except psutil.Error:
            continue
        cmd = " ".join(argv)
        janitor = "holdem.runtime.janitor" in cmd and argv[-1].isdigit() and int(argv[-1]) in TRACKED
        if (p.info["pid"] in kids and "ray" in cmd.lower()) or p.info["pid"] in TRACKED or janitor:
            out.append(f"{p.info['pid']} {cmd[:80]}")
    return out


class Leftovers:
    """What the clusters and engines of this run left behind."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def check(self, where: str, wait: float = 5.0) -> None:
        """Our segments right after an engine closed, and whether they were still there ``wait`` s later."""
        first = our_segments()
        if not first:
            return
        deadline = time.time() + wait
        while time.time() < deadline and our_segments():
            time.sleep(0.2)
        later = our_segments()
        self.notes.append(f"after {where}: {len(first)} /dev/shm hd_* entries of our trainers right after close "
                          f"({first[:3]}...), {len(later)} still there {wait:g} s later")


@contextmanager
def local_cluster(nodes: int, cpus: int, store_bytes: int, leftovers: Leftovers) -> Iterator[Cluster]:
    """holdem.runtime.local_cluster's cluster; what it left behind is noted (and killed)."""
    kids_before = {p.pid for p in psutil.Process().children(recursive=True)}
    try:
        with shared_local_cluster(nodes, cpus, store_bytes, prefix="br") as cluster:
            yield cluster
    finally:
        where = f"the {nodes}-node cluster's shutdown"

        def kids() -> set[int]:
            return {p.pid for p in psutil.Process().children(recursive=True)} - kids_before
        deadline = time.time() + 20
        while time.time() < deadline and (our_processes(kids()) or our_segments()):
            time.sleep(0.2)
        left = our_processes(kids())
        if left:
            leftovers.notes.append(f"after {where}: processes left 20 s later (killed now): {left}")
            for pid in kids():
                try:
                    psutil.Process(pid).kill()
                except psutil.Error:
                    pass
        if our_segments():
            leftovers.notes.append(f"after {where}: /dev/shm entries left: {our_segments()[:6]}")


class Quiet:
    """The engine's log lines, kept (printed with the notes when they report trouble)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        self.lines.append(text)


def engine_log_notes(label: str, log: Quiet, notes: list[str]) -> None:
    if any(w in line for line in log.lines for w in ("dropped", "failed", "niceness", "did not")):
        notes.append(f"{label}: engine log: {log.lines}")


def counters(engine: ClusterEngine) -> dict[str, float]:
    s = engine.status()
    return {"iteration": engine.iteration, "syncs": s["syncs"], "sync_s": engine.sync_seconds,
            "round_s": engine.run_seconds, "bytes": s["sync_bytes"], "wall": time.perf_counter()}


def diff(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {k: b[k] - a[k] for k in a}


def one_round(engine: ClusterEngine, cfg: RunConfig, nodes: int) -> None:
    """advance() by exactly the round the engine plans next (none pending): one sync."""
    engine.advance(planned_round(cfg, engine.problem.layout, nodes, engine.frontier))


def measure_long(engine: ClusterEngine, cfg: RunConfig, nodes: int, seconds: float) -> dict[str, float]:
    """Rounds at the default interval for at least ``seconds`` and 2 rounds."""
    a = counters(engine)
    rounds = 0
    while rounds < 2 or time.perf_counter() - a["wall"] < seconds:
        one_round(engine, cfg, nodes)
        rounds += 1
    d = diff(a, counters(engine))
    return {"rate": d["iteration"] / nodes / d["round_s"], "sync": d["sync_s"] / d["syncs"],
            "outside": 1.0 - d["round_s"] / d["wall"], "round": d["iteration"] / d["syncs"] / nodes,
            "syncs": d["syncs"], "wall": d["wall"], "bytes": d["bytes"] / d["syncs"]}


def sync_cost(key: str, cluster: Cluster, args: argparse.Namespace, notes: list[str],
              nice: dict[str, str]) -> dict[str, Any] | None:
    """Table 1's row for one game."""
    label, _, _, small = GAMES[key]
    cfg = game_config(key)
    if cfg is None:
        notes.append(f"{label}: bucket file {bucket_path(GAMES[key][2] or {'preset': 'mid'})} missing; skipped")
        return None
    nodes = 2
    cfg = with_train_overrides(cfg, backend="ray", ray_address=cluster.address, nodes=nodes, workers_per_node=1)
    t0 = time.perf_counter()
    problem = build_problem(cfg.game, cfg.abstraction)
    log = Quiet()
    engine = ClusterEngine(problem, cfg, log=log)
    started = time.perf_counter() - t0
    track(engine.status()["worker_pids"])
    try:
        engine.advance(nodes * small)  # warm up: both trainers have run a round and synced
        nice[f"{label} 2x1"] = engine_niceness(engine)
        per_sync, per_round, per_bytes = [], [], []
        for _ in range(args.syncs):
            a = counters(engine)
            engine.advance(nodes * small)
            d = diff(a, counters(engine))
            per_sync.append(d["sync_s"] / d["syncs"])
            per_round.append(d["round_s"] / d["syncs"])
            per_bytes.append(d["bytes"] / d["syncs"])
        one_round(engine, cfg, nodes)  # untimed: up to the next discount point
        eff = planned_round(cfg, problem.layout, nodes, engine.frontier) // nodes
        long = measure_long(engine, cfg, nodes, args.seconds)
        sync = statistics.median(per_sync)
        fixed = max(0.0, statistics.median(per_round) - small / long["rate"])
        row = {"game": label, "bytes": table_bytes(problem), "delta": delta_bytes(problem, cfg.train.check_updates),
               "chunks": sync_chunks(problem, nodes), "sync": sync, "moved": per_bytes, "eff": eff,
               "start_s": started, "long": long, "fixed": fixed, "key": key,
               "interval": engine.interval}
        alive = engine.status()["nodes_alive"]
        if alive < nodes:
            notes.append(f"{label}: only {alive} of {nodes} nodes alive after table 1")
        lost = [e for e in engine.events if e["event"] == "node_lost"]
        if lost:
            notes.append(f"{label}: nodes lost during table 1: {lost}")
        return row
    finally:
        engine.close()
        engine_log_notes(label, log, notes)


def print_sync_table(out: Report, rows: list[dict[str, Any]], local: dict[str, float]) -> None:
    out(f"{'game':<13} {'table':>9} {'delta':>9} {'chk':>3} {'sync s':>6} {'moved/sync':>10} {'x delta':>7} "
        f"{'node it/s':>9} {'vs local':>8} {'fixed s':>7} {'eff rnd':>7} {'ovh':>6} {'sync s':>6} {'rnd':>7} "
        f"{'ovh':>5} {'ovh+':>5}")
    out(f"{'':<13} {'memory':>9} {'/node':>9} {'':>3} {'median':>6} {'mean':>10} {'min-max':>7} "
        f"{'running':>9} {'/worker':>8} {'/round':>7} {'/node':>7} {'calc':>6} {'long':>6} {'meas.':>7} "
        f"{'meas.':>5} {'fixed':>5}")
    for r in rows:
        long = r["long"]
        calc = r["sync"] / (r["sync"] + r["eff"] / long["rate"])
        moved = statistics.mean(r["moved"])
        ratio = f"{min(r['moved']) / r['delta']:.1f}-{max(r['moved']) / r['delta']:.1f}"
        vs = f"x{long['rate'] / (local[r['key']] / 2):.2f}" if r["key"] in local else "-"
        plus = long["outside"] + long["syncs"] * r["fixed"] / long["wall"]
        out(f"{r['game']:<13} {fmt_bytes(r['bytes']):>9} {fmt_bytes(r['delta']):>9} {r['chunks']:>3} "
            f"{r['sync']:>6.3f} {fmt_bytes(moved):>10} {ratio:>7} {long['rate']:>9,.0f} {vs:>8} {r['fixed']:>7.3f} "
            f"{r['eff']:>7,} {100 * calc:>5.1f}% {long['sync']:>6.3f} {long['round']:>7,.0f} "
            f"{100 * long['outside']:>4.0f}% {100 * plus:>4.0f}%")


def throughput_local(key: str, seconds: float) -> float:
    cfg = with_train_overrides(game_config(key), backend="local", num_workers=2)
    problem = build_problem(cfg.game, cfg.abstraction)
    engine = ParallelEngine(problem, cfg, 2, log=lambda text: None)
    track(engine.status()["worker_pids"])
    try:
        engine.advance(engine.chunk)  # warm up
        start, it0 = time.perf_counter(), engine.iteration
        while time.perf_counter() - start < seconds:
            engine.advance(engine.chunk)  # as the run loop does between progress lines
        return (engine.iteration - it0) / (time.perf_counter() - start)
    finally:
        engine.close()


def throughput_cluster(key: str, cluster: Cluster, nodes: int, workers: int, seconds: float,
                       notes: list[str], nice: dict[str, str]) -> dict[str, float]:
    """Iterations/s, the sync share of the wall, the per-worker rate while running, the
    engine's start seconds (problem + trainers), the interval and the rounds per node."""
    label = GAMES[key][0]
    cfg = with_train_overrides(game_config(key), backend="ray", ray_address=cluster.address, nodes=nodes,
                               workers_per_node=workers)
    t0 = time.perf_counter()
    problem = build_problem(cfg.game, cfg.abstraction)
    log = Quiet()
    engine = ClusterEngine(problem, cfg, log=log)
    start_s = time.perf_counter() - t0
    track(engine.status()["worker_pids"])
    try:
        engine.advance(engine.chunk)  # warm up: one round at the default interval from iteration 0
        nice[f"{label} {nodes}x{workers}"] = engine_niceness(engine)
        a = counters(engine)
        while time.perf_counter() - a["wall"] < seconds:
            engine.advance(engine.chunk)  # one round at the default interval, as the run loop asks
        d = diff(a, counters(engine))
        if engine.status()["nodes_alive"] < nodes:
            notes.append(f"{label} {nodes}x{workers}: only {engine.status()['nodes_alive']} node(s) alive at the end")
        return {"its": d["iteration"] / d["wall"], "share": d["sync_s"] / d["wall"], "start_s": start_s,
                "worker": d["iteration"] / d["round_s"] / (nodes * workers), "interval": engine.interval,
                "round": d["iteration"] / d["syncs"] / nodes, "syncs": d["syncs"]}
    finally:
        engine.close()
        engine_log_notes(f"{label} {nodes}x{workers}", log, notes)


def staleness_run(cfg: RunConfig, iters: int) -> tuple[float, float, int, int]:
    """(exploitability, wall seconds, nodes alive at the end, syncs) of one train() call."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_ray_run"))
    try:
        t0 = time.perf_counter()
        code, run = train(cfg, tmp / "run")
        wall = time.perf_counter() - t0
        if code != 0:
            raise RuntimeError(f"train() returned {code}")
        records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        for r in records:
            track(r.get("worker_pids", []))
        last = [r for r in records if "exploitability" in r][-1]
        if last["iteration"] != iters:
            raise RuntimeError(f"last evaluation at iteration {last['iteration']}, not {iters}")
        syncs = max((int(r.get("syncs", 0)) for r in records), default=0)
        return float(last["exploitability"]), wall, int(last.get("nodes_alive", 0)), syncs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--games", nargs="+", choices=list(GAMES), default=list(GAMES), help="games of table 1")
    p.add_argument("--skip-big", action="store_true", help="leave out hu-mid (243 MiB tables)")
    p.add_argument("--tables", nargs="+", type=int, choices=[1, 2, 3], default=[1, 2, 3])
    p.add_argument("--seconds", type=float, default=8.0, help="seconds per throughput / long-round measurement")
    p.add_argument("--syncs", type=int, default=8, help="short rounds whose sync time is measured per game")
    p.add_argument("--iters", type=int, default=200_000, help="global iterations of table 3's Leduc runs")
    p.add_argument("--intervals", nargs="+", type=int, default=[50, 500, 5_000, 50_000, 0],
                   help="table 3's sync intervals (0: the engine's default)")
    p.add_argument("--store-mib", type=int, default=1536, help="object store per node (it lives in /dev/shm)")
    p.add_argument("--out", type=Path, default=RESULTS / "bench_ray.txt")
    args = p.parse_args()
    games = [g for g in args.games if not (args.skip_big and g in BIG)]
    store = args.store_mib << 20
    out = Report()
    notes: list[str] = []
    nice: dict[str, str] = {}
    leftovers = Leftovers()
    others = sorted(n for n in shm_entries() if n.startswith("hd_"))
    started = time.perf_counter()
    out("python benchmarks/bench_ray.py " + " ".join(sys.argv[1:]))
    out("machine: " + json.dumps({**machine(), "ray": ray.__version__}))
    out(f"object store per node {args.store_mib} MiB; default sync_interval {SYNC_PER_WORKER:,} per worker of a "
        f"node ({SYNC_PER_WORKER:,} per node at 2 nodes x 1 worker, {2 * SYNC_PER_WORKER:,} at 1 node x 2); "
        f"chunks of at least {CHUNK_MIN_BYTES >> 20} MiB; benchmark process niceness {os.getpriority(os.PRIO_PROCESS, 0)}")
    try:
        t1_games = [g for g in games if game_config(g) is not None] if 1 in args.tables else []
        t2_games = [g for g in ("small", "tiny") if g in games and game_config(g) is not None] \
            if 2 in args.tables else []
        t2: dict[str, dict[str, Any]] = {g: {} for g in t2_games}
        # the local reference first, with no cluster running (and again after the clusters)
        local_games = [g for g in GAMES if g in t1_games or g in t2_games]
        local_passes: dict[str, list[float]] = {g: [throughput_local(g, args.seconds)] for g in local_games}
        local = {g: v[0] for g, v in local_passes.items()}  # the mean of both passes once there are two
        if t2_games:
            with local_cluster(1, 2, store, leftovers) as cluster:
                for g in t2_games:
                    t2[g]["1x2"] = throughput_cluster(g, cluster, 1, 2, args.seconds, notes, nice)
                    leftovers.check(f"{GAMES[g][0]} 1x2")
        rows: list[dict[str, Any]] = []
        t3: list[tuple[str, float, float, int, int]] = []
        with local_cluster(2, 1, store, leftovers) as cluster:
            for g in t1_games:
                row = sync_cost(g, cluster, args, notes, nice)
                if row:
                    rows.append(row)
                leftovers.check(f"{GAMES[g][0]} table 1")
            for g in t2_games:
                t2[g]["2x1"] = throughput_cluster(g, cluster, 2, 1, args.seconds, notes, nice)
                leftovers.check(f"{GAMES[g][0]} 2x1")
            if 3 in args.tables:
                base = load_config(ROOT / GAMES["leduc"][1])
                for interval in args.intervals:
                    cfg = with_train_overrides(base, backend="ray", ray_address=cluster.address, nodes=2,
                                               workers_per_node=1, sync_interval=interval or None,
                                               iters=args.iters, eval_interval=args.iters)
                    leduc_layout = build_problem(cfg.game, cfg.abstraction).layout
                    name = f"sync {interval:,}" if interval else f"sync default ({sync_interval(cfg.train, leduc_layout):,})"
                    t3.append((f"2 nodes x 1, {name}", *staleness_run(cfg, args.iters)))
                    leftovers.check(f"table 3 {name}")
        for g in local_games:
            local_passes[g].append(throughput_local(g, args.seconds))
            local[g] = statistics.mean(local_passes[g])
        if 3 in args.tables:
            local_cfg = with_train_overrides(load_config(ROOT / GAMES["leduc"][1]), backend="local", num_workers=2,
                                             iters=args.iters, eval_interval=args.iters)
            t3.append(("local, 2 workers", *staleness_run(local_cfg, args.iters)))
            leftovers.check("table 3 local")

        if local:
            out()
            out(f"0. Local reference: ParallelEngine, 2 workers, iterations/s over {args.seconds:g} s after a warm-up, "
                "before the clusters / after them: mean (per worker); the ratios below use the mean")
            out("   " + ", ".join(f"{GAMES[g][0]} {' / '.join(f'{x:,.0f}' for x in local_passes[g])}: {its:,.0f} "
                              f"({its / 2:,.0f})" for g, its in local.items()))
        if rows:
            out()
            out("1. Sync cost per table size: 2 nodes x 1 worker (1 CPU per node), sync_interval at its default "
                "(eff rnd/node); table: float32 regret + float64 strategy (memory, per copy);")
            out("   delta: float32 regret + float32 strategy (8 B per action slot), what a sync moves; chk: row chunks "
                f"per delta; sync s median: over {args.syncs} short rounds;")
            out("   moved/sync: sync_bytes per sync (x delta: min-max over those rounds); node it/s running: per-node "
                "iterations / round_s over rounds at the default interval,")
            out(f"   for {args.seconds:g} s and at least 2 (vs local /worker: against section 0's rate / 2); fixed "
                "s/round: median round_s of the short rounds less their iterations")
            out("   at that rate (dispatch, delta, publish: counted in round_s); eff rnd/node: the round the engine "
                "plans from a discount point (_plan); ovh calc: COMPUTED,")
            out("   sync / (sync + eff rnd / rate); then MEASURED over the long rounds: sync s long (mean; a discount "
                "at every sync), rnd meas. (iterations per node per round),")
            out("   ovh meas. = 1 - round_s / wall (syncs and the driver between rounds), ovh+fixed = that plus the "
                "rounds' fixed costs (syncs x fixed s / wall)")
            print_sync_table(out, rows, local)
            for r in rows:
                out(f"   {r['game']}: engine start {r['start_s']:.1f} s (problem + 2 trainers); {r['long']['syncs']} "
                    f"long rounds in {r['long']['wall']:.1f} s, {fmt_bytes(r['long']['bytes'])} moved per long sync")
        if t2_games:
            out()
            out(f"2. Two machines' worth on two cores: iterations/s over {args.seconds:g} s after a warm-up round, "
                "rounds at the default sync interval (ratio to local; sync share of wall)")
            intervals = "; ".join(f"{k}: {r[k]['interval']:,}/node, rounds of {r[k]['round']:,.0f}/node measured"
                                  for g, r in list(t2.items())[:1] for k in ("1x2", "2x1") if k in r)
            out(f"   default interval {intervals}; per worker running: global iterations / round_s / workers "
                "(vs local's per worker)")
            out(f"{'game':<14} {'local 2 workers':>16} {'1 node x 2':>20} {'2 nodes x 1':>20} "
                f"{'local/wkr':>9} {'1x2 run/wkr':>16} {'2x1 run/wkr':>16}")
            for g, r in t2.items():
                cells = [f"{local[g]:,.0f}"]
                wcells = []
                for k in ("1x2", "2x1"):
                    if k in r:
                        c = r[k]
                        cells.append(f"{c['its']:,.0f} x{c['its'] / local[g]:.2f} ({100 * c['share']:.0f}%)")
                        wcells.append(f"{c['worker']:,.0f} x{c['worker'] / (local[g] / 2):.2f}")
                    else:
                        cells.append("-")
                        wcells.append("-")
                out(f"{GAMES[g][0]:<14} {cells[0]:>16} {cells[1]:>20} {cells[2]:>20} {local[g] / 2:>9,.0f} "
                    f"{wcells[0]:>16} {wcells[1]:>16}")
            starts = [f"{GAMES[g][0]} {k} {r[k]['start_s']:.1f} s ({r[k]['syncs']} rounds)" for g, r in t2.items()
                      for k in ("1x2", "2x1") if k in r]
            out("   engine starts (problem + trainers), timed rounds: " + ", ".join(starts))
        if t3:
            out()
            out(f"3. Price of staleness: Leduc exploitability at {args.iters:,} global iterations (wall: the whole "
                "train() call; discount points every 10,000: a round of")
            out("   50,000 per node ends on one and its sync applies the ten factors it spans; the default interval "
                "makes the run one round; regret deltas averaged over the nodes)")
            out(f"{'run':<38} {'exploitability':>14} {'wall s':>8} {'syncs':>6} {'nodes alive':>11}")
            for name, expl, wall, alive, syncs in t3:
                cluster_run = "nodes" in name
                out(f"{name:<38} {expl:>14.5f} {wall:>8.1f} {syncs if cluster_run else '-':>6} "
                    f"{alive if cluster_run else '-':>11}")
        if nice:
            out()
            out("niceness of the node trainers' and their workers' threads (read from /proc after the first round):")
            for k, v in nice.items():
                out(f"   {k}: {v}")
    finally:
        out()
        left = our_segments()
        notes += leftovers.notes
        if left:
            notes.append(f"at the end: /dev/shm hd_* entries: {left[:6]}")
        for note in notes:
            out(f"note: {note}")
        if not notes:
            out(f"cleanup: no node lost; no /dev/shm hd_* entry and no Ray process of this run left behind "
                f"({len(TRACKED)} trainer/worker pids tracked)")
        if others:
            out(f"(hd_* entries of other processes present at the start: {len(others)})")
        out(f"total {time.perf_counter() - started:.0f} s")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(out.lines) + "\n")


if __name__ == "__main__":
    main()
