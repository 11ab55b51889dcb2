"""Train a blueprint: ``python -m holdem.cli.train_blueprint --config configs/leduc.yaml``.

Continue a run with ``--resume-from RUN [--iters N]`` (its own config; a ``--config`` given
too may change only the ``train`` section). Ctrl-C, SIGTERM or SIGHUP, any number of them,
stop the run in order with its final snapshot in ``RUN/final`` and exit status 0.
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from holdem.cli.common import EXIT_INTERRUPTED, ArgumentParser, run_cli
from holdem.run.signals import STOP_SIGNALS, StopFlag


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments (CLI values override the YAML's ``train`` section)."""
    p = ArgumentParser(prog="holdem-train", description=__doc__)
    p.add_argument("--config", type=Path, help="YAML run config (see configs/); a resume uses the run's own")
    p.add_argument("--iters", type=int, help="total iterations to reach (resumed ones count)")
    p.add_argument("--time-budget", type=float, dest="time_budget", help="stop after SEC seconds")
    p.add_argument("--snapshot-interval", type=float, dest="snapshot_interval", help="seconds between snapshots")
    p.add_argument("--checkpoint-interval", type=int, dest="checkpoint_interval",
                   help="also snapshot every ITERS iterations")
    p.add_argument("--eval-interval", type=int, dest="eval_interval",
                   help="exact exploitability every ITERS iterations (small games)")
    p.add_argument("--logdir", type=Path, help="run directory (default runs/<timestamp>)")
    p.add_argument("--resume-from", type=Path, dest="resume_from", help="run directory or snapshot to continue")
    p.add_argument("--num-workers", type=int, dest="num_workers",
                   help="worker processes (0 = one per core; default: the config's, 1 in the presets)")
    p.add_argument("--force-workers", action="store_true", dest="force_workers",
                   help="allow more than 4 workers per core")
    p.add_argument("--batch-size", type=int, dest="batch_size", help="iterations per batch")
    p.add_argument("--seed", type=int)
    p.add_argument("--tensorboard", action=argparse.BooleanOptionalAction, default=None,
                   help="write TensorBoard event files (needs holdem[tensorboard])")
    p.add_argument("--on-worker-failure", choices=("restart", "stop"), dest="on_worker_failure")
    p.add_argument("--check-updates", action="store_true", default=None, dest="check_updates",
                   help="keep an update counter per row (8 bytes a row) to prove no update is lost")
    ray = p.add_argument_group("multi-node training on a Ray cluster (needs holdem[ray]; README)")
    ray.add_argument("--backend", choices=("local", "ray"), help="local (this machine, default) or ray")
    ray.add_argument("--ray-address", dest="ray_address", help="the cluster: auto (default) or HOST:PORT")
    ray.add_argument("--nodes", type=int, help="nodes to train on, one trainer each (default 2)")
    ray.add_argument("--workers-per-node", type=int, dest="workers_per_node",
                     help="worker processes per node (default 1)")
    ray.add_argument("--sync-interval", type=int, dest="sync_interval",
                     help="iterations per node between syncs (default: 100,000 per worker of a node, times the "
                          "delta size in units of 32 MiB where larger, at most 8 times)")
    ray.add_argument("--sync-timeout", type=float, dest="sync_timeout",
                     help="seconds a node may lag before it is dropped (default 120)")
    ray.add_argument("--on-node-failure", choices=("continue", "stop"), dest="on_node_failure",
                     help="after a lost node: go on with the rest (default) or stop with a snapshot")
    return p


def main(argv: list[str] | None = None, keep_handlers: bool = False) -> int:
    """Entry point. The signal handlers it installs are put back when it returns, unless
    ``keep_handlers`` (the script, which then ignores the signals for its exit)."""
    # at once: a signal before the run directory is claimed ends the command (nothing to
    # save, exit 130), any signal after it stops training in order (exit 0, final/ written)
    stop = StopFlag(armed=False).install()
    try:
        return _main(argv, stop)
    finally:
        if not keep_handlers:
            stop.__exit__(None, None, None)


def _main(argv: list[str] | None, stop: StopFlag) -> int:
    args = build_parser().parse_args(argv)

    def go() -> int:
        from holdem.config import load_config, with_train_overrides
        from holdem.core.inputs import InputError
        from holdem.run.directory import resolve_snapshot
        from holdem.run.snapshot import read_meta
        from holdem.run.train import recorded_config, resumed_config, train, train_changes

        snapshot = resolve_snapshot(args.resume_from) if args.resume_from is not None else None
        if snapshot is None and args.config is None:
            raise InputError("--config: required to start a run (or --resume-from RUN to continue one)")
        given = load_config(args.config) if args.config is not None else None
        cfg = resumed_config(snapshot, given, args.config) if snapshot is not None else given
        cfg = with_train_overrides(cfg, **vars(args))
        notes = []
        if snapshot is not None:
            changes = train_changes(recorded_config(snapshot), cfg)
            iteration = int(read_meta(snapshot)["iteration"])
            if changes:
                notes.append(f"resuming {snapshot} with changed train settings: {', '.join(changes)}")
            if iteration >= cfg.train.iters:
                notes.append(f"{snapshot} is at iteration {iteration:,}, the target is {cfg.train.iters:,}: "
                             "nothing to train (give --iters N to go further)")
        try:
            code, run_dir = train(cfg, args.logdir, snapshot, force_workers=args.force_workers, notes=notes,
                                  stop=stop)
        except KeyboardInterrupt:
            print("holdem: interrupted before training started; nothing was written", file=sys.stderr)
            return EXIT_INTERRUPTED
        print(run_dir)
        return code

    return run_cli(go)


def script() -> int:
    """``python -m`` / ``holdem-train``: :func:`main`, then stop signals are ignored while the
    interpreter shuts down (it would put back the default action, and a late Ctrl-C or
    SIGTERM would kill a process whose work is already saved)."""
    code = main(keep_handlers=True)
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    return code


if __name__ == "__main__":
    sys.exit(script())
