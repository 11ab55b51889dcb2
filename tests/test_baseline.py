"""The queue-merge benchmark baseline (benchmarks/queue_merge_baseline.py): a fast sanity check.

The merge must lose no update, and the pre-fix ordering (join before draining the queue)
must hang with a payload larger than the pipe, be reported, and leave nothing running.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import psutil
import pytest

from holdem.config import load_config
from holdem.mccfr.problem import build_problem
from holdem.mccfr.solver_config import SolverConfig

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from queue_merge_baseline import QueueMergeTrainer, run_prefix_ordering  # noqa: E402

NO_DISCOUNT = SolverConfig(discount_interval=10**9, lcfr_threshold=0)


pytestmark = pytest.mark.usefixtures("no_leftovers")


@pytest.mark.timeout(180)
def test_merged_tables_are_the_sum_of_the_deltas(kuhn_problem):
    with QueueMergeTrainer(kuhn_problem, NO_DISCOUNT, workers=2, batch_size=500, keep_deltas=True) as trainer:
        trainer.run(4_000)
        trainer.run(1_250)  # a last batch shorter than batch_size
    assert trainer.iteration == 5_250 and trainer.batches_done == 11 == len(trainer.deltas)
    assert all(n > 0 for n in trainer.batches_by_worker)  # both workers merged batches
    for name in ("regret", "strategy", "updates"):
        total = np.zeros_like(trainer.master[name])
        for delta in trainer.deltas:  # same order as the merge: bit-identical in float32
            total += delta[name]
        np.testing.assert_array_equal(trainer.master[name], total, err_msg=name)
    # every row update a worker made arrived in the master tables
    assert int(trainer.master["updates"].sum()) == trainer.issued_updates > 5_250
    assert np.abs(trainer.master["strategy"]).sum() > 0


@pytest.mark.timeout(180)
def test_prefix_ordering_hangs_only_with_a_large_payload(kuhn_problem):
    small = run_prefix_ordering(kuhn_problem, NO_DISCOUNT, workers=2, batch_size=200, timeout=1.0)
    assert small["outcome"] == "completed" and small["batches_merged"] == 2 and not small["killed"]
    cfg = load_config(ROOT / "configs" / "nlhe-hu-small-hs.yaml")
    report = run_prefix_ordering(build_problem(cfg.game, cfg.abstraction), NO_DISCOUNT, workers=2,
                                 batch_size=200, timeout=1.0)
    assert report["outcome"] == "hung", report
    assert report["message"].startswith("hung") and report["waited_s"] >= 1.0
    if report["pipe_capacity_bytes"] is not None:
        assert report["delta_bytes"] > report["pipe_capacity_bytes"] > small["delta_bytes"]
    blocked = {w["pid"] for w in report["blocked_workers"]}
    assert blocked and set(report["killed"]) == blocked
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for pid in blocked)
