"""Build the strategy report of a blueprint and write it as a static site.

The site is ``index.html``, ``report.js`` and ``report.css`` (from ``static/``, copied as
they are) and ``data.js``, which sets ``window.HOLDEM_REPORT`` (a script, not JSON fetched
at run time, so the page opens from ``file://``). The data: the run's summary, its training
curves as SVG, and per spot its actions and the 169 cells of the grid. The tables are read
through memory maps (:func:`holdem.eval.blueprint.map_blueprint`), only the rows shown.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from holdem.core.cards import parse_cards
from holdem.core.files import nearest_existing, replace_dir
from holdem.core.inputs import InputError
from holdem.eval.blueprint import MappedBlueprint
from holdem.report.grid import GridCell, cell_mixes, check_holdem, grid_cells, pair_buckets
from holdem.report.plots import eval_charts, metric_charts, read_metrics
from holdem.report.spots import STREET_NAMES, Spot, action_kinds, action_text, find_spot, seat_names, walk_spots
from holdem.run.directory import run_dir_of

STATIC = Path(__file__).with_name("static")
STATIC_FILES = ("index.html", "report.js", "report.css")
MARKER = ".holdem-report"
DIGITS = 7  # probabilities in data.js: a cell's sum stays within 1e-6 of 1


def parse_spot_board(text: str) -> list[str]:
    """Board cards dealt so far (``query --board``): 0 to 5 distinct cards."""
    return parse_board(text) if text.strip() else []


def parse_board(text: str) -> list[str]:
    """Board cards of ``--board`` ('Ks Qd 9h', 'KsQd9h'), 3 to 5 distinct cards."""
    from holdem.core.cards import format_card
    try:
        cards = [format_card(c) for c in parse_cards(text)]
    except ValueError as e:
        raise InputError(f"--board {text!r}: {e}") from None
    if not 3 <= len(cards) <= 5 or len(set(cards)) != len(cards):
        raise InputError(f"--board {text!r}: give 3 (flop), 4 (turn) or 5 (river) distinct cards")
    return cards


def _round(probs: np.ndarray) -> list[float]:
    return [round(float(p), DIGITS) for p in probs]


def spot_data(bp: MappedBlueprint, spot: Spot, spots: list[Spot], cells: list[GridCell],
              boards: dict[str, tuple[np.ndarray, np.ndarray]], names: list[str],
              which: str = "average") -> dict[str, Any]:
    """The report's record of one spot: who acts, its actions, the 169 cells (of the
    blueprint, or with ``which="current"`` of the regret-matching strategy)."""
    problem = bp.problem
    tree, spec = problem.tree, problem.spec
    node = spot.node
    street = int(tree.street[node])
    buckets, blocked = boards[spot.board]
    live = np.unique(buckets[~blocked])
    num_actions = int(tree.num_actions[node])
    probs = bp.node_probs(node, live, which)
    by_bucket = {int(b): probs[k] for k, b in enumerate(live)}
    pair_probs = np.zeros((len(buckets), num_actions))
    lookup = np.searchsorted(live, buckets)
    pair_probs[~blocked] = probs[lookup[~blocked]]
    mixes = cell_mixes(cells, pair_probs, blocked)
    seat = int(tree.player[node])
    contrib = [int(x) for x in tree.contrib[node]]
    first = int(tree.first_edge[node])
    actions = []
    for k, (label, kind, color) in enumerate(action_kinds(tree, spec, node)):
        kids = spot.children.get(first + k, [])
        actions.append({"label": label, "text": action_text(tree, spec, node, first + k), "kind": kind,
                        "color": color, "child": kids[0] if kids else None,
                        "children": [{"id": c, "board": spots[c].board} for c in kids]})
    return {
        "id": spot.id, "parent": spot.parent, "via": spot.via, "history": tree.betting_string(node),
        "street": street, "street_name": STREET_NAMES[street] if street < len(STREET_NAMES) else f"street {street}",
        "board": spot.board, "seat": seat, "seat_name": names[seat], "pot": sum(contrib),
        "to_call": max(contrib) - contrib[seat], "stacks": [s - c for s, c in zip(spec.stacks, contrib)],
        "depth": spot.depth, "actions": actions,
        "cells": [{"hand": c.hand, "probs": None if m is None else _round(m),
                   "combos": [[cards, int(buckets[h]), bool(blocked[h])] for h, cards in zip(c.combos, c.cards)]}
                  for c, m in zip(cells, mixes)],
        "bucket_probs": {str(b): _round(p) for b, p in by_bucket.items()},
    }


def grid_spot(bp: MappedBlueprint, history: str, board: list[str], current: bool = False) -> dict[str, Any]:
    """The spot record of one history (``query --grid``), checked like ``query``."""
    problem = bp.problem
    check_holdem(problem)
    tree, spec = problem.tree, problem.spec
    node = find_spot(tree, spec, history, len(board))
    street = int(tree.street[node])
    spot = Spot(0, node, None, None, 0, " ".join(board))
    tables = {spot.board: pair_buckets(problem, street, parse_cards(spot.board) if board else [])}
    return spot_data(bp, spot, [spot], grid_cells(), tables, seat_names(spec), "current" if current else "average")


def build_report(bp: MappedBlueprint, boards: list[list[str]], depth: int, max_spots: int) -> dict[str, Any]:
    """The whole ``window.HOLDEM_REPORT`` object of a blueprint."""
    start = time.time()
    problem = bp.problem
    check_holdem(problem)
    spec, tree = problem.spec, problem.tree
    spots = walk_spots(tree, spec, depth, boards, max_spots)
    cells = grid_cells()
    tables: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for spot in spots:
        if spot.board not in tables:
            ids = parse_cards(spot.board) if spot.board else []
            tables[spot.board] = pair_buckets(problem, int(tree.street[spot.node]), ids)
    names = seat_names(spec)
    records = [spot_data(bp, s, spots, cells, tables, names) for s in spots]
    run_dir = run_dir_of(bp.path)
    layout = problem.layout
    cfg = bp.config
    summary = {
        "run": str(run_dir), "snapshot": str(bp.path), "game": spec.name, "players": spec.num_players, "seat_names": names,
        "stacks": list(spec.stacks), "blinds": list(spec.blinds), "abstraction": _describe(cfg.abstraction),
        "iterations": bp.iteration, "elapsed_s": float(bp.meta.get("elapsed", 0.0)), "rows": int(layout.num_rows),
        "table_bytes": int(bp.strategy.nbytes + bp.regret.nbytes), "averaging": cfg.solver.average,
        "generated": time.strftime("%Y-%m-%d %H:%M:%S"), "build_seconds": round(time.time() - start, 2),
    }
    return {"version": 1, "summary": summary, "plots": metric_charts(read_metrics(run_dir / "metrics.jsonl")) + eval_charts(run_dir / "eval.json"),
            "ranks": "AKQJT98765432", "spots": records, "boards": [" ".join(b) for b in boards]}


def _describe(abstraction: dict[str, Any]) -> str:
    kind = abstraction.get("kind")
    if kind == "buckets":
        return f"bucket file {abstraction.get('preset') or abstraction.get('path')}"
    if kind == "hand-strength":
        return "hand strength " + "/".join(str(abstraction.get(k, "?")) for k in ("k_flop", "k_turn", "k_river"))
    return str(kind)


def check_report_dir(out: Path, force: bool) -> Path:
    """``out`` if a report may be written there: new, empty, or (with ``force``) a report."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file; give a directory for the report")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise InputError(f"--out {out}: exists and is not a holdem report; give a new or empty directory")
        if not force:
            raise InputError(f"--out {out}: holds a report; pass --force to replace it, or choose another directory")
    base = nearest_existing(out.parent)
    if not base.is_dir() or not os.access(base, os.W_OK | os.X_OK):
        raise InputError(f"--out {out}: cannot write in {base}; choose another location")
    return out


def write_site(report: dict[str, Any], out: Path, png: bool = False) -> Path:
    """Write the site into ``out`` all at once (a directory beside it, then renamed); with
    ``png`` also ``png/spot-<id>.png``, the grid of every spot (:mod:`holdem.report.png`)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".tmp-{out.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for name in STATIC_FILES:
            shutil.copyfile(STATIC / name, tmp / name)
        with open(tmp / "data.js", "w") as f:
            f.write("window.HOLDEM_REPORT = ")
            json.dump(report, f, separators=(",", ":"))
            f.write(";\n")
        if png:
            from holdem.report.png import grid_image, write_png
            (tmp / "png").mkdir()
            for spot in report["spots"]:
                write_png(tmp / "png" / f"spot-{spot['id']}.png", grid_image(spot))
        (tmp / MARKER).write_text(json.dumps({"generated": report["summary"]["generated"]}) + "\n")
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
