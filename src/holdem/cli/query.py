"""Look up one spot of a blueprint: ``python -m holdem.cli.query --policy RUN --hand AhKs
[--board "Qs Jh 2c"] --history "<ACPC betting>" [--position SEAT]``.

With ``--grid`` (Hold'em) it prints the 13x13 grid of all starting hands at the spot
instead: each cell's most likely action, coloured on a terminal (letters otherwise).

Prints the infoset key (the cards as given and as the blueprint's bucket), the bucket, and
each abstract action's probability (average strategy; ``--current`` for regret matching)
with its size in chips (the chips the actor has committed in the hand after the action,
ACPC ``r<chips>``) and as a pot fraction (chips added beyond a call over the pot after
calling, the tree's sizing rule; a call as a fraction of the pot before it).

The history must follow the blueprint's betting tree (ACPC: ``f``, ``c``, ``r<chips>``,
streets separated by ``/``); ``--position`` checks that this seat is the one to act.
Unknown or duplicate cards, an illegal or off-tree history, or a wrong board size print one
line and exit with status 2.

With ``--search`` (heads-up Hold'em) the history may use any legal sizes (ACPC ``r<chips>``):
it shows the search agent's strategy at the spot (beliefs from the history, the round
solved in real time, :mod:`holdem.search`) beside the blueprint's, the solve's time and
iterations, and the opponent's range size at the round's start.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from holdem.cli.common import ArgumentParser, number, run_cli

if TYPE_CHECKING:
    from holdem.eval.blueprint import Blueprint, MappedBlueprint
    from holdem.game.spec import GameSpec

STREET_NAMES = ("preflop", "flop", "turn", "river")


def parse_spec_cards(spec: GameSpec, text: str, what: str) -> list[str]:
    """Cards of ``text`` ('AhKs', 'Ah Ks', '10h') as ['Ah', 'Ks'], checked against the game's deck."""
    from holdem.core.cards import format_card, parse_cards

    try:
        ids = parse_cards(text)
    except ValueError as err:
        raise ValueError(f"{what}: {err}") from None
    out = []
    for c in ids:
        card = format_card(c)
        if card[0] not in spec.ranks or card[1] not in spec.suits:
            raise ValueError(f"{what}: card {card} is not in the deck of {spec.name!r} "
                             f"(ranks {spec.ranks}, suits {spec.suits})")
        out.append(card)
    return out


def hand_class_combo(spec: GameSpec, text: str) -> str | None:
    """A combo of the starting-hand class ``text`` ('AKs', '72o', 'TT'), or None if ``text``
    is not a class. Preflop every combo of a class is the same infoset (suit isomorphism)."""
    t = text.strip()
    if spec.hole_cards != 2 or len(t) not in (2, 3) or any(c not in spec.ranks for c in t[:2].upper()):
        return None
    hi, lo = t[0].upper(), t[1].upper()
    kind = t[2:].lower()
    top, second = spec.suits[-1], spec.suits[-2] if len(spec.suits) > 1 else None
    if hi == lo:
        if kind or second is None:
            raise ValueError(f"--hand {text!r}: a pair is written like 'TT' (no s/o)")
        return f"{hi}{top}{lo}{second}"
    if kind not in ("s", "o"):
        raise ValueError(f"--hand {text!r}: say {hi}{lo}s (suited) or {hi}{lo}o (offsuit), or give two cards")
    if kind == "o" and second is None:
        raise ValueError(f"--hand {text!r}: the deck of {spec.name!r} has one suit")
    return f"{hi}{top}{lo}{top if kind == 's' else second}"


def describe_spot(bp: Blueprint | MappedBlueprint, hand: str, board: str, history: str, position: int | None = None,
                  which: str = "average") -> dict[str, Any]:
    """The infoset of ``hand``/``board`` after ``history`` and its action probabilities, as a dict."""
    from holdem.report.spots import find_spot
    from holdem.mccfr import infoset

    problem = bp.problem
    spec, tree = problem.spec, problem.tree
    combo = hand_class_combo(spec, hand)
    if combo is not None and board:
        raise ValueError(f"--hand {hand!r}: a hand class names one infoset only preflop; with a board give "
                         "two cards, e.g. --hand AhKs")
    hole = parse_spec_cards(spec, combo or hand, "--hand")
    cards = parse_spec_cards(spec, board, "--board") if board else []
    seen: set[str] = set()
    for c in hole + cards:
        if c in seen:
            raise ValueError(f"duplicate card {c} in --hand {hand!r} / --board {board!r}")
        seen.add(c)
    if len(hole) != spec.hole_cards:
        raise ValueError(f"--hand: {len(hole)} cards given, {spec.name!r} deals {spec.hole_cards}")
    node = find_spot(tree, spec, history, len(cards))
    street = int(tree.street[node])
    seat = int(tree.player[node])
    if position is not None and position != seat:
        raise ValueError(f"--position {position}: after {history!r} seat {seat} is to act, not seat {position}")
    row, _ = infoset.row_of(problem, "".join(hole), "".join(cards), history)
    bucket = row - int(problem.layout.row_base[node])
    label_hole, label_board = problem.abstraction.bucket_cards(street, bucket)
    probs = bp.node_probs(node, [bucket], which)[0]
    contrib = [int(x) for x in tree.contrib[node]]
    pot = sum(contrib)
    bet = max(contrib)
    pot_after_call = pot + bet - contrib[seat]
    actions = []
    first = int(tree.first_edge[node])
    for k, label in enumerate(infoset.action_labels(problem, node)):
        e = first + k
        amount = int(tree.edge_amount[e])
        if label == "f":
            chips, frac, text = 0, 0.0, "fold"
        elif label == "c":
            chips = amount - contrib[seat]
            frac = chips / pot
            text = f"call {chips}" if chips else "check"
        else:
            chips = amount - contrib[seat]
            frac = (amount - bet) / pot_after_call
            text = f"raise to {amount} (+{chips})" + (" all-in" if amount == spec.stacks[seat] else "")
        actions.append({"action": label, "size": text, "to": amount, "chips": chips,
                        "pot_fraction": frac, "probability": float(probs[k])})
    return {"infoset": f"{''.join(hole)}|{''.join(cards)}|{history}",
            "key": infoset.infoset_key(problem, row), "row": row, "node": node, "seat": seat,
            "street": street, "bucket": bucket, "num_buckets": int(problem.abstraction.num_buckets[street]),
            "bucket_label": label_hole + (f" {label_board}" if label_board else ""),
            "pot": pot, "to_call": bet - contrib[seat], "actions": actions}


def _street(s: int) -> str:
    return STREET_NAMES[s] if s < len(STREET_NAMES) else f"street {s}"


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = ArgumentParser(prog="query", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", required=True, type=Path, help="run directory or snapshot directory")
    p.add_argument("--hand", help="hole cards, e.g. AhKs; preflop also a class: AKs, 72o, TT")
    p.add_argument("--grid", action="store_true",
                   help="print the 13x13 grid of every starting hand at this spot instead (Hold'em)")
    p.add_argument("--board", default="", help="board cards dealt so far, e.g. 'Qs Jh 2c'")
    p.add_argument("--history", default="", help="ACPC betting so far, e.g. 'r6c/'")
    p.add_argument("--position", type=number(integer=True, low=0, high=5), help="seat to act (checked against the history)")
    p.add_argument("--current", action="store_true", help="show the current (regret-matching) strategy")
    p.add_argument("--search", action="store_true", help="show the search agent's strategy beside the blueprint's")
    p.add_argument("--search-config", type=Path, metavar="YAML", help="search settings, with --search")
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.eval.blueprint import map_blueprint

        if args.grid:
            from holdem.report.site import grid_spot, parse_spot_board
            from holdem.report.terminal import render_grid

            if args.hand:
                raise ValueError("--grid shows every hand: leave out --hand")
            bp = map_blueprint(args.policy)
            spot = grid_spot(bp, args.history, parse_spot_board(args.board), args.current)
            if args.position is not None and args.position != spot["seat"]:
                raise ValueError(f"--position {args.position}: after {args.history!r} seat {spot['seat']} is to "
                                 f"act, not seat {args.position}")
            print(render_grid(spot))
            return 0
        if not args.hand:
            raise ValueError("--hand: required (or --grid for every hand)")
        if args.search_config is not None and not args.search:
            raise ValueError("--search-config: give --search too")
        if args.search:
            return search_query(args)
        bp = map_blueprint(args.policy)  # reads only the slots of the spot (a six-max blueprint is GiBs)
        spot = describe_spot(bp, args.hand, args.board, args.history, args.position,
                             "current" if args.current else "average")
        print(f"infoset   {spot['infoset']}")
        print(f"key       {spot['key']}   (row {spot['row']})")
        print(f"bucket    {spot['bucket_label']}   (bucket {spot['bucket']} of {spot['num_buckets']}, "
              f"{_street(spot['street'])})")
        print(f"to act    seat {spot['seat']}; pot {spot['pot']} chips, to call {spot['to_call']}")
        print(f"{'action':<8} {'size (chips)':<24} {'pot fraction':>12} {'probability':>12}")
        for a in spot["actions"]:
            frac = "" if a["action"] == "f" else f"{a['pot_fraction']:.2f}"
            print(f"{a['action']:<8} {a['size']:<24} {frac:>12} {a['probability']:>12.4f}")
        return 0

    return run_cli(go)


def search_query(args: argparse.Namespace) -> int:
    """``query --search``: the search's strategy at the spot, the blueprint's beside it."""
    from holdem.core.cards import parse_cards
    from holdem.eval.blueprint import load_blueprint
    from holdem.search.agent import Searcher, search_spot
    from holdem.search.config import load_search_config

    if args.grid or args.current:
        raise ValueError("--search: shows one hand's average-strategy spot; drop --grid/--current")
    config = load_search_config(args.search_config)
    bp = load_blueprint(args.policy)
    try:
        searcher = Searcher(bp, config)
    except ValueError as err:
        raise ValueError(f"--search: {args.policy}: {err}") from None
    spec = bp.problem.spec
    hole = tuple(parse_cards(" ".join(parse_spec_cards(spec, args.hand, "--hand"))))
    board = tuple(parse_cards(" ".join(parse_spec_cards(spec, args.board, "--board")))) if args.board else ()
    if len(hole) != 2:
        raise ValueError(f"--hand: {args.hand!r} is {len(hole)} cards; give two, e.g. AhKs")
    spot = search_spot(searcher, hole, board, args.history)
    if args.position is not None and args.position != spot["seat"]:
        raise ValueError(f"--position {args.position}: after {args.history!r} seat {spot['seat']} is to act")
    print(f"to act    seat {spot['seat']}, {_street(spot['street'])}")
    bp_actions, bp_probs = spot["blueprint"]
    bp_of = {a.label: float(q) for a, q in zip(bp_actions, bp_probs)}
    if "search" not in spot:
        print(f"(the search starts on street {config.from_street}; the blueprint plays here)")
        for label, q in bp_of.items():
            print(f"{label:<10} {q:>10.4f}")
        return 0
    solve = spot["solve"]
    print(f"search    {solve['iterations']} DCFR iterations in {solve['seconds']:.2f} s; subgame "
          f"{solve['nodes']} nodes, {solve['leaves']} depth-limit leaves")
    print(f"{'action':<10} {'search':>10} {'blueprint':>10}   (blueprint: its own real actions)")
    actions, probs = spot["search"]
    for a, q in zip(actions, probs):
        other = bp_of.pop(a.label, None)
        print(f"{a.label:<10} {q:>10.4f} {'' if other is None else f'{other:.4f}':>10}")
    for label, q in bp_of.items():
        print(f"{label:<10} {'':>10} {q:>10.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
