"""The search agent's whole policy in a small game (Leduc), for exact best response.

From street ``from_street`` on the search agent plays, at every public state where a
round starts, the solution of that round's subgame: both players' ranges by Bayes' rule
from the policy played on the earlier streets (:func:`round_start_ranges`; the searched
policy where earlier streets were searched too), every board the chance player may deal,
and the same DCFR solver as in Hold'em. The last round is solved to the end; an earlier one
is depth-limited at its end, with the blueprint's K continuation strategies over the next
street on every board card (:mod:`holdem.search.continuation`, all runouts enumerated). :func:`search_policy` writes those strategies into the
blueprint's slots, so :func:`holdem.mccfr.best_response.exploitability` judges exactly the
policy the search agent plays (both seats searching, each with its own solve).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from holdem.abstraction.deal import deal_buckets
from holdem.game.rules import BettingState, initial_state, parse_betting
from holdem.mccfr.problem import Problem
from holdem.search.config import SearchConfig
from holdem.search.hands import HandSet
from holdem.search.continuation import leaf_data
from holdem.search.resolve import SubgameSolver
from holdem.search.subgame import DECISION, build_subgame


def state_of(problem: Problem, node: int) -> BettingState:
    """The betting state at a node of the blueprint's tree."""
    state = initial_state(problem.spec)
    for token in parse_betting(problem.tree.betting_string(node)):
        if token != "/":
            state = state.apply(token)
    return state


def hand_buckets(problem: Problem, hands: HandSet, board: tuple[int, ...], street: int) -> np.ndarray:
    """int64 [hands]: the abstraction's bucket of every hand on ``street`` (-1 where dead)."""
    spec, dm = problem.spec, problem.deal_model
    total_board = sum(spec.board_cards)
    out = np.full(hands.size, -1, dtype=np.int64)
    live = hands.live(board)
    buckets = np.zeros((2, spec.num_streets), dtype=np.int64)
    for h in np.flatnonzero(live):
        mine = [int(c) for c in hands.cards[h] if c >= 0]
        used = set(mine) | set(board)
        spare = [c for c in range(spec.deck_size) if c not in used]
        other, rest = spare[:spec.hole_cards], spare[spec.hole_cards:]
        full = list(board) + rest[:total_board - len(board)]
        deal = np.array(sorted(mine) + sorted(other) + _sorted_streets(spec, full), dtype=np.int64)
        deal_buckets(dm, deal, buckets)
        out[h] = buckets[0, street]
    return out


def _sorted_streets(spec, board: list[int]) -> list[int]:
    out, i = [], 0
    for n in spec.board_cards:
        out += sorted(board[i:i + n])
        i += n
    return out


def round_start_ranges(problem: Problem, policy: np.ndarray, node: int, hands: HandSet,
                       board: tuple[int, ...]) -> np.ndarray:
    """[2, hands]: each seat's probability of its actions on the path to ``node`` given each
    hand (Bayes' rule, unnormalised), from the blueprint ``policy``."""
    tree, layout = problem.tree, problem.layout
    reach = np.ones((2, hands.size)) * hands.live(board)
    ends = np.cumsum(problem.spec.board_cards)
    path = []
    n = node
    while tree.parent[n] >= 0:
        path.append((int(tree.parent[n]), int(tree.parent_edge[n])))
        n = int(tree.parent[n])
    for par, edge in reversed(path):
        p = int(tree.player[par])
        street = int(tree.street[par])
        buckets = hand_buckets(problem, hands, board[:ends[street]], street)
        live = buckets >= 0
        a = edge - int(tree.first_edge[par])
        probs = policy[layout.slots(par, np.maximum(buckets, 0))][:, a]
        reach[p] *= np.where(live, probs, 0.0)
    return reach


def round_roots(problem: Problem, street: int) -> list[int]:
    """Blueprint nodes where ``street``'s betting starts."""
    tree = problem.tree
    return [int(n) for n in np.flatnonzero((tree.street == street) & (tree.player >= 0))
            if tree.parent[n] >= 0 and tree.street[tree.parent[n]] < street]


def search_policy(problem: Problem, policy: np.ndarray, config: SearchConfig,
                  street: int | None = None) -> tuple[np.ndarray, dict]:
    """(the policy the search agent plays, stats): the blueprint ``policy`` before
    ``street`` (default ``config.from_street``), each subgame's solution after (module docstring)."""
    spec = problem.spec
    first = config.from_street if street is None else street
    last = spec.num_streets - 1
    if not 0 <= first <= last:
        raise ValueError(f"from_street {first}: game {spec.name!r} has streets 0..{last}")
    hands = HandSet(spec)
    out = policy.copy()
    stats = {"subgames": 0, "iterations": 0, "max_exploitability": 0.0}
    for street in range(first, last + 1):
        _search_street(problem, policy, out, hands, street, config, stats)
    return out, stats


def subgame_at(problem: Problem, policy: np.ndarray, played: np.ndarray, root: int, board: tuple[int, ...],
               config: SearchConfig, hands: HandSet | None = None,
               searcher: int = -1) -> tuple[SubgameSolver, np.ndarray] | None:
    """(an unsolved solver of the round at blueprint node ``root`` on ``board``, the blueprint
    node of each subgame node); ranges from the ``played`` policy, leaf continuations from
    the blueprint ``policy``. None when a seat never reaches it."""
    spec = problem.spec
    hands = hands or HandSet(spec)
    street = int(problem.tree.street[root])
    last = street == spec.num_streets - 1
    state = state_of(problem, root)
    sub = build_subgame(state, ((1.0,),), config.max_raises, allin_threshold=1.0, depth_limited=not last)
    reach = round_start_ranges(problem, played, root, hands, board)
    if not (reach.sum(axis=1) > 0).all():
        return None
    runouts = np.zeros((0, 0), dtype=np.int64)
    leaves = None
    if not last:
        left = [c for c in range(spec.deck_size) if c not in board]
        to_come = int(spec.board_cards[street + 1])
        runouts = np.array(list(combinations(left, to_come)), dtype=np.int64)
        leaves = leaf_data(problem, policy, lambda s, b: hand_buckets(problem, hands, b, s), sub, hands, board,
                           runouts, root, config.continuation_bias, config.continuations)
    return SubgameSolver(sub, hands, reach, board, runouts, leaves, searcher=searcher), _map_nodes(problem, root, sub)


def _search_street(problem: Problem, policy: np.ndarray, out: np.ndarray, hands: HandSet, street: int,
                   config: SearchConfig, stats: dict) -> None:
    spec, layout = problem.spec, problem.layout
    board_len = int(np.sum(spec.board_cards[:street + 1]))
    roots = [0] if street == 0 else round_roots(problem, street)
    played = out.copy()  # the ranges of a street come from what was played before it
    for root in roots:
        for board in combinations(range(spec.deck_size), board_len):
            # the last street has no leaves: one solve serves both seats; earlier, each seat
            # solves with the other choosing the continuations (config.leaf_choice)
            one = street == spec.num_streets - 1 or config.leaf_choice == "both"
            seats = (-1,) if one and not config.safe else (0, 1)
            for seat in seats:
                made = subgame_at(problem, policy, played, root, board, config, hands,
                                  -1 if one else seat)
                if made is None:
                    break  # a seat never gets here with any hand on this board: nothing to play
                solver, bp_node = made
                sub = solver.sub
                if config.safe:  # the opponent may take what the blueprint gave it instead
                    bp_strategy, bp_leaf = blueprint_profile(problem, policy, solver, bp_node, board)
                    solver.make_safe(1 - seat, solver.counterfactual_values(1 - seat, bp_strategy, bp_leaf))
                solver.run(config.iterations, config.time_budget)
                avg, _ = solver.average()
                buckets = hand_buckets(problem, hands, board, street)
                live = np.flatnonzero(buckets >= 0)
                for s_node in np.flatnonzero(sub.kind == DECISION):
                    if seat >= 0 and sub.player[s_node] != seat:
                        continue
                    n = bp_node[s_node]
                    base = sub.slot_base[s_node]
                    probs = avg[base:base + sub.num_children[s_node]][:, live]
                    out[layout.slots(n, buckets[live])] = probs.T
                stats["subgames"] += 1
                stats["iterations"] += solver.iterations
                stats["max_exploitability"] = max(stats["max_exploitability"], solver.exploitability())


def blueprint_profile(problem: Problem, policy: np.ndarray, solver: SubgameSolver, bp_node: np.ndarray,
                      board: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The blueprint as a strategy of the subgame (same actions) and leaf choice (its own continuation)."""
    sub = solver.sub
    strategy = np.zeros_like(solver.strategy)
    street = sub.root.street
    buckets = np.maximum(hand_buckets(problem, solver.hands, board, street), 0)
    for s_node in np.flatnonzero(sub.kind == DECISION):
        base = sub.slot_base[s_node]
        strategy[base:base + sub.num_children[s_node]] = policy[problem.layout.slots(bp_node[s_node], buckets)].T
    leaf = np.zeros_like(solver.leaf_strategy)
    leaf[:, :, 0] = 1.0
    return strategy, leaf


def _map_nodes(problem: Problem, bp_root: int, sub) -> np.ndarray:
    """Blueprint node of every subgame decision (same actions, as in a limit game)."""
    tree = problem.tree
    out = np.full(sub.num_nodes, -1, dtype=np.int64)
    out[0] = bp_root
    for node in range(sub.num_nodes):
        if sub.kind[node] != DECISION:
            continue
        bp = out[node]
        edges = range(int(tree.first_edge[bp]), int(tree.first_edge[bp]) + int(tree.num_actions[bp]))
        labels = {tree.action_label(e): int(tree.edge_child[e]) for e in edges}
        for i, a in enumerate(sub.actions[node]):
            if a.label not in labels:
                raise ValueError(f"subgame action {a.label} is not in the blueprint's tree")
            out[sub.children[sub.first_child[node] + i]] = labels[a.label]
    return out


__all__ = ["search_policy", "round_start_ranges", "round_roots", "hand_buckets", "state_of"]
