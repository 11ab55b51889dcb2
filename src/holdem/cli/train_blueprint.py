"""Train a blueprint: ``python -m holdem.cli.train_blueprint --config configs/leduc.yaml``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from holdem.cli.common import run_cli


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments (CLI values override the YAML's ``train`` section)."""
    p = argparse.ArgumentParser(prog="holdem-train", description=__doc__)
    p.add_argument("--config", required=True, type=Path, help="YAML run config (see configs/)")
    p.add_argument("--iters", type=int, help="total iterations to reach (resumed ones count)")
    p.add_argument("--time-budget", type=float, dest="time_budget", help="stop after SEC seconds")
    p.add_argument("--snapshot-interval", type=float, dest="snapshot_interval", help="seconds between snapshots")
    p.add_argument("--checkpoint-interval", type=int, dest="checkpoint_interval",
                   help="also snapshot every ITERS iterations")
    p.add_argument("--eval-interval", type=int, dest="eval_interval",
                   help="exact exploitability every ITERS iterations (small games)")
    p.add_argument("--logdir", type=Path, help="run directory (default runs/<timestamp>)")
    p.add_argument("--resume-from", type=Path, dest="resume_from", help="run directory or snapshot to continue")
    p.add_argument("--num-workers", type=int, dest="num_workers", help="worker processes (0 = all cores)")
    p.add_argument("--batch-size", type=int, dest="batch_size", help="iterations per batch")
    p.add_argument("--seed", type=int)
    p.add_argument("--tensorboard", action=argparse.BooleanOptionalAction, default=None,
                   help="write TensorBoard event files (needs holdem[tensorboard])")
    p.add_argument("--on-worker-failure", choices=("restart", "stop"), dest="on_worker_failure")
    p.add_argument("--check-updates", action="store_true", default=None, dest="check_updates",
                   help="keep an update counter per row (8 bytes a row) to prove no update is lost")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)

    def go() -> int:
        from holdem.config import load_config, with_train_overrides
        from holdem.run.train import train

        cfg = with_train_overrides(load_config(args.config), **vars(args))
        code, run_dir = train(cfg, args.logdir, args.resume_from)
        print(run_dir)
        return code

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
