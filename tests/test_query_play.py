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


@pytest.mark.timeout(400)
def test_play_and_query_with_search(run, tmp_path):
    """The bot searches from the flop on (scripted calls); query --search shows both strategies;
    bad search input gets one line and exit 2."""
    settings = tmp_path / "search.yaml"
    settings.write_text("search:\n  iterations: 20\n  time_budget: 0\n  runouts: 2\n")
    r = cli("play", "--policy", str(run), "--seed", "3", "--hands", "2", "--search", "--search-config",
            str(settings), stdin="c\n" * 60)
    assert r.returncode == 0, r.stderr
    assert "final session: 2 hands" in r.stdout and "Traceback" not in r.stdout + r.stderr
    r = cli("query", "--policy", str(run), "--hand", "AhKh", "--board", "Qh Jh 2c", "--history", "r4c/r7",
            "--search", "--search-config", str(settings))
    assert r.returncode == 0, r.stderr
    assert "20 DCFR iterations" in r.stdout and "search" in r.stdout and "blueprint" in r.stdout
    rows = [line.split() for line in r.stdout.splitlines() if re.match(r"^(f|c|r\d+)\s+\d", line)]
    assert rows and abs(sum(float(row[1]) for row in rows) - 1.0) < 1e-3
    for args in (["--history", "r4c/r99"], ["--board", "Ah Jh 2c", "--history", "r4c/"],
                 ["--history", "r4c/", "--board", "Qh Jh"]):
        bad = cli("query", "--policy", str(run), "--hand", "AhKh", "--board", "Qh Jh 2c", *args, "--search",
                  "--search-config", str(settings))
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1, bad.stderr
    settings.write_text("search:\n  iters: 5\n")
    bad = cli("query", "--policy", str(run), "--hand", "AhKh", "--search", "--search-config", str(settings))
    assert bad.returncode == 2 and "unknown key" in bad.stderr and bad.stderr.count("\n") == 1
