"""Betting spots of a blueprint: the decision nodes of its tree, breadth first from the root.

Preflop spots go down to ``depth`` actions from the root; a spot on a later street is shown
for each board the user gave (a flop board shows flop spots; a turn board, flop and turn),
because a postflop grid belongs to one board: an action that deals a street leads to one
child spot per board. The walk is breadth first and stops at
``max_spots``, so the shallow spots (the ones players read first) always make it.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from holdem.game.referee import play_betting
from holdem.game.spec import GameSpec
from holdem.game.tree import CALL, FOLD, BettingTree

STREET_NAMES = ("preflop", "flop", "turn", "river")
FOLD_COLOR = "#5b8bd0"
CALL_COLOR = "#5cb85c"
ALLIN_COLOR = "#7a1010"
#: raise colours from the smallest size to the largest (below all-in)
RAISE_COLORS = ("#f0c040", "#f09a30", "#e86a2a", "#d9412b", "#b8282a", "#962020")


@dataclass
class Spot:
    """One decision node as the report shows it."""

    id: int
    node: int
    parent: int | None
    via: str | None
    depth: int
    board: str                       # the board of its street ("" preflop)
    children: dict[int, list[int]] = field(default_factory=dict)  # edge -> spot ids (one per board)


def find_spot(tree: BettingTree, spec: GameSpec, history: str, board_cards: int) -> int:
    """The decision node after ACPC ``history`` with ``board_cards`` board cards dealt;
    ValueError naming the first illegal or off-tree action, a finished hand, a wrong board."""
    state = play_betting(spec, history, complete=False)  # names the first illegal action
    if state.is_terminal:
        raise ValueError(f"history {history!r}: the hand is over ({state.terminal_kind}); nobody acts")
    node = tree.find(history)  # names the first action that is not in the abstract tree
    street = int(tree.street[node])
    need = sum(spec.board_cards[:street + 1])
    if board_cards != need:
        name = STREET_NAMES[street] if street < len(STREET_NAMES) else f"street {street}"
        raise ValueError(f"--board: {board_cards} cards given, the {name} needs {need}")
    return node


def seat_names(spec: GameSpec) -> list[str]:
    """Position names in seat order (seat 0 posts the small blind; heads-up it is the button)."""
    n = spec.num_players
    if n == 2:
        return ["SB (button)", "BB"]
    later = {3: ["BTN"], 4: ["CO", "BTN"], 5: ["UTG", "CO", "BTN"], 6: ["UTG", "MP", "CO", "BTN"]}[n]
    return ["SB", "BB"] + later


def boards_for_street(boards: list[list[str]], spec: GameSpec, street: int, dealt: list[str]) -> list[list[str]]:
    """The distinct boards of ``street`` that continue the cards ``dealt`` so far (each given
    board long enough for the street, cut to its cards)."""
    need = sum(spec.board_cards[:street + 1])
    out: list[list[str]] = []
    for b in boards:
        if len(b) >= need and b[:len(dealt)] == dealt and b[:need] not in out:
            out.append(b[:need])
    return out


def walk_spots(tree: BettingTree, spec: GameSpec, depth: int, boards: list[list[str]],
               max_spots: int) -> list[Spot]:
    """Spots breadth first from the root (see the module docstring); a street change leads to
    one child spot per given board of that street."""
    spots = [Spot(0, 0, None, None, 0, "")]
    todo = deque([0])
    while todo:
        spot = spots[todo.popleft()]
        if spot.depth >= depth:
            continue
        first = int(tree.first_edge[spot.node])
        dealt = spot.board.split()
        for e in range(first, first + int(tree.num_actions[spot.node])):
            child = int(tree.edge_child[e])
            if tree.player[child] < 0:
                continue  # the hand is over
            street = int(tree.street[child])
            options = [dealt] if street == tree.street[spot.node] else boards_for_street(boards, spec, street, dealt)
            for board in options:
                if len(spots) >= max_spots:
                    return spots
                new = Spot(len(spots), child, spot.id, tree.action_label(e), spot.depth + 1, " ".join(board))
                spots.append(new)
                spot.children.setdefault(e, []).append(new.id)
                todo.append(new.id)
    return spots


def action_kinds(tree: BettingTree, spec: GameSpec, node: int) -> list[tuple[str, str, str]]:
    """(ACPC label, kind, colour) of each action of ``node``: fold, call, raises by size, all-in."""
    first = int(tree.first_edge[node])
    seat = int(tree.player[node])
    edges = range(first, first + int(tree.num_actions[node]))
    raises = [e for e in edges if tree.edge_kind[e] not in (FOLD, CALL) and tree.edge_amount[e] < spec.stacks[seat]]
    out = []
    for e in edges:
        label = tree.action_label(e)
        if tree.edge_kind[e] == FOLD:
            out.append((label, "fold", FOLD_COLOR))
        elif tree.edge_kind[e] == CALL:
            out.append((label, "call", CALL_COLOR))
        elif e in raises:
            k = raises.index(e)
            shade = RAISE_COLORS[min(len(RAISE_COLORS) - 1, k * (len(RAISE_COLORS) - 1) // max(1, len(raises) - 1))]
            out.append((label, "raise", shade))
        else:
            out.append((label, "allin", ALLIN_COLOR))
    return out


def action_text(tree: BettingTree, spec: GameSpec, node: int, edge: int) -> str:
    """'fold', 'check', 'call 4', 'raise to 12 (2.5 pot)', 'all-in 400'."""
    seat = int(tree.player[node])
    contrib = [int(x) for x in tree.contrib[node]]
    amount = int(tree.edge_amount[edge])
    if tree.edge_kind[edge] == FOLD:
        return "fold"
    if tree.edge_kind[edge] == CALL:
        chips = amount - contrib[seat]
        return f"call {chips}" if chips else "check"
    if amount >= spec.stacks[seat]:
        return f"all-in {amount}"
    pot, bet = sum(contrib), max(contrib)
    frac = (amount - bet) / (pot + bet - contrib[seat])
    return f"raise to {amount} ({frac:.2g} pot)"
