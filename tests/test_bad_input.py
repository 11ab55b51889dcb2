"""Bad input, every CLI: "nothing lost, ever" (issue #12).

The contract each case below checks, for every command (``holdem.cli.<name>.main(argv)``):

1. the exit status is 2 (argparse usage errors included);
2. stderr is exactly one non-empty line (after stripping) and it contains ``error:``;
   argparse errors too are one line (no usage dump);
3. that line names the culprit: the file path, the YAML key (``train.eval_interval``,
   ``game.stacks``), the flag (``--time-budget``) or the bad value; each case gives that
   substring (or a few alternatives, any of which will do), never a phrase of the message.
   It is looked for after ``error:`` with the workspace path written as ``{ws}`` (so neither
   the program name nor the test's temporary path can supply it);
4. no ``Traceback`` in stdout or stderr;
5. nothing on disk changed: the whole workspace tree (relative path -> SHA-256 of the
   content; directories are entries too; only ``__pycache__`` is left out) is the same after
   the command as before it: no file created, deleted or modified, outputs included.

Each case runs in a fresh workspace (``tmp_path``, also the current directory, so relative
default paths such as ``runs/`` land inside it) holding copies of the trained runs it names (each
trained once, on first use, by the real CLI in a subprocess, then ``shutil.copytree``'d, so
no case can damage the shared ones) and whatever the case's ``setup`` writes there. The
commands run in-process (fast): ``main(argv)``, a ``SystemExit`` taken as its exit code, an
uncaught exception as exit 1 with its traceback on stderr (what ``python -m`` would do);
stdout/stderr are captured by streams that stay the same objects across cases (code that
keeps ``sys.stderr`` from import time still writes into the capture). A few representative
cases also run through the real entry point (``python -m holdem.cli.X``, cwd the workspace)
in ``test_bad_input_subprocess``. Every case has a timeout (a hang guard; 20 s for
build_buckets, whose bad values would otherwise start a minutes-long build).

A safety net: while a case runs, starting a multiprocessing worker raises (bad input must
be refused before any worker starts; it also keeps ``--num-workers 1000`` from forking 1000
processes if the check is missing).

argv templates use ``{ws}`` (the workspace), ``{run}`` (a trained Kuhn run), ``{leduc}``
(a trained Leduc run), ``{run3}`` (a trained 3-player Kuhn run), ``{nl}`` (a trained
no-limit Leduc run: its tree lacks some legal sizes), ``{configs}`` (the
repository's configs/), ``{python}`` and ``{pid}`` (this process, which is alive).
"""
from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import io
import json
import multiprocessing.process
import os
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
KUHN = str(CONFIGS / "kuhn.yaml")
LEDUC = str(CONFIGS / "leduc.yaml")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
HAS_MPL = importlib.util.find_spec("matplotlib") is not None

Setup = Callable[[Path], None]


# --------------------------------------------------------------------------- the cases

@dataclass(frozen=True)
class Case:
    """One bad input: ``cli`` run with ``argv`` (a template) after ``setup(workspace)``."""

    id: str
    cli: str
    argv: tuple[str, ...]
    culprit: str | tuple[str, ...]       # the error line contains this (or one of these)
    setup: Setup | None = None
    forbid: tuple[str, ...] = ()         # ... and none of these
    timeout: float = 120                 # a hang guard (the first case also trains the shared runs)
    skip: str | None = None              # reason to skip (e.g. permissions as root)
    needs: tuple[str, ...] = field(default=())  # trained runs to copy in beyond those argv names


# --- setup helpers

def _seq(*steps: Setup) -> Setup:
    def setup(ws: Path) -> None:
        for s in steps:
            s(ws)
    return setup


def write(rel: str, content: str | bytes) -> Setup:
    """Write a file (creating its folders)."""
    def setup(ws: Path) -> None:
        p = ws / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
    return setup


def mkdir(rel: str) -> Setup:
    def setup(ws: Path) -> None:
        (ws / rel).mkdir(parents=True, exist_ok=True)
    return setup


def user_dir(rel: str, inner: str = "notes.txt") -> Setup:
    """A directory of the user's (not a run) holding one file of theirs."""
    return write(f"{rel}/{inner}", "my notes, not a holdem file\n")


def copy_run(src: str, dst: str) -> Setup:
    def setup(ws: Path) -> None:
        shutil.copytree(ws / src, ws / dst)
    return setup


DELETE = object()
_BASES = {"kuhn": yaml.safe_load(Path(KUHN).read_text()), "leduc": yaml.safe_load(Path(LEDUC).read_text())}


def config_text(base: str = "kuhn", over: dict | None = None) -> str:
    """YAML of configs/<base>.yaml (300 iterations, no evaluation: a config that wrongly
    passes trains briefly) with ``over`` applied: ``{"train.eval_interval": 0}`` sets a key
    of a section (a preset name becomes ``{preset: name}``), ``{"solver": x}`` replaces a
    section, DELETE removes."""
    d = copy.deepcopy(_BASES[base])
    d["train"]["iters"] = 300
    d["train"].pop("eval_interval", None)
    for key, value in (over or {}).items():
        if "." in key:
            sec, sub = key.split(".", 1)
            s = d.get(sec)
            if isinstance(s, str):
                s = {"preset": s}
            if not isinstance(s, dict):
                s = {}
            if value is DELETE:
                s.pop(sub, None)
            else:
                s[sub] = value
            d[sec] = s
        elif value is DELETE:
            d.pop(key, None)
        else:
            d[key] = value
    return yaml.safe_dump(d, sort_keys=False)


def config(rel: str, over: dict | None = None, base: str = "kuhn") -> Setup:
    return write(rel, config_text(base, over))


def edit_meta(snapshot_rel: str, change: Callable[[dict], None]) -> Setup:
    def setup(ws: Path) -> None:
        p = ws / snapshot_rel / "meta.json"
        d = json.loads(p.read_text())
        change(d)
        p.write_text(json.dumps(d, indent=1, sort_keys=True))
    return setup


def _set(key: str, value) -> Callable[[dict], None]:
    def change(d: dict) -> None:
        d[key] = value
    return change


def _drop(key: str) -> Callable[[dict], None]:
    def change(d: dict) -> None:
        d.pop(key)
    return change


def truncate_tables(snapshot_rel: str) -> Setup:
    def setup(ws: Path) -> None:
        p = ws / snapshot_rel / "tables.npz"
        p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    return setup


def resign(meta: dict) -> None:
    """Recompute meta.json's own checksum (when the format has one), as if whoever changed
    the snapshot had also fixed that up: the checks behind it must still refuse it."""
    if "meta_sha256" not in meta:
        return
    try:
        from holdem.run.snapshot import meta_digest
    except ImportError:  # the same canonical form, should the helper move
        def meta_digest(m: dict) -> str:
            body = {k: v for k, v in m.items() if k != "meta_sha256"}
            return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    meta["meta_sha256"] = meta_digest(meta)


def edit_meta_resigned(snapshot_rel: str, change: Callable[[dict], None]) -> Setup:
    def both(d: dict) -> None:
        change(d)
        resign(d)
    return edit_meta(snapshot_rel, both)


def _fix_checksums(ws: Path, snapshot_rel: str) -> None:
    m = ws / snapshot_rel / "meta.json"
    d = json.loads(m.read_text())
    d["sha256"] = hashlib.sha256((ws / snapshot_rel / "tables.npz").read_bytes()).hexdigest()
    resign(d)
    m.write_text(json.dumps(d, indent=1, sort_keys=True))


def garbage_tables(snapshot_rel: str, fix_checksum: bool = False) -> Setup:
    """tables.npz replaced by bytes that are no npz; with ``fix_checksum`` meta.json's
    checksums are updated too, so the loader itself meets the garbage."""
    def setup(ws: Path) -> None:
        p = ws / snapshot_rel / "tables.npz"
        p.write_bytes(b"PK\x03\x04 not really a zip " + bytes(range(256)) * 4)
        if fix_checksum:
            _fix_checksums(ws, snapshot_rel)
    return setup


def pickled_tables(snapshot_rel: str) -> Setup:
    """tables.npz holding an object array (it needs pickle to load), checksums updated."""
    def setup(ws: Path) -> None:
        import numpy as np
        p = ws / snapshot_rel / "tables.npz"
        with open(p, "wb") as f:
            np.savez(f, regret=np.array([{"a": 1}], dtype=object), strategy=np.zeros((12, 2)))
        _fix_checksums(ws, snapshot_rel)
    return setup


def wrong_shape_tables(snapshot_rel: str, consistent: bool = False) -> Setup:
    """A valid npz whose arrays do not fit the game, checksums updated; ``consistent``: the
    shapes recorded in meta.json are changed to match (only the game tells it is wrong)."""
    def setup(ws: Path) -> None:
        import numpy as np
        p = ws / snapshot_rel / "tables.npz"
        with open(p, "wb") as f:
            np.savez(f, regret=np.zeros((3, 2), np.float32), strategy=np.zeros((3, 2)))
        if consistent:
            m = ws / snapshot_rel / "meta.json"
            d = json.loads(m.read_text())
            d["arrays"] = {"regret": ["float32", [3, 2]], "strategy": ["float64", [3, 2]]}
            m.write_text(json.dumps(d, indent=1, sort_keys=True))
        _fix_checksums(ws, snapshot_rel)
    return setup


_HELD: list[int] = []  # fds of run locks held by a case (closed after it)


def run_in_use(run_rel: str) -> Setup:
    """The run is being trained by another process: its lock file is held (an exclusive
    ``flock``, as a trainer holds it; another open() of the file conflicts with it even in
    this process) and run.json says running, with a live pid (this process)."""
    def setup(ws: Path) -> None:
        import fcntl
        try:
            from holdem.run.directory import LOCK
        except ImportError:
            LOCK = ".lock"
        fd = os.open(ws / run_rel / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _HELD.append(fd)
        p = ws / run_rel / "run.json"
        d = json.loads(p.read_text())
        d.update(status="running", pid=os.getpid(), worker_pids=[os.getpid()])
        p.write_text(json.dumps(d))
    return setup


def remove(rel: str) -> Setup:
    def setup(ws: Path) -> None:
        p = ws / rel
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    return setup


def readonly_dir(rel: str) -> Setup:
    def setup(ws: Path) -> None:
        (ws / rel).mkdir(parents=True, exist_ok=True)
        (ws / rel).chmod(0o555)
    return setup


# --- the table

CASES: list[Case] = []


def case(id: str, cli: str, argv: str | list[str], culprit: str | tuple[str, ...], setup: Setup | None = None,
         **kw) -> None:
    argv_t = tuple(argv.split()) if isinstance(argv, str) else tuple(argv)
    CASES.append(Case(id, cli, argv_t, culprit, setup, **kw))


T = "train_blueprint"
TK = f"--config {KUHN} --iters 300"          # a valid Kuhn start; the case adds the bad part

# ---- train_blueprint: run directories
case("train-logdir-user-dir", T, f"{TK} --logdir {{ws}}/mine", "{ws}/mine", user_dir("mine"))
case("train-logdir-user-final", T, f"{TK} --logdir {{ws}}/mine", "{ws}/mine", user_dir("mine", "final/notes.txt"))
case("train-logdir-user-metrics", T, f"{TK} --logdir {{ws}}/mine", "{ws}/mine",
     write("mine/metrics.jsonl", '{"my": "own metrics"}\n'))
case("train-logdir-user-snapshots", T, f"{TK} --logdir {{ws}}/mine", "{ws}/mine", user_dir("mine", "snapshots/x.txt"))
case("train-logdir-is-file", T, f"{TK} --logdir {{ws}}/mine.txt", "{ws}/mine.txt", write("mine.txt", "mine\n"))
case("train-logdir-under-file", T, f"{TK} --logdir {{ws}}/mine.txt/run", "{ws}/mine.txt", write("mine.txt", "mine\n"))
case("train-logdir-existing-run", T, f"{TK} --logdir {{run}}", "{run}")
case("train-logdir-existing-run-other-game", T, f"{TK} --logdir {{leduc}}", "{leduc}")
case("train-logdir-existing-run-snapshot-dir", T, f"{TK} --logdir {{run}}/final", "{run}/final")
case("train-resume-into-other-run", T, "--resume-from {run} --iters 3000 --logdir {ws}/run_b", "{ws}/run_b",
     copy_run("run", "run_b"), needs=("run",))
case("train-resume-into-other-game-run", T, "--resume-from {run} --iters 3000 --logdir {leduc}", "{leduc}")
case("train-resume-into-user-dir", T, "--resume-from {run} --iters 3000 --logdir {ws}/mine", "{ws}/mine",
     user_dir("mine"))
case("train-resume-missing", T, "--resume-from {ws}/nope --iters 3000", "{ws}/nope")
case("train-resume-not-a-run", T, "--resume-from {ws}/mine --iters 3000", "{ws}/mine", user_dir("mine"))
case("train-resume-empty-dir", T, "--resume-from {ws}/empty --iters 3000", "{ws}/empty", mkdir("empty"))
case("train-resume-file", T, "--resume-from {ws}/mine.txt --iters 3000", "{ws}/mine.txt", write("mine.txt", "x\n"))
case("train-resume-meta-iteration-edited", T, "--resume-from {run} --iters 3000", "{run}/final",
     edit_meta("run/final", _set("iteration", 999_999_999)), needs=("run",))
case("train-resume-snapshot-meta-iteration-edited", T, "--resume-from {run}/final --iters 3000", "{run}/final",
     edit_meta("run/final", _set("iteration", 999_999_999)))
case("train-resume-meta-rng-removed", T, "--resume-from {run} --iters 3000", "{run}/final",
     edit_meta("run/final", _drop("rng")), needs=("run",))
case("train-resume-meta-problem-hash-edited", T, "--resume-from {run} --iters 3000", "{run}/final",
     edit_meta("run/final", _set("problem_hash", "0" * 64)), needs=("run",))
case("train-resume-meta-version-edited", T, "--resume-from {run} --iters 3000", "{run}/final",
     edit_meta("run/final", _set("version", 99)), needs=("run",))
case("train-resume-meta-rng-removed-resigned", T, "--resume-from {run} --iters 3000", "{run}/final",
     edit_meta_resigned("run/final", _drop("rng")), needs=("run",))
case("train-resume-meta-rng-garbage-resigned", T, "--resume-from {run} --iters 3000", "{run}/final",
     edit_meta_resigned("run/final", _set("rng", ["not a number"])), needs=("run",))
case("train-resume-meta-iteration-text-resigned", T, "--resume-from {run} --iters 3000", "{run}/final",
     edit_meta_resigned("run/final", _set("iteration", "2000")), needs=("run",))
case("train-resume-meta-iteration-negative-resigned", T, "--resume-from {run} --iters 3000", "{run}/final",
     edit_meta_resigned("run/final", _set("iteration", -5)), needs=("run",))
case("train-resume-meta-problem-hash-resigned", T, "--resume-from {run} --iters 3000", "{run}",
     edit_meta_resigned("run/final", _set("problem_hash", "0" * 64)), needs=("run",))
case("train-resume-meta-not-json", T, "--resume-from {run} --iters 3000", "{run}/final",
     write("run/final/meta.json", "{ this is not json"), needs=("run",))
case("train-resume-meta-missing", T, "--resume-from {run} --iters 3000", "{run}", remove("run/final/meta.json"),
     needs=("run",))
case("train-resume-tables-truncated", T, "--resume-from {run} --iters 3000", "{run}/final",
     truncate_tables("run/final"), forbid=("allow_pickle",), needs=("run",))
case("train-resume-tables-garbage", T, "--resume-from {run} --iters 3000", "{run}/final",
     garbage_tables("run/final"), forbid=("allow_pickle",), needs=("run",))
case("train-resume-tables-garbage-checksum-ok", T, "--resume-from {run} --iters 3000", "{run}/final",
     garbage_tables("run/final", fix_checksum=True), forbid=("allow_pickle",), needs=("run",))
case("train-resume-tables-pickled", T, "--resume-from {run} --iters 3000", "{run}/final",
     pickled_tables("run/final"), forbid=("allow_pickle",), needs=("run",))
case("train-resume-tables-wrong-shape", T, "--resume-from {run} --iters 3000", "{run}/final",
     wrong_shape_tables("run/final"), needs=("run",))
case("train-resume-tables-wrong-shape-consistent", T, "--resume-from {run} --iters 3000", "{run}/final",
     wrong_shape_tables("run/final", consistent=True), needs=("run",))
case("train-resume-run-in-use", T, "--resume-from {run} --iters 3000", "{run}", run_in_use("run"), needs=("run",))
case("train-resume-tables-missing", T, "--resume-from {run} --iters 3000", "{run}/final",
     remove("run/final/tables.npz"), needs=("run",))
case("train-resume-solver-differs", T, "--config {ws}/k2.yaml --resume-from {run} --iters 3000", "solver",
     config("k2.yaml", {"solver.discount_interval": 500}))
case("train-resume-solver-pruning-differs", T, "--config {ws}/k2.yaml --resume-from {run} --iters 3000", "solver",
     config("k2.yaml", {"solver.enable_pruning": True}))
case("train-resume-other-game-config", T, f"--config {LEDUC} --resume-from {{run}} --iters 3000", "game")
case("train-resume-bad-config", T, "--config {ws}/bad.yaml --resume-from {run} --iters 3000", "{ws}/bad.yaml",
     write("bad.yaml", "game: [kuhn\n"))

# ---- train_blueprint: values (CLI flags)
for flag, value in [("--iters", "-1"), ("--time-budget", "nan"), ("--time-budget", "inf"), ("--time-budget", "0"),
                    ("--time-budget", "-3"), ("--snapshot-interval", "nan"), ("--snapshot-interval", "0"),
                    ("--snapshot-interval", "inf"), ("--snapshot-interval", "-1"),
                    ("--checkpoint-interval", "0"), ("--checkpoint-interval", "-1"),
                    ("--eval-interval", "0"), ("--eval-interval", "-5"), ("--batch-size", "0"),
                    ("--batch-size", "-1"), ("--num-workers", "-1"), ("--num-workers", "1000"),
                    ("--seed", "x"), ("--seed", "-1"), ("--iters", "1e5"), ("--iters", "x"), ("--time-budget", "abc"),
                    ("--on-worker-failure", "maybe"), ("--batch-size", "1.5"),
                    ("--backend", "mpi"), ("--nodes", "0"), ("--nodes", "-2"), ("--workers-per-node", "0"),
                    ("--sync-interval", "0"), ("--sync-interval", "1.5"), ("--sync-timeout", "nan"),
                    ("--sync-timeout", "0"), ("--ray-address", "nowhere"), ("--ray-address", "host:port"),
                    ("--on-node-failure", "retry")]:
    base = f"--config {KUHN}" if flag == "--iters" else TK
    case(f"train-cli{flag}={value}", T, f"{base} {flag} {value}", flag)

# ---- train_blueprint: values (YAML train:)
for key, value in [("eval_interval", 0), ("eval_interval", -5), ("keep_snapshots", 0), ("stall_timeout", float("nan")),
                   ("stall_timeout", 0), ("snapshot_interval", float("inf")), ("snapshot_interval", float("nan")),
                   ("snapshot_interval", 0), ("time_budget", float("nan")), ("time_budget", float("inf")),
                   ("time_budget", -3), ("iters", True), ("iters", -1), ("iters", 1.5), ("batch_size", 0),
                   ("num_workers", -1), ("num_workers", 1000), ("checkpoint_interval", 0), ("seed", "x"),
                   ("seed", -1), ("on_worker_failure", "maybe"), ("tensorboard", "yes"), ("bogus", 1),
                   ("backend", "mpi"), ("nodes", 0), ("workers_per_node", 0), ("sync_interval", 0),
                   ("sync_timeout", float("inf")), ("ray_address", "x"), ("on_node_failure", "retry")]:
    case(f"train-yaml-train.{key}={value}", T, "--config {ws}/c.yaml", f"train.{key}",
         config("c.yaml", {f"train.{key}": value}))
case("train-yaml-train-not-mapping", T, "--config {ws}/c.yaml", "train", config("c.yaml", {"train": [1, 2]}))

# ---- solver YAML (through train_blueprint)
for key, value in [("regret_floor", 5), ("regret_floor", float("nan")), ("regret_floor", float("-inf")),
                   ("pruning_probability", 1.5), ("pruning_probability", -0.1), ("pruning_probability", float("nan")),
                   ("discount_interval", 0), ("discount_interval", -1), ("average", "foo"), ("bogus", 1),
                   ("pruning_threshold", 3), ("pruning_threshold", float("nan")), ("lcfr_threshold", -1),
                   ("prune_start", -1), ("strategy_interval", 0), ("current_snapshots", 0),
                   ("use_linear_weighting", 1), ("discount_interval", 1.5)]:
    case(f"solver-yaml-{key}={value}", T, "--config {ws}/c.yaml", f"solver.{key}",
         config("c.yaml", {f"solver.{key}": value}))
case("solver-yaml-not-mapping", T, "--config {ws}/c.yaml", "solver", config("c.yaml", {"solver": "fast"}))

# ---- game YAML
for cid, over, culprit in [
        ("stacks-beyond-int32", {"game.stacks": [3_000_000_000, 3_000_000_000]}, "game.stacks"),
        ("stacks-negative", {"game.stacks": [-2, 2]}, "game.stacks"),
        ("stacks-zero", {"game.stacks": [0, 2]}, "game.stacks"),
        ("stacks-float", {"game.stacks": [2.5, 2]}, "game.stacks"),
        ("stacks-wrong-length", {"game.stacks": [2]}, "game.stacks"),
        ("unknown-preset", {"game": "nope"}, "nope"),
        ("unknown-preset-in-mapping", {"game.preset": "nope"}, "nope"),
        ("unknown-key", {"game.bogus": 1}, "game.bogus"),
        ("num-players-9", {"game.num_players": 9}, "game.num_players"),
        ("num-players-1", {"game.num_players": 1}, "game.num_players"),
        ("num-players-text", {"game.num_players": "two"}, "game.num_players"),
        ("ante-negative", {"game.ante": -1}, "game.ante"),
        # stacks cannot hold such an ante either: either key is the culprit
        ("ante-beyond-int32", {"game.ante": 3_000_000_000}, ("game.ante", "game.stacks")),
        ("hole-cards-0", {"game.hole_cards": 0}, "game.hole_cards"),
        ("max-raises-negative", {"game.max_raises": [-1]}, "game.max_raises"),
        ("ranks-duplicate", {"game.ranks": "JJQ"}, "game.ranks"),
        ("blinds-above-stacks", {"game.blinds": [1, 50]}, ("game.blinds", "game.stacks")),
        ("missing", {"game": DELETE}, "game"),
]:
    case(f"game-yaml-{cid}", T, "--config {ws}/c.yaml", culprit, config("c.yaml", over))
case("game-yaml-raise-sizes-nan", T, "--config {ws}/c.yaml", "raise_sizes",
     config("c.yaml", {"game.betting": "no-limit", "game.raise_sizes": [[[float("nan")]]]}),
     forbid=("convert float NaN",))
case("game-yaml-raise-sizes-inf", T, "--config {ws}/c.yaml", "raise_sizes",
     config("c.yaml", {"game.betting": "no-limit", "game.raise_sizes": [[[float("inf")]]]}))
case("game-yaml-allin-threshold-nan", T, "--config {ws}/c.yaml", "game.allin_threshold",
     config("c.yaml", {"game.allin_threshold": float("nan")}))
case("game-yaml-leduc-blinds-above-stacks", T, "--config {ws}/c.yaml", ("game.blinds", "game.stacks"),
     config("c.yaml", {"game.blinds": [1, 50]}, base="leduc"))
case("abstraction-yaml-unknown", T, "--config {ws}/c.yaml", "abstraction", config("c.yaml", {"abstraction": "bogus"}))

# ---- config files (train_blueprint and tree_stats)
for cli in (T, "tree_stats"):
    short = "train" if cli == T else "tree-stats"
    case(f"{short}-config-missing", cli, "--config {ws}/nope.yaml", "{ws}/nope.yaml")
    case(f"{short}-config-is-dir", cli, "--config {ws}/cfgdir", "{ws}/cfgdir", mkdir("cfgdir"))
    case(f"{short}-config-binary", cli, "--config {ws}/bin.yaml", "{ws}/bin.yaml", write("bin.yaml", bytes(range(256))))
    case(f"{short}-config-empty", cli, "--config {ws}/empty.yaml", "{ws}/empty.yaml", write("empty.yaml", ""))
    case(f"{short}-config-list", cli, "--config {ws}/list.yaml", "{ws}/list.yaml", write("list.yaml", "- game\n- kuhn\n"))
    case(f"{short}-config-scalar", cli, "--config {ws}/s.yaml", "{ws}/s.yaml", write("s.yaml", "42\n"))
    case(f"{short}-config-bad-syntax", cli, "--config {ws}/syn.yaml", "{ws}/syn.yaml",
         write("syn.yaml", "game: kuhn\nsolver: {a: [1, 2\n"))
    case(f"{short}-config-python-tag", cli, "--config {ws}/tag.yaml", "{ws}/tag.yaml",
         write("tag.yaml", "game: !!python/object/apply:os.system ['true']\n"))
    case(f"{short}-config-unknown-top-key", cli, "--config {ws}/c.yaml", "bogus", config("c.yaml", {"bogus": 1}))
    case(f"{short}-config-unreadable", cli, "--config {ws}/c.yaml", "{ws}/c.yaml",
         _seq(config("c.yaml"), lambda ws: (ws / "c.yaml").chmod(0)), skip="root reads any file" if IS_ROOT else None)
case("tree-stats-bad-value", "tree_stats", "--config {ws}/c.yaml", "solver.discount_interval",
     config("c.yaml", {"solver.discount_interval": 0}))
case("tree-stats-bad-stacks", "tree_stats", "--config {ws}/c.yaml", "game.stacks",
     config("c.yaml", {"game.stacks": [3_000_000_000, 3_000_000_000]}))
case("tree-stats-bad-train-value", "tree_stats", "--config {ws}/c.yaml", "train.eval_interval",
     config("c.yaml", {"train.eval_interval": 0}))

# ---- eval_blueprint
E = "eval_blueprint"
mine = write("mine.json", '{"mine": true}\n')
case("eval-out-existing", E, "--policy {run} --out {ws}/mine.json", "{ws}/mine.json", mine)
case("eval-out-parent-is-file", E, "--policy {run} --out {ws}/mine.txt/that/does/not/exist/x.json", "{ws}/mine.txt",
     write("mine.txt", "x\n"))
case("eval-out-is-dir", E, "--policy {run} --out {ws}/outdir", "{ws}/outdir", mkdir("outdir"))
case("eval-out-readonly-dir", E, "--policy {run} --out {ws}/ro/x.json", "{ws}/ro", readonly_dir("ro"),
     skip="root writes anywhere" if IS_ROOT else None)
case("eval-default-out-existing", E, "--policy {run}", "eval.json", write("run/eval.json", '{"mine": 1}\n'),
     needs=("run",))
case("eval-plot-existing", E, "--policy {run} --out {ws}/new.json --plot {ws}/mine.png",
     "{ws}/mine.png" if HAS_MPL else ("{ws}/mine.png", "--plot"), write("mine.png", b"\x89PNG mine"))
case("eval-default-plot-existing", E, "--policy {run} --out {ws}/new.json --plot",
     "eval.png" if HAS_MPL else ("eval.png", "--plot"), write("run/eval.png", b"\x89PNG mine"), needs=("run",))
for flag, value in [("--hands", "0"), ("--hands", "-1"), ("--hands", "abc"), ("--threads", "0"), ("--threads", "-2"),
                    ("--seed", "x"), ("--seed", "-1")]:
    case(f"eval{flag}={value}", E, f"--policy {{run}} {flag} {value}", flag)
for flag, value in [("--lbr-hands", "1"), ("--lbr-hands", "0"), ("--lbr-bets", "nan"), ("--lbr-bets", "abc"),
                    ("--lbr-bets", "-1"), ("--lbr-bets", "0"), ("--lbr-bets", "inf"), ("--lbr-bets", "1,nan")]:
    case(f"eval-lbr{flag}={value}", E, f"--policy {{leduc}} --lbr-tree {flag} {value}", flag)
case("eval-opponents-nonexistent", E, "--policy {leduc} --opponents nonexistent", "nonexistent")
case("eval-opponents-other-game", E, "--policy {leduc} --opponents {run}", "{run}")
case("eval-policy-missing", E, "--policy {ws}/missing", "{ws}/missing", forbid=("no snapshot found",))
case("eval-policy-not-a-run", E, "--policy {ws}/mine", "{ws}/mine", user_dir("mine"))
case("eval-policy-file", E, "--policy {ws}/mine.txt", "{ws}/mine.txt", write("mine.txt", "x\n"))
case("eval-policy-tables-garbage", E, "--policy {run}", "{run}/final", garbage_tables("run/final", fix_checksum=True),
     forbid=("allow_pickle",), needs=("run",))
case("eval-policy-tables-pickled", E, "--policy {run}", "{run}/final", pickled_tables("run/final"),
     forbid=("allow_pickle",), needs=("run",))
case("eval-policy-tables-truncated", E, "--policy {run}/final", "{run}/final", truncate_tables("run/final"),
     forbid=("allow_pickle",))
case("eval-policy-tables-wrong-shape", E, "--policy {run}", "{run}/final", wrong_shape_tables("run/final"),
     needs=("run",))
case("eval-policy-tables-wrong-shape-consistent", E, "--policy {run}", "{run}/final",
     wrong_shape_tables("run/final", consistent=True), needs=("run",))
case("eval-policy-meta-not-json", E, "--policy {run}", "{run}/final", write("run/final/meta.json", "nope"),
     needs=("run",))
case("eval-lbr-3-players", E, "--policy {run3} --out {ws}/new.json --lbr fc", ("--lbr", "{run3}"))
case("eval-lbr-bad-setting", E, "--policy {run} --out {ws}/new.json --lbr fcz", ("--lbr", "fcz"))
case("eval-lbr-bad-rounds", E, "--policy {run} --out {ws}/new.json --lbr fc:5-6", ("--lbr", "5-6"))
case("eval-vs-nobody", E, "--policy {run} --out {ws}/new.json --vs nobody", ("--vs", "nobody"))
case("eval-vs-not-holdem", E, "--policy {run} --out {ws}/new.json --vs always-call", ("--vs", "{run}"))
case("eval-aivat-alone", E, "--policy {run} --out {ws}/new.json --aivat", "--aivat")
case("eval-phh-alone", E, "--policy {run} --out {ws}/new.json --phh {ws}/hh", "--phh")
case("eval-lbr-tree-3-players", E, "--policy {run3} --out {ws}/new.json --lbr-tree", ("--lbr-tree", "{run3}"))

# ---- export_policy
X = "export_policy"
case("export-out-existing", X, "--run {run} --out {ws}/mine.json", "{ws}/mine.json", mine)
case("export-out-parent-is-file", X, "--run {run} --out {ws}/mine.txt/p.json", "{ws}/mine.txt", write("mine.txt", "x\n"))
case("export-out-is-dir", X, "--run {run} --out {ws}/outdir", "{ws}/outdir", mkdir("outdir"))
case("export-out-readonly-dir", X, "--run {run} --out {ws}/ro/p.json", "{ws}/ro", readonly_dir("ro"),
     skip="root writes anywhere" if IS_ROOT else None)
case("export-run-missing", X, "--run {ws}/nope --out {ws}/p.json", "{ws}/nope", forbid=("no snapshot found",))
case("export-run-not-a-run", X, "--run {ws}/mine --out {ws}/p.json", "{ws}/mine", user_dir("mine"))
case("export-run-tables-garbage", X, "--run {run} --out {ws}/p.json", "{run}/final",
     garbage_tables("run/final", fix_checksum=True), forbid=("allow_pickle",), needs=("run",))

# ---- build_buckets (a bad value that slips through starts a minutes-long build: short timeouts)
B = "build_buckets"
BB = "--preset tiny --out {ws}/b.npz"
for flag, value in [("--sample", "0"), ("--sample", "-5"), ("--sample", "abc"), ("--k-flop", "0"),
                    ("--k-river", "70000"), ("--k-preflop", "0"), ("--k-turn", "x"), ("--seed", "-1"),
                    ("--seed", "x"), ("--preset", "nope")]:
    case(f"buckets{flag}={value}", B, f"{BB} {flag} {value}", flag, timeout=20)
case("buckets-out-existing", B, "--preset tiny --out {ws}/mine.npz", "{ws}/mine.npz", write("mine.npz", b"mine"),
     timeout=20)
case("buckets-out-parent-is-file", B, "--preset tiny --out {ws}/mine.txt/b.npz", "{ws}/mine.txt",
     write("mine.txt", "x\n"), timeout=20)

# ---- query
Q = "query"
case("query-kuhn-hand-class", Q, "--policy {run} --hand 72o", "--hand")
case("query-hand-class-with-board", Q, "--policy {leduc} --hand 72o --board Qh --history cc/", "--hand")
case("query-hand-AhAh", Q, "--policy {leduc} --hand AhAh", ("--hand", "Ah"))
case("query-hand-duplicate-in-deck", Q, "--policy {leduc} --hand KhKh", ("--hand", "Kh"))
case("query-hand-Zz", Q, "--policy {leduc} --hand Zz", ("--hand", "Zz"))
case("query-hand-not-in-deck", Q, "--policy {leduc} --hand Ah", ("--hand", "Ah"))
case("query-hand-two-cards", Q, "--policy {leduc} --hand KhQh", "--hand")
case("query-hand-empty", Q, ["--policy", "{leduc}", "--hand", ""], "--hand")
case("query-board-two-cards", Q, ["--policy", "{leduc}", "--hand", "Kh", "--board", "Qh Ks", "--history", "cc/"],
     "--board")
case("query-board-preflop", Q, "--policy {leduc} --hand Kh --board Qh", "--board")
case("query-board-missing-postflop", Q, "--policy {leduc} --hand Kh --history cc/", "--board")
case("query-duplicate-hand-board", Q, "--policy {leduc} --hand Kh --board Kh --history cc/", "Kh")
case("query-history-illegal", Q, "--policy {leduc} --hand Kh --history rrrrrrr", ("--history", "rrrrrrr"))
case("query-history-limit-size", Q, "--policy {leduc} --hand Kh --history r7", ("--history", "r7"))
case("query-history-off-tree", Q, "--policy {nl} --hand Kh --history r5", ("--history", "r5"))
case("query-history-off-tree-later", Q, "--policy {nl} --hand Kh --history r3r7", ("--history", "r3r7", "r7"))
case("query-history-garbage", Q, "--policy {leduc} --hand Kh --history xyz", ("--history", "xyz"))
case("query-history-hand-over", Q, "--policy {leduc} --hand Kh --board Qh --history cc/cc", ("--history", "cc/cc"))
case("query-position-7", Q, "--policy {leduc} --hand Kh --position 7", "--position")
case("query-position-negative", Q, "--policy {leduc} --hand Kh --position -1", "--position")
case("query-position-wrong-seat", Q, "--policy {run} --hand Ks --position 1", "--position")
case("query-position-text", Q, "--policy {run} --hand Ks --position one", "--position")
case("query-policy-missing", Q, "--policy {ws}/nope --hand Ks", "{ws}/nope", forbid=("no snapshot found",))
case("query-policy-not-a-run", Q, "--policy {ws}/mine --hand Ks", "{ws}/mine", user_dir("mine"))

# ---- play
P = "play"
for flag, value in [("--hands", "0"), ("--hands", "-1"), ("--hands", "abc"), ("--seat", "2"), ("--seed", "x"),
                    ("--seed", "-1")]:
    case(f"play{flag}={value}", P, f"--policy {{run}} {flag} {value}", flag)
case("play-policy-missing", P, "--policy {ws}/nope", "{ws}/nope", forbid=("no snapshot found",))
case("play-policy-not-a-run", P, "--policy {ws}/mine", "{ws}/mine", user_dir("mine"))
case("play-policy-3-players", P, "--policy {run3}", "{run3}")

# ---- monitor (the target is a finished run: a check that slips through cannot attach to anything)
M = "monitor"
for flag, value in [("--interval", "nan"), ("--interval", "0"), ("--interval", "-1"), ("--interval", "inf"),
                    ("--interval", "abc"), ("--stall-cpu", "-5"), ("--stall-cpu", "nan"), ("--stall-cpu", "inf"),
                    ("--stall-window", "0"), ("--stall-window", "nan"), ("--stall-window", "-1"),
                    ("--duration", "nan"), ("--duration", "0"), ("--duration", "-1"), ("--stop-timeout", "-1"),
                    ("--stop-timeout", "nan"), ("--pid", "abc")]:
    case(f"monitor{flag}={value}", M, f"--run {{run}} {flag} {value}", flag)
case("monitor-csv-existing", M, "--csv {ws}/mine.csv --run {run}", "{ws}/mine.csv", write("mine.csv", "my,data\n1,2\n"))
case("monitor-csv-new-run-not-running", M, "--csv {ws}/new.csv --run {run}", "{run}")
case("monitor-csv-parent-is-file", M, "--csv {ws}/mine.txt/m.csv --run {run}", "{ws}/mine.txt", write("mine.txt", "x\n"))
case("monitor-summary-json-existing", M, "--summary-json {ws}/mine.json --run {run}", "{ws}/mine.json", mine)
case("monitor-summary-json-parent-is-file", M, "--summary-json {ws}/mine.txt/s.json --run {run}", "{ws}/mine.txt",
     write("mine.txt", "x\n"))
case("monitor-pid-no-such-process", M, "--pid 999999999", "999999999")
case("monitor-run-without-run-json", M, "--run {ws}/mine", "{ws}/mine", user_dir("mine"))
case("monitor-run-missing", M, "--run {ws}/nope", "{ws}/nope")
case("monitor-run-json-garbage", M, "--run {run}", "{run}", write("run/run.json", "{ not json"), needs=("run",))
case("monitor-pid-and-command", M, ["--pid", "{pid}", "--", "{python}", "-c", "pass"], "--pid")
case("monitor-run-and-command", M, ["--run", "{run}", "--", "{python}", "-c", "pass"], "--run")
case("monitor-neither", M, "--interval 1", ("--pid", "--run"))

# ---- argparse: unknown flag and missing required flag, every CLI (one line, no usage dump)
for cli, valid in [(T, f"--config {KUHN}"), (E, "--policy {run}"), (X, "--run {run} --out {ws}/p.json"),
                   (Q, "--policy {run} --hand Ks"), (P, "--policy {run}"), ("tree_stats", f"--config {KUHN}"),
                   (B, BB), (M, "--run {run}")]:
    case(f"argparse-{cli}-unknown-flag", cli, f"{valid} --bogus-flag 1", "--bogus-flag")
for cli, argv, culprit in [(T, "--iters 10", "--config"), (E, "", "--policy"), (X, "--run {run}", "--out"),
                           (X, "--out {ws}/p.json", "--run"), (Q, "--policy {run}", "--hand"), (Q, "--hand Ks", "--policy"),
                           (P, "", "--policy"), ("tree_stats", "", "--config"), (B, "--preset tiny", "--out")]:
    case(f"argparse-{cli}-missing-{culprit.strip('-')}", cli, argv, culprit)
case("argparse-train-flag-without-value", T, f"--config {KUHN} --iters", "--iters")
case("argparse-eval-flag-without-value", E, "--policy", "--policy")

assert len({c.id for c in CASES}) == len(CASES), "duplicate case ids"

#: run through the real entry point too (python -m holdem.cli.X)
SUBPROCESS_IDS = ("train-logdir-user-dir", "train-cli--time-budget=nan", "train-resume-meta-iteration-edited",
                  "eval-out-existing", "query-duplicate-hand-board", "monitor-csv-existing",
                  "argparse-eval_blueprint-unknown-flag", "train-config-binary")


# --------------------------------------------------------------------------- fixtures

#: a small no-limit game, so that a history can leave the abstract tree (a legal size it lacks)
NL_CONFIG = """\
game: {preset: leduc, name: leduc-nl, betting: no-limit, raise_sizes: [[[1.0]], [[1.0]]], max_raises: [2, 2],
       stacks: [20, 20]}
abstraction: lossless
train: {iters: 2000, seed: 0}
"""


def _train(logdir: Path, config: str) -> None:
    r = subprocess.run([sys.executable, "-m", "holdem.cli.train_blueprint", "--config", config, "--iters", "2000",
                        "--logdir", str(logdir)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Callable[[str], Path]:
    """name -> a trained run (run: Kuhn, leduc, run3: 3-player Kuhn, nl: no-limit Leduc), each
    trained (2000 iterations, the real CLI) once, on first use."""
    base = tmp_path_factory.mktemp("trained")
    (base / "nl.yaml").write_text(NL_CONFIG)
    configs = {"run": KUHN, "leduc": LEDUC, "run3": str(CONFIGS / "kuhn-3p.yaml"), "nl": str(base / "nl.yaml")}
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            _train(base / name, configs[name])
            built[name] = base / name
        return built[name]
    return get


def tree_hash(root: Path) -> dict[str, str]:
    """relative path -> sha256 of the content ('dir' for a directory, 'link:...' for a link)."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = os.path.relpath(dirpath, root)
        out[rel + "/"] = "dir"
        for name in list(dirnames) + filenames:
            p = os.path.join(dirpath, name)
            key = os.path.normpath(os.path.join(rel, name))
            if os.path.islink(p):
                out[key] = "link:" + os.readlink(p)
            elif name in filenames:
                with open(p, "rb") as f:
                    out[key] = hashlib.sha256(f.read()).hexdigest()
    return out


def _diff(before: dict[str, str], after: dict[str, str]) -> str:
    created = sorted(set(after) - set(before))
    deleted = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    return f"created {created}, deleted {deleted}, changed {changed}"


PLACEHOLDERS = ("run", "leduc", "run3", "nl")


def _fill(text: str, ws: Path) -> str:
    values = {"ws": str(ws), "configs": str(CONFIGS), "python": sys.executable, "pid": str(os.getpid())}
    values.update({name: str(ws / name) for name in PLACEHOLDERS})
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    return text


def prepare(c: Case, ws: Path, trained) -> tuple[list[str], tuple[str, ...], dict[str, str]]:
    """Workspace ready (runs copied, setup done); returns (argv, culprits, tree hash)."""
    if c.skip:
        pytest.skip(c.skip)
    text = " ".join(c.argv) + " " + " ".join(c.culprit if isinstance(c.culprit, tuple) else (c.culprit,))
    for name in PLACEHOLDERS:
        if "{" + name + "}" in text or name in c.needs:
            shutil.copytree(trained(name), ws / name)
    if c.setup is not None:
        c.setup(ws)
    argv = [_fill(a, ws) for a in c.argv]
    # culprits stay relative to "{ws}": check() matches them against the message with the
    # workspace path written as "{ws}", so that the test's own path (it holds the test's
    # name: "solver", "game", ...) cannot name a culprit by accident
    culprits = tuple(_fill(x, Path("{ws}")) for x in (c.culprit if isinstance(c.culprit, tuple) else (c.culprit,)))
    return argv, culprits, tree_hash(ws)


def check(c: Case, code, out: str, err: str, culprits: tuple[str, ...], before: dict, ws: Path) -> None:
    after = tree_hash(ws)
    lines = err.strip().splitlines()
    shown = f"exit {code}\n--- stderr ---\n{err[-3000:]}\n--- stdout ---\n{out[-1500:]}"
    assert "Traceback" not in err and "Traceback" not in out, shown
    assert code == 2, shown
    assert len(lines) == 1 and lines[0].strip(), f"not exactly one stderr line\n{shown}"
    line = lines[0]
    assert "error:" in line, shown
    # the culprit is looked for after "error:" (not in the program name, e.g. holdem-train)
    detail = line.split("error:", 1)[1].replace(str(ws), "{ws}")
    assert any(x in detail for x in culprits), f"culprit {culprits} not named\n{shown}"
    for bad in c.forbid:
        assert bad not in line, f"{bad!r} in the message\n{shown}"
    assert after == before, f"the workspace changed: {_diff(before, after)}\n{shown}"


def _no_workers(self, *a, **k):
    raise RuntimeError("test_bad_input: a worker process was started for bad input")


class _Stream(io.TextIOBase):
    """A stream that stays the same object across cases and writes to the current case's
    buffer: code that keeps ``sys.stderr`` from its first import (a default argument, e.g. the
    progress line) still writes where this case captures (pytest's ``capsys`` streams are new
    per test and closed afterwards). Between cases it forwards to the real stream."""

    def __init__(self, name: str):
        self.name = name
        self.buffer_: io.StringIO | None = None

    def _target(self):
        if self.buffer_ is not None:
            return self.buffer_
        real = getattr(sys, self.name)
        return getattr(sys, f"__{self.name}__") if real is self else real

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()


_OUT, _ERR = _Stream("stdout"), _Stream("stderr")


def invoke(cli: str, argv: list[str]) -> tuple[object, str, str]:
    """main(argv) in this process, as the real entry point would end: (exit code, stdout, stderr)."""
    main = importlib.import_module(f"holdem.cli.{cli}").main
    extra = ""
    _OUT.buffer_, _ERR.buffer_ = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    # set here, in the call phase: pytest reinstalls its own capture after fixture setup
    sys.stdout, sys.stderr, sys.stdin = _OUT, _ERR, io.StringIO("")
    try:
        code = main(argv)
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            code = 0 if e.code is None else e.code
        else:  # sys.exit("message") prints it and exits 1
            code, extra = 1, f"{e.code}\n"
    except Exception:  # an uncaught exception: python prints the traceback and exits 1
        code, extra = 1, traceback.format_exc()
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
        out, err = _OUT.buffer_.getvalue(), _ERR.buffer_.getvalue()
        _OUT.buffer_ = _ERR.buffer_ = None
    return code, out, err + extra


@pytest.fixture
def guarded(monkeypatch, tmp_path):
    """The workspace (the current directory); no worker processes may start."""
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.chdir(ws)
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", _no_workers)
    yield ws
    while _HELD:
        os.close(_HELD.pop())
    for dirpath, dirnames, _ in os.walk(ws):  # let tmp_path be cleaned (read-only dirs)
        for d in dirnames:
            try:
                os.chmod(os.path.join(dirpath, d), 0o755)
            except OSError:
                pass


# --------------------------------------------------------------------------- tests

def _timeout(c: Case):
    return pytest.param(c, id=c.id, marks=pytest.mark.timeout(c.timeout))


@pytest.mark.parametrize("c", [_timeout(c) for c in CASES])
def test_bad_input(c: Case, guarded: Path, trained):
    argv, culprits, before = prepare(c, guarded, trained)
    code, out, err = invoke(c.cli, argv)
    check(c, code, out, err, culprits, before, guarded)


BY_ID = {c.id: c for c in CASES}


@pytest.mark.parametrize("cid", [pytest.param(i, marks=pytest.mark.timeout(120)) for i in SUBPROCESS_IDS])
def test_bad_input_subprocess(cid: str, tmp_path: Path, trained):
    """The real entry point (``python -m holdem.cli.X``, cwd the workspace) behaves the same."""
    c = BY_ID[cid]
    ws = tmp_path / "ws"
    ws.mkdir()
    argv, culprits, before = prepare(c, ws, trained)
    r = subprocess.run([sys.executable, "-m", f"holdem.cli.{c.cli}", *argv], cwd=ws, capture_output=True, text=True,
                       timeout=100, stdin=subprocess.DEVNULL, env=dict(os.environ))
    check(c, r.returncode, r.stdout, r.stderr, culprits, before, ws)


@pytest.mark.timeout(10)
def test_table_size():
    """The issue asks for at least 110 cases, covering every CLI."""
    assert len(CASES) >= 110
    assert {c.cli for c in CASES} == {"train_blueprint", "eval_blueprint", "export_policy", "query", "play",
                                      "tree_stats", "build_buckets", "monitor"}
