"""Snapshots: atomic writes survive SIGKILL at random moments; damage is detected."""
from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import numpy as np
import pytest

from holdem.run.snapshot import SnapshotError, list_snapshots, load_snapshot, prune_snapshots, save_snapshot

WRITER = """
import sys, numpy as np
from pathlib import Path
from holdem.run.snapshot import save_snapshot
d = Path(sys.argv[1])
i = 0
while True:
    i += 1
    a = np.full((1 << 20,), i, dtype=np.float32)   # 4 MiB: writes take long enough to be hit
    save_snapshot(d / "latest", {"regret": a, "strategy": a * 2}, {"iteration": i, "problem_hash": "x"})
    print(i, flush=True)
"""


@pytest.mark.timeout(120)
def test_sigkill_during_writes_never_corrupts_last_good(tmp_path):
    rng = random.Random(0)
    for trial in range(6):
        d = tmp_path / f"t{trial}"
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(d)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "1"  # at least one snapshot is complete
        time.sleep(rng.uniform(0.0, 0.4))
        proc.kill()
        proc.wait(10)
        arrays, meta = load_snapshot(d / "latest")  # verifies the checksum
        i = meta["iteration"]
        assert np.all(arrays["regret"] == i) and np.all(arrays["strategy"] == 2 * i)
        prune_snapshots(d, keep=1)  # removes leftovers of the interrupted write
        assert sorted(p.name for p in d.iterdir()) == ["latest"]


def test_damage_is_detected(tmp_path):
    a = np.arange(10, dtype=np.float32)
    snap = save_snapshot(tmp_path / "s", {"regret": a}, {"iteration": 3, "problem_hash": "h"})
    meta = json.loads((snap / "meta.json").read_text())
    meta["version"] = 99
    (snap / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(SnapshotError, match="version 99"):
        load_snapshot(snap)
    snap = save_snapshot(tmp_path / "t", {"regret": a}, {"iteration": 3, "problem_hash": "h"})
    (snap / "tables.npz").write_bytes((snap / "tables.npz").read_bytes()[:50])
    with pytest.raises(SnapshotError, match="checksum mismatch"):
        load_snapshot(snap)
    (snap / "meta.json").unlink()
    with pytest.raises(SnapshotError, match="missing"):
        load_snapshot(snap)


def test_keep_newest(tmp_path):
    a = np.zeros(3, dtype=np.float32)
    for i in (5, 20, 10, 15):
        save_snapshot(tmp_path / f"iter_{i:04d}", {"regret": a}, {"iteration": i, "problem_hash": "h"})
    prune_snapshots(tmp_path, keep=2)
    assert [p.name for p in list_snapshots(tmp_path)] == ["iter_0015", "iter_0020"]
