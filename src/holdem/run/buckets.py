"""The bucket file of a run: built on first use for a preset, its checksum recorded."""
from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import replace

from holdem.abstraction.bucket_file import read_bucket_meta
from holdem.abstraction.card_abstraction import bucket_path
from holdem.config import RunConfig
from holdem.run.directory import RunError
from holdem.run.signals import StopFlag


def ensure_buckets(cfg: RunConfig, stop: StopFlag | None = None) -> RunConfig:
    """For a bucket-file abstraction: build a preset's file on first use, record its SHA-256.
    The build can be interrupted (``stop``: the run's signal handler; finished stages stay cached)."""
    if cfg.abstraction["kind"] != "buckets":
        return cfg
    path = bucket_path(cfg.abstraction)
    if not path.exists() and "preset" in cfg.abstraction:
        from holdem.abstraction.build import PRESETS, BuildParams, build
        print(f"holdem: building the {cfg.abstraction['preset']!r} bucket file {path} (first use; minutes, "
              "cached afterwards)", file=sys.stderr)
        with stop.raising() if stop is not None else nullcontext():
            build(BuildParams(*PRESETS[cfg.abstraction["preset"]]), path,
                  log=lambda m: print(f"holdem: {m}", file=sys.stderr))
    digest = read_bucket_meta(path)["sha256"]
    recorded = cfg.abstraction.get("sha256")
    if recorded is not None and recorded != digest:
        raise RunError(f"{path}: bucket file differs from the one this config/run recorded "
                       f"({digest[:12]}... vs {recorded[:12]}...); use the run's own buckets")
    return replace(cfg, abstraction=dict(cfg.abstraction, sha256=digest))
