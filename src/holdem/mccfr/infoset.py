"""Human-readable information-set keys: ``"<hole cards>|<board cards>|<betting>"``.

``<betting>`` is the ACPC betting string (``f`` fold, ``c`` check/call, ``r<chips>`` a raise
to that many chips committed in the whole hand by the raiser, streets separated by ``/``);
cards are written like ``Ks`` and ``Jh``. Example (Leduc): ``Kh|Js|r3c/r7``.
"""
from __future__ import annotations

from holdem.mccfr.problem import Problem


def infoset_key(problem: Problem, row: int) -> str:
    """Key of a table row."""
    node, bucket = problem.layout.node_of_row(row)
    hole, board = problem.abstraction.bucket_cards(int(problem.tree.street[node]), bucket)
    return f"{hole}|{board}|{problem.tree.betting_string(node)}"


def action_labels(problem: Problem, node: int) -> list[str]:
    """ACPC labels of a node's actions, in table column order."""
    tree = problem.tree
    first = int(tree.first_edge[node])
    return [tree.action_label(e) for e in range(first, first + int(tree.num_actions[node]))]


def row_of(problem: Problem, hole: str, board: str, betting: str) -> tuple[int, int]:
    """(row, node) of the infoset where the player holding ``hole`` acts after ``betting``."""
    tree = problem.tree
    node = tree.find(betting)
    if tree.player[node] < 0:
        raise ValueError(f"betting {betting!r}: the hand is over, nobody acts")
    street = int(tree.street[node])
    bucket = problem.abstraction.bucket_of(street, hole, board)
    return int(problem.layout.row_base[node]) + bucket, node
