"""End-to-end through the command line: train, evaluate, export, sizes, resume, bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def cli(module: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", f"holdem.cli.{module}", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def test_train_eval_export_kuhn(tmp_path):
    run = tmp_path / "run"
    r = cli("train_blueprint", "--config", "configs/kuhn.yaml", "--iters", "20000", "--logdir", str(run),
            "--seed", "1", "--checkpoint-interval", "10000")
    assert r.returncode == 0, r.stderr
    assert (run / "final" / "meta.json").exists() and (run / "config.yaml").exists()
    records = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert records[-1]["iteration"] == 20000 and records[-1]["exploitability"] < 0.05
    r = cli("eval_blueprint", "--policy", str(run))
    assert r.returncode == 0, r.stderr
    result = json.loads((run / "eval.json").read_text())[0]
    assert result["exploitability"] == pytest.approx(records[-1]["exploitability"], abs=1e-9)
    out = tmp_path / "policy.json"
    r = cli("export_policy", "--run", str(run), "--out", str(out))
    assert r.returncode == 0, r.stderr
    policy = json.loads(out.read_text())
    assert len(policy) == 12
    assert set(policy["Ks||"]) == {"c", "r2"}
    assert sum(policy["Js||cr2"].values()) == pytest.approx(1.0)
    assert policy["Ks||cr2"]["c"] > 0.99  # the king always calls a bet
    r = cli("export_policy", "--run", str(run), "--out", str(out))
    assert r.returncode == 2 and "exists" in r.stderr  # nothing is overwritten


def test_resume_continues_exactly(tmp_path):
    straight, split = tmp_path / "a", tmp_path / "b"
    args = ["--config", "configs/leduc.yaml", "--seed", "5", "--batch-size", "3000"]
    assert cli("train_blueprint", *args, "--iters", "20000", "--logdir", str(straight)).returncode == 0
    assert cli("train_blueprint", *args, "--iters", "8000", "--logdir", str(split)).returncode == 0
    r = cli("train_blueprint", *args, "--iters", "20000", "--resume-from", str(split))
    assert r.returncode == 0, r.stderr
    a = np.load(straight / "final" / "tables.npz")
    b = np.load(split / "final" / "tables.npz")
    assert np.array_equal(a["regret"], b["regret"]) and np.array_equal(a["strategy"], b["strategy"])
    evals_a = {r["iteration"]: r["exploitability"] for r in map(json.loads, (straight / "metrics.jsonl").read_text().splitlines()) if "exploitability" in r}
    evals_b = {r["iteration"]: r["exploitability"] for r in map(json.loads, (split / "metrics.jsonl").read_text().splitlines()) if "exploitability" in r}
    assert evals_a[10000] == evals_b[10000] and evals_a[20000] == evals_b[20000]


def test_resume_refuses_other_game(tmp_path):
    run = tmp_path / "k"
    assert cli("train_blueprint", "--config", "configs/kuhn.yaml", "--iters", "1000", "--logdir", str(run)).returncode == 0
    r = cli("train_blueprint", "--config", "configs/leduc.yaml", "--resume-from", str(run), "--logdir", str(tmp_path / "x"))
    assert r.returncode == 2 and "game.name is 'leduc', the run was trained with 'kuhn'" in r.stderr
    r = cli("train_blueprint", "--config", "configs/kuhn.yaml", "--iters", "1000", "--logdir", str(run))
    assert r.returncode == 2 and "already holds a run" in r.stderr


def test_tampered_snapshot_is_refused(tmp_path):
    run = tmp_path / "k"
    assert cli("train_blueprint", "--config", "configs/kuhn.yaml", "--iters", "1000", "--logdir", str(run)).returncode == 0
    tables = run / "final" / "tables.npz"
    data = bytearray(tables.read_bytes())
    data[-10] ^= 0xFF
    tables.write_bytes(bytes(data))
    r = cli("eval_blueprint", "--policy", str(run / "final"))
    assert r.returncode == 2 and "checksum mismatch" in r.stderr and r.stderr.count("\n") == 1


@pytest.mark.parametrize("yaml_text, match", [
    ("game: holdem9\n", "unknown preset 'holdem9'"),
    ("game: leduc\ntrain: {iters: many}\n", "train.iters: invalid value 'many'"),
    ("game: {preset: leduc, stacks: [13, -1]}\n", "game.stacks"),
    ("game: {preset: leduc, board_cards: [0, 9]}\n", "deck holds only 6"),
])
def test_bad_config_exit_2(tmp_path, yaml_text, match):
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text)
    r = cli("train_blueprint", "--config", str(path), "--logdir", str(tmp_path / "run"))
    assert r.returncode == 2
    assert match in r.stderr and r.stderr.strip().count("\n") == 0  # one line
    assert not (tmp_path / "run").exists()


def test_tree_stats():
    r = cli("tree_stats", "--config", "configs/leduc.yaml")
    assert r.returncode == 0, r.stderr
    assert "936" in r.stdout and "tables:" in r.stdout
