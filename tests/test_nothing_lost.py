"""Issue #12, the parts below the CLIs: run directories that cannot be clobbered (marker,
exclusive lock, resume rules), one output-file rule, one number check, checksummed snapshot
metadata, a stop flag that later signals cannot break. The CLIs themselves:
tests/test_bad_input.py (bad input) and tests/test_interrupts.py (signals)."""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import wait_running

from holdem.config import RunConfig, TrainConfig, check_train
from holdem.core.files import check_output, write_atomic
from holdem.core.inputs import InputError, check_number, parse_number
from holdem.game.spec import kuhn
from holdem.run.directory import MARKER, RunError, RunLock, claim_run_dir, is_run_dir, resolve_snapshot
from holdem.run.signals import StopFlag
from holdem.run.snapshot import SnapshotError, load_snapshot, read_meta, save_snapshot

ROOT = Path(__file__).resolve().parent.parent


def tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` with its content (to prove nothing changed)."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# -- numbers ---------------------------------------------------------------------------
@pytest.mark.parametrize("value, rules, ok", [
    (3, {"integer": True, "low": 0}, True),
    (0, {"integer": True, "low": 0, "low_open": True}, False),
    (True, {"integer": True}, False),            # YAML true is not a count
    (2.5, {"integer": True}, False),
    (math.nan, {}, False),
    (math.inf, {}, False),
    (-math.inf, {"high": 0}, False),
    (-1.0, {"high": 0}, True),
    (0.5, {"low": 0, "high": 1}, True),
    (1.5, {"low": 0, "high": 1}, False),
    ("3", {}, False),
])
def test_check_number(value, rules, ok):
    if ok:
        assert check_number("x.y", value, **rules) == value
    else:
        with pytest.raises(InputError, match=r"^x\.y: invalid value"):
            check_number("x.y", value, **rules)


def test_parse_number_names_the_flag():
    assert parse_number("--n", "7", integer=True) == 7
    with pytest.raises(InputError, match="--n: invalid value 'nan'"):
        parse_number("--n", "nan", low=0)
    with pytest.raises(InputError, match="--n: invalid value 'x': expected an integer"):
        parse_number("--n", "x", integer=True)


@pytest.mark.parametrize("key, value", [
    ("time_budget", math.nan), ("snapshot_interval", math.inf), ("eval_interval", 0), ("eval_interval", -5),
    ("stall_timeout", math.nan), ("checkpoint_interval", 0), ("seed", -1), ("iters", -1),
])
def test_train_settings_refused(key, value):
    with pytest.raises(InputError, match=f"--{key.replace('_', '-')}: invalid value"):
        check_train(TrainConfig(**{key: value}), "cli")


# -- output files ----------------------------------------------------------------------
def test_output_rule(tmp_path):
    existing = tmp_path / "a.json"
    existing.write_text("user data")
    with pytest.raises(InputError, match="exists; pass --force"):
        check_output(existing)
    assert check_output(existing, force=True) == existing
    with pytest.raises(InputError, match="is a directory"):
        check_output(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="is not a directory"):
        check_output(tmp_path / "file" / "x" / "out.json")
    assert check_output(tmp_path / "new" / "deeper" / "out.json")  # parents can be made
    assert not (tmp_path / "new").exists()                          # ... but were not
    assert existing.read_text() == "user data"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_output_rule_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(InputError, match="permission denied"):
            check_output(ro / "out.json")
    finally:
        ro.chmod(0o755)


def test_write_atomic_replaces_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.json"
    write_atomic(target, "old")
    write_atomic(target, b"new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    assert (target.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- run directories -------------------------------------------------------------------
def _cfg() -> RunConfig:
    return RunConfig(kuhn(), train=TrainConfig(iters=10))


def _fake_run(path: Path, iteration: int = 5) -> Path:
    """A run directory with one snapshot, as the trainer leaves it."""
    run, lock = claim_run_dir(_cfg(), path, None)
    lock.release()
    cfg = _cfg()
    save_snapshot(run / "final", {"regret": np.zeros((12, 2), np.float32), "strategy": np.zeros((12, 2))},
                  {"iteration": iteration, "problem_hash": cfg.problem_hash(), "config": cfg.to_dict(),
                   "rng": ["1"], "elapsed": 1.0})
    return run


def test_claim_creates_marks_and_locks(tmp_path):
    run, lock = claim_run_dir(_cfg(), tmp_path / "r", None)
    try:
        assert (run / MARKER).exists() and (run / "config.yaml").exists() and is_run_dir(run)
        with pytest.raises(RunError, match=rf"in use by another trainer \(pid {os.getpid()}"):
            RunLock(run).acquire()  # a second open file description: flock refuses it
    finally:
        lock.release()
    RunLock(run).acquire().release()  # free again


def test_claim_refuses_foreign_and_other_runs(tmp_path):
    foreign = tmp_path / "mine"
    (foreign / "final").mkdir(parents=True)
    (foreign / "final" / "notes.txt").write_text("my notes")
    (foreign / "metrics.jsonl").write_text("{}\n")
    before = tree(foreign)
    with pytest.raises(RunError, match="is not a holdem run directory"):
        claim_run_dir(_cfg(), foreign, None)
    assert tree(foreign) == before
    a, b = _fake_run(tmp_path / "a"), _fake_run(tmp_path / "b")
    before = tree(b)
    with pytest.raises(RunError, match="already holds a run"):
        claim_run_dir(_cfg(), b, None)
    with pytest.raises(RunError, match="holds another run"):
        claim_run_dir(_cfg(), b, a / "final")
    assert tree(b) == before
    (tmp_path / "plain").write_text("")
    with pytest.raises(RunError, match="is a file"):
        claim_run_dir(_cfg(), tmp_path / "plain", None)


def test_resume_goes_into_its_own_run_or_an_empty_directory(tmp_path):
    a = _fake_run(tmp_path / "a")
    run, lock = claim_run_dir(_cfg(), None, a / "final")
    lock.release()
    assert run == a
    (tmp_path / "empty").mkdir()
    run, lock = claim_run_dir(_cfg(), tmp_path / "empty", a / "final")
    lock.release()
    assert is_run_dir(run)


def test_half_made_run_is_reused_with_one_clear_message(tmp_path, capsys):
    run, lock = claim_run_dir(_cfg(), tmp_path / "r", None)
    lock.release()
    (run / "metrics.jsonl").write_text('{"iteration": 10}\n')  # crashed before its first snapshot
    with pytest.raises(SnapshotError, match="holds no snapshot yet.*--config .*config.yaml --logdir"):
        resolve_snapshot(run)
    again, lock = claim_run_dir(_cfg(), run, None)
    lock.release()
    assert again == run and (run / "metrics.abandoned.jsonl").exists() and not (run / "metrics.jsonl").exists()
    assert "held no snapshot" in capsys.readouterr().err


def test_missing_and_foreign_policy_paths(tmp_path):
    with pytest.raises(SnapshotError, match="does not exist"):
        resolve_snapshot(tmp_path / "nope")
    with pytest.raises(SnapshotError, match="not a run or snapshot directory"):
        resolve_snapshot(tmp_path)


# -- snapshot metadata -----------------------------------------------------------------
def test_metadata_is_checksummed(tmp_path):
    run = _fake_run(tmp_path / "a")
    meta_path = run / "final" / "meta.json"
    good = meta_path.read_text()
    for edit in (lambda m: m.update(iteration=999_999_999), lambda m: m.pop("rng"),
                 lambda m: m["config"]["train"].update(seed=7)):
        meta = json.loads(good)
        edit(meta)
        meta_path.write_text(json.dumps(meta))
        with pytest.raises(SnapshotError, match="checksum mismatch .*meta_sha256"):
            read_meta(run / "final")
    meta_path.write_text(good)
    assert load_snapshot(run / "final")[1]["iteration"] == 5


def test_format_1_is_read_with_its_fields_checked(tmp_path):
    run = _fake_run(tmp_path / "a")
    meta_path = run / "final" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta.pop("meta_sha256")
    meta["version"] = 1
    meta_path.write_text(json.dumps(meta))
    assert read_meta(run / "final")["iteration"] == 5
    meta["rng"] = "12"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(SnapshotError, match="field 'rng' has invalid value"):
        read_meta(run / "final")


def test_damaged_tables_never_suggest_pickle(tmp_path):
    run = _fake_run(tmp_path / "a")
    (run / "final" / "tables.npz").write_bytes(b"garbage")
    with pytest.raises(SnapshotError) as e:
        load_snapshot(run / "final", verify=False)
    assert "allow_pickle" not in str(e.value) and "tables.npz" in str(e.value)


# -- the stop flag ---------------------------------------------------------------------
def test_stop_flag_counts_and_never_raises_once_armed():
    before = signal.getsignal(signal.SIGINT)
    with StopFlag() as stop:
        for _ in range(5):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
        assert stop.signal == signal.SIGINT and stop.count == 5 and stop.hurry
    assert signal.getsignal(signal.SIGINT) is before  # put back


def test_stop_flag_before_arming_raises_at_the_next_checkpoint():
    with StopFlag(armed=False) as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)  # nothing raised inside arbitrary code
        assert stop.count == 1 and stop.signal is None
        with pytest.raises(KeyboardInterrupt):
            stop.arm()
    with StopFlag(armed=False) as stop:
        with pytest.raises(KeyboardInterrupt):
            with stop.raising():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)
        stop.count = 0
        stop.arm()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)
        assert stop.is_set()


# -- two trainers, one run directory ---------------------------------------------------
def _train(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "holdem.cli.train_blueprint", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _done(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"hang: {proc.args}")
    return proc.returncode, err


@pytest.mark.timeout(300)
@pytest.mark.usefixtures("no_leftovers")
def test_second_trainer_is_refused_while_the_first_runs_and_accepted_after(tmp_path):
    run = tmp_path / "run"
    first = _train("--config", "configs/leduc.yaml", "--iters", "1000000000", "--batch-size", "2000",
                   "--logdir", str(run), "--checkpoint-interval", "20000")
    info = wait_running(run, first)
    for args in (["--resume-from", str(run), "--iters", "50"], ["--config", "configs/leduc.yaml", "--logdir", str(run)]):
        code, err = _done(_train(*args))
        assert code == 2 and err.count("\n") == 1, err
        assert f"in use by another trainer (pid {info['pid']}" in err or "already holds a run" in err, err
    assert first.poll() is None  # the first one is untouched and goes on
    first.send_signal(signal.SIGINT)
    code, err = _done(first)
    assert code == 0, err[-2000:]
    done_at = read_meta(run / "final")["iteration"]
    code, err = _done(_train("--resume-from", str(run), "--iters", str(done_at + 4000)))
    assert code == 0, err[-2000:]
    assert read_meta(run / "final")["iteration"] == done_at + 4000

    # a crashed trainer (SIGKILL: no final snapshot) frees the lock; its last checkpoint resumes
    crashed = _train("--resume-from", str(run), "--iters", "1000000000", "--batch-size", "2000",
                     "--checkpoint-interval", "20000", "--num-workers", "2")
    deadline = time.time() + 120
    while read_meta(resolve_snapshot(run))["iteration"] <= done_at + 4000:
        assert time.time() < deadline and crashed.poll() is None, "no checkpoint written"
        time.sleep(0.2)
    crashed.kill()
    crashed.communicate(timeout=60)
    code, err = _done(_train("--resume-from", str(run), "--iters", str(done_at + 50_000), "--num-workers", "2"))
    assert code == 0, err[-2000:]  # the lock of the dead trainer is gone; its segments are swept


def test_train_main_in_process_puts_the_handlers_back():
    from holdem.cli import train_blueprint

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with pytest.raises(SystemExit):
        train_blueprint.main(["--no-such-flag"])
    assert train_blueprint.main(["--config", str(ROOT / "configs" / "missing.yaml")]) == 2
    assert {sig: signal.getsignal(sig) for sig in before} == before
