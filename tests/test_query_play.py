"""The query and play command lines on a trained small heads-up no-limit run."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from holdem.cli import query

ROOT = Path(__file__).resolve().parent.parent


def cli(module: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", f"holdem.cli.{module}", *args], capture_output=True, text=True,
                          input=stdin, timeout=300, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("qp") / "run"
    r = cli("train_blueprint", "--config", "configs/nlhe-hu-small-hs.yaml", "--iters", "20000", "--logdir", str(path))
    assert r.returncode == 0, r.stderr
    return path


def probabilities(stdout: str) -> dict[str, float]:
    """{action: probability} from the query table."""
    rows = [line.split() for line in stdout.splitlines() if re.match(r"^(f|c|r\d+)\s", line)]
    return {row[0]: float(row[-1]) for row in rows}


@pytest.mark.timeout(240)
def test_query_prints_a_distribution(run):
    r = cli("query", "--policy", str(run), "--hand", "AhKs", "--history", "r6", "--position", "1")
    assert r.returncode == 0, r.stderr
    assert "AhKs||r6" in r.stdout and "AKo||r6" in r.stdout and "bucket" in r.stdout
    probs = probabilities(r.stdout)
    assert set(probs) == {"f", "c", "r18", "r40"} and sum(probs.values()) == pytest.approx(1.0, abs=2e-4)
    assert "raise to 18" in r.stdout and "1.00" in r.stdout  # a pot-sized raise, in chips and pot fraction


@pytest.mark.timeout(120)
def test_query_postflop_and_bad_input(run, capsys):
    assert query.main(["--policy", str(run), "--hand", "7c2d", "--board", "Qs Jh 2c", "--history", "cc/"]) == 0
    out = capsys.readouterr().out
    assert "hs" in out and sum(probabilities(out).values()) == pytest.approx(1.0, abs=2e-4)
    bad = [
        (["--hand", "AhXs"], "unknown rank"),
        (["--hand", "AhAh"], "duplicate card"),
        (["--hand", "AhKs", "--board", "AhQsJs", "--history", "cc/"], "duplicate card Ah"),
        (["--hand", "AhKs", "--history", "r3"], "below the minimum raise"),
        (["--hand", "AhKs", "--history", "r7"], "not in the tree"),
        (["--hand", "AhKs", "--history", "rx"], "unexpected character"),
        (["--hand", "AhKs", "--history", "cc"], "flop needs 3"),
        (["--hand", "AhKs", "--history", "r6", "--position", "0"], "seat 1 is to act"),
    ]
    for args, message in bad:
        assert query.main(["--policy", str(run), *args]) == 2, args
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (args, err)


SCRIPT = "\n".join([
    "hello",      # unknown command
    "Ks",         # card-like junk
    "r 3",        # below the minimum raise
    "r 1000",     # above the stack
    "f",          # hand 1 (small blind): a fold is legal here
    "k",          # hand 2 (big blind): check or call whatever the bot did
    "k", "k", "k", "k", "k", "k",
    "pot", "c", "half", "c", "allin", "c", "c",
]) + "\n"


@pytest.mark.timeout(240)
def test_play_scripted_session(run):
    r = cli("play", "--policy", str(run), "--seed", "7", stdin=SCRIPT)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "Traceback" not in out + r.stderr
    assert "unknown command 'hello'" in out and "unknown command 'Ks'" in out
    assert "below the minimum raise" in out and "above the stack" in out
    assert "=== hand 2:" in out and re.search(r"you (win|lose)|bot wins|split pot", out)
    final = out.strip().splitlines()[-1]
    m = re.match(r"final session: (\d+) hands, you ([+-]\d+) chips", final)
    assert m and int(m.group(1)) >= 1, final
    # the score is the sum of the hands' results
    results = [int(x) for x in re.findall(r"you win (\d+)", out)] + \
        [-int(x) for x in re.findall(r"bot wins (\d+)", out)]
    assert sum(results) == int(m.group(2))


@pytest.mark.timeout(240)
def test_play_stops_after_hands_and_seat(run):
    r = cli("play", "--policy", str(run), "--seed", "1", "--hands", "2", "--seat", "1", stdin="c\n" * 50)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("=== hand") == 2 and "you are seat 1 (big blind)" in r.stdout
    assert "final session: 2 hands" in r.stdout
    r = cli("play", "--policy", str(run), "--hands", "0", stdin="")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
