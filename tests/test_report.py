"""The strategy report (issue #15), below the browser: the grid's cells and combos, the spots,
the data behind every cell checked against the blueprint itself, the terminal grid, the CLI's
output rule, memory-mapped tables. The page in a real browser: tests/test_report_browser.py."""
from __future__ import annotations

import json
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from holdem.eval.blueprint import load_blueprint, map_blueprint
from holdem.report.grid import GRID_RANKS, grid_cells
from holdem.report.plots import line_chart
from holdem.report.site import build_report, grid_spot
from holdem.report.terminal import render_grid
from holdem.run.snapshot import load_snapshot, map_tables

ROOT = Path(__file__).resolve().parent.parent
BOARD = ["Ks", "Qd", "9h"]


def cli(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", f"holdem.cli.{module}", *args], capture_output=True, text=True,
                           timeout=300, cwd=ROOT)


@pytest.fixture(scope="module")
def holdem_run(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("report") / "run"
    r = cli("train_blueprint", "--config", "configs/nlhe-hu-small-hs.yaml", "--iters", "3000",
            "--batch-size", "1000", "--logdir", str(run))
    assert r.returncode == 0, r.stderr[-2000:]
    return run


def test_grid_layout():
    cells = grid_cells()
    assert len(cells) == 169
    assert sorted(h for c in cells for h in c.combos) == list(range(1326))  # every hole pair once
    for i in range(13):
        for j in range(13):
            c = cells[i * 13 + j]
            if i == j:
                assert c.hand == GRID_RANKS[i] * 2 and len(c.combos) == 6
            elif i < j:  # suited above the diagonal
                assert c.hand == GRID_RANKS[i] + GRID_RANKS[j] + "s" and len(c.combos) == 4
                assert all(cards[1] == cards[3] for cards in c.cards)
            else:
                assert c.hand == GRID_RANKS[j] + GRID_RANKS[i] + "o" and len(c.combos) == 12
                assert all(cards[1] != cards[3] for cards in c.cards)


@pytest.mark.timeout(300)
def test_every_cell_is_the_blueprint(holdem_run):
    """Each combo's bucket is the abstraction's own; each bucket's mix is the blueprint's row;
    each cell is the mean of its unblocked combos; blocked combos are exactly those sharing a
    card with the board (all 169 cells of the root and of a flop spot)."""
    mapped, full = map_blueprint(holdem_run), load_blueprint(holdem_run)
    problem = full.problem
    report = build_report(mapped, [BOARD], depth=3, max_spots=50)
    spots = report["spots"]
    assert spots[0]["history"] == "" and spots[0]["parent"] is None
    flop = next(s for s in spots if s["street"] == 1)
    for spot in (spots[0], flop):
        node = problem.tree.find(spot["history"])
        board = "".join(spot["board"].split())
        for cell in spot["cells"]:
            live = []
            for cards, bucket, blocked in cell["combos"]:
                assert blocked == any(cards[k:k + 2] in board for k in (0, 2))
                if blocked:
                    continue
                assert bucket == problem.abstraction.bucket_of(spot["street"], cards, board)
                mix = spot["bucket_probs"][str(bucket)]
                np.testing.assert_allclose(mix, full.average[problem.layout.slots(node, bucket)], atol=1e-6)
                live.append(mix)
            if live:
                np.testing.assert_allclose(cell["probs"], np.mean(live, axis=0), atol=1e-6)
                assert abs(sum(cell["probs"]) - 1) < 1e-6
            else:
                assert cell["probs"] is None
    kk = next(c for c in flop["cells"] if c["hand"] == "KK")
    assert sum(b for _, _, b in kk["combos"]) == 3 and kk["probs"] is not None
    # children link back, and a child's history extends its parent's by the action
    for s in spots[1:]:
        parent = spots[s["parent"]]
        assert any(a["child"] == s["id"] and a["label"] == s["via"] for a in parent["actions"])
        assert s["history"].replace("/", "").startswith(parent["history"].replace("/", ""))


@pytest.mark.timeout(300)
def test_report_cli_and_output_rule(holdem_run, tmp_path):
    out = tmp_path / "site"
    r = cli("report", "--policy", str(holdem_run), "--out", str(out), "--board", "Ks Qd 9h", "--depth", "3", "--png")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "spots" in r.stdout and "peak memory" in r.stdout
    for name in ("index.html", "report.js", "report.css", "data.js"):
        assert (out / name).exists()
    text = (out / "data.js").read_text()
    data = json.loads(text[text.index("=") + 1:].rstrip().rstrip(";"))
    assert data["summary"]["iterations"] == 3000 and data["spots"][0]["cells"][0]["hand"] == "AA"
    pngs = sorted((out / "png").iterdir())
    assert len(pngs) == len(data["spots"])
    png = pngs[0].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (13 * 44, 13 * 44 + 28)
    before = (out / "data.js").read_bytes()
    r = cli("report", "--policy", str(holdem_run), "--out", str(out))
    assert r.returncode == 2 and "--force" in r.stderr and r.stderr.count("\n") == 1
    assert (out / "data.js").read_bytes() == before
    assert cli("report", "--policy", str(holdem_run), "--out", str(out), "--force").returncode == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("x")
    r = cli("report", "--policy", str(holdem_run), "--out", str(mine), "--force")
    assert r.returncode == 2 and "not a holdem report" in r.stderr and (mine / "notes.txt").read_text() == "x"
    r = cli("report", "--policy", str(holdem_run), "--out", str(tmp_path / "x"), "--board", "Ks Ks 9h")
    assert r.returncode == 2 and "--board" in r.stderr
    r = cli("report", "--policy", str(holdem_run), "--out", str(tmp_path / "x"), "--board", "Ks Qd 9h 2c 3c 4c")
    assert r.returncode == 2 and "--board" in r.stderr


@pytest.mark.timeout(300)
def test_query_grid(holdem_run):
    r = cli("query", "--policy", str(holdem_run), "--grid", "--history", "cc/", "--board", "Ks Qd 9h")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 15 and lines[1].startswith("AA ") and "\x1b[" not in r.stdout  # no colours in a pipe
    spot = grid_spot(map_blueprint(holdem_run), "cc/", BOARD)
    colored = render_grid(spot, color=True)
    assert colored.count("\x1b[0m") >= 169
    r = cli("query", "--policy", str(holdem_run), "--grid", "--history", "cc/")
    assert r.returncode == 2 and "--board" in r.stderr
    r = cli("query", "--policy", str(holdem_run), "--grid", "--hand", "AKs")
    assert r.returncode == 2 and "--hand" in r.stderr


def test_mapped_tables_equal_loaded(holdem_run):
    mapped, meta = map_tables(holdem_run / "final")
    loaded, _ = load_snapshot(holdem_run / "final")
    assert set(mapped) == set(loaded)
    for name in loaded:
        assert mapped[name].dtype == loaded[name].dtype and np.array_equal(mapped[name], loaded[name])


def test_chart_is_valid_svg():
    svg = line_chart("t", [("a", [(0.0, 1.0), (10.0, 0.1)]), ("b", [(0.0, 2.0), (10.0, 3.0)])], log=True)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 2


SIX_MAX = """
game:
  preset: nlhe
  num_players: 6
  stacks: [40, 40, 40, 40, 40, 40]
  raise_sizes: [[[1.0]], [[1.0]], [[1.0]], [[1.0]]]
  max_raises: [1, 0, 0, 0]
abstraction: {kind: hand-strength, k_flop: 2, k_turn: 2, k_river: 2}
train: {iters: 400, batch_size: 200}
"""


@pytest.mark.timeout(300)
def test_six_max_report_has_a_spot_per_seat(tmp_path):
    config = tmp_path / "6max.yaml"
    config.write_text(SIX_MAX)
    run = tmp_path / "run"
    r = cli("train_blueprint", "--config", str(config), "--logdir", str(run))
    assert r.returncode == 0, r.stderr[-2000:]
    report = build_report(map_blueprint(run), [BOARD], depth=6, max_spots=2000)
    spots = report["spots"]
    preflop = [s for s in spots if s["street"] == 0]
    # seat 2 (UTG) opens; every seat acts at some preflop spot, named by its position
    assert spots[0]["seat_name"] == "UTG" and {s["seat_name"] for s in preflop} == {"UTG", "MP", "CO", "BTN", "SB", "BB"}
    assert all(len(s["cells"]) == 169 and len(s["stacks"]) == 6 for s in spots)
    assert any(s["street"] == 1 and s["board"] == "Ks Qd 9h" for s in spots)


def test_two_boards_give_two_postflop_subtrees(holdem_run):
    report = build_report(map_blueprint(holdem_run), [BOARD, ["2c", "7d", "Th", "Js"]], depth=4, max_spots=400)
    spots = report["spots"]
    call = next(a for a in spots[1]["actions"] if a["label"] == "c")  # SB limps, BB checks: the flop
    assert [c["board"] for c in call["children"]] == ["Ks Qd 9h", "2c 7d Th"]
    assert {s["board"] for s in spots if s["street"] == 2} == {"2c 7d Th Js"}  # the turn of the 4-card board
    assert report["summary"]["seat_names"] == ["SB (button)", "BB"]


def test_eval_results_become_a_chart(tmp_path):
    from holdem.report.plots import eval_charts

    (tmp_path / "eval.json").write_text(json.dumps([
        {"iteration": 1000, "lbr": {"mbb_per_hand": 900.0}, "head_to_head": {"always-call": {"mbb_per_hand": 50.0}}},
        {"iteration": 2000, "lbr": {"mbb_per_hand": 400.0}, "head_to_head": {"always-call": {"mbb_per_hand": 80.0}}},
        {"iteration": 3000, "lbr_tree": {"mbb_per_hand": 300.0}, "lbr": {"fcpa 3-4": {"mbb_per_hand": 2500.0}},
         "real_match": {"runs/b": {"heads-up": {"mbb_per_hand": 20.0, "aivat": {"mbb_per_hand": 25.0}}}}},
    ]))
    charts = eval_charts(tmp_path / "eval.json")
    svg = charts[0]["svg"]
    assert len(charts) == 1 and "LBR tree" in svg and "vs always-call" in svg  # an older file's in-tree "lbr"
    assert "LBR fcpa 3-4" in svg and "real vs b" in svg and "real vs b AIVAT" in svg
    assert eval_charts(tmp_path / "missing.json") == []
