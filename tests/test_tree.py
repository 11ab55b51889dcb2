"""Betting tree and row map: infoset counts, terminals, reachability, no shared rows."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.game.spec import kuhn, leduc, limit_holdem, no_limit_holdem
from holdem.game.tree import CALL, FOLD, RAISE, TERMINAL_FOLD, TERMINAL_SHOWDOWN, build_tree
from holdem.mccfr.infoset import infoset_key, row_of


def test_kuhn_counts(kuhn_problem):
    tree = kuhn_problem.tree
    assert kuhn_problem.layout.num_rows == 12
    assert int((tree.player >= 0).sum()) == 4
    # terminals: cc (showdown), cr2f, cr2c, r2f, r2c
    assert int((tree.terminal == TERMINAL_SHOWDOWN).sum()) == 3
    assert int((tree.terminal == TERMINAL_FOLD).sum()) == 2
    assert sorted(tree.betting_string(n) for n in np.flatnonzero(tree.terminal)) == \
        ["cc", "cr2c", "cr2f", "r2c", "r2f"]


def test_leduc_counts(leduc_problem):
    tree, layout = leduc_problem.tree, leduc_problem.layout
    assert layout.num_rows == 936  # suits told apart, as in the literature
    assert list(layout.rows_per_street()) == [36, 900]
    decision = tree.player >= 0
    assert list(np.bincount(tree.street[decision])) == [6, 30]
    # round 1: 2 fold terminals per continuing round-1 line... count directly instead:
    # 5 round-1 lines continue (cc, r3c, cr3c, r3r5c, cr3r5c), each with 7 fold and 5 showdown
    # terminals in round 2; plus 3 folds in round 1.
    assert int((tree.terminal == TERMINAL_FOLD).sum()) == 5 * 4 + 4
    assert int((tree.terminal == TERMINAL_SHOWDOWN).sum()) == 5 * 5


def test_leduc_raise_amounts(leduc_problem):
    tree = leduc_problem.tree
    node = tree.find("r3r5c/r9r13")
    assert tree.player[node] == 0 and sorted(tree.contrib[node]) == [9, 13]
    with pytest.raises(ValueError, match="r7"):
        tree.find("r3r5r7")  # a third raise in round 1 exceeds the cap


@pytest.mark.parametrize("spec_fn", [kuhn, leduc])
def test_rows_unique_and_reachable(spec_fn, request):
    problem = request.getfixturevalue(f"{spec_fn.__name__}_problem")
    layout = problem.layout
    keys = [infoset_key(problem, r) for r in range(layout.num_rows)]
    assert len(set(keys)) == layout.num_rows  # no two infosets share a row
    for r, key in enumerate(keys):  # every row is reached by its own cards and betting
        hole, board, betting = key.split("|")
        assert row_of(problem, hole, board, betting)[0] == r
    # every bucket of every street is produced by some deal (enumerated exhaustively)
    from holdem.mccfr.best_response import deal_table
    deals = deal_table(problem.spec, problem.deal_model)
    for s in range(problem.spec.num_streets):
        seen = np.unique(deals.buckets[:, :, s])
        assert list(seen) == list(range(int(layout.num_buckets[s])))


def test_row_and_slot_blocks_tile_the_tables(leduc_problem):
    """Rows and slots: consecutive blocks, street by street, no gaps and no overlap."""
    layout = leduc_problem.layout
    nodes = layout.decision_nodes()
    streets = layout.node_info[nodes, 1]
    assert np.all(np.diff(streets) >= 0)  # street-major
    rows = layout.num_buckets[streets]
    slots = rows * layout.node_info[nodes, 3]
    assert np.array_equal(layout.row_base[nodes], np.cumsum(rows) - rows)
    assert np.array_equal(layout.slot_base[nodes], np.cumsum(slots) - slots)
    assert layout.num_rows == rows.sum() and layout.num_slots == slots.sum()
    assert layout.slots_kept(1) == slots[streets == 0].sum()
    for row in (0, 7, layout.num_rows - 1):
        node, bucket = layout.node_of_row(row)
        assert layout.row_slots(row)[0] == layout.slot_base[node] + bucket * layout.node_info[node, 3]


def _walk_check(tree, spec):
    """Chips never exceed stacks, raises increase the bet, folds only when facing a bet."""
    for node in np.flatnonzero(tree.player >= 0):
        p = tree.player[node]
        bet = tree.contrib[node].max()
        for e in range(tree.first_edge[node], tree.first_edge[node] + tree.num_actions[node]):
            child = tree.edge_child[e]
            kind = tree.edge_kind[e]
            assert tree.contrib[child, p] <= spec.stacks[p]
            if kind == FOLD:
                assert tree.contrib[node, p] < bet
                assert not tree.active[child] >> p & 1
            elif kind == CALL:
                assert tree.contrib[child, p] == min(bet, spec.stacks[p])
            else:
                assert kind == RAISE and tree.contrib[child, p] > bet


@pytest.mark.parametrize("spec", [limit_holdem(), no_limit_holdem(), no_limit_holdem(num_players=3)],
                         ids=["limit", "nl-hu", "nl-3"])
def test_holdem_tree_rules(spec):
    tree = build_tree(spec)
    _walk_check(tree, spec)
    # every terminal conserves chips: the pot is what the players put in
    term = np.flatnonzero(tree.terminal)
    assert np.all(tree.contrib[term].sum(axis=1) > 0)
    assert np.all(tree.contrib[term] <= np.array(spec.stacks)[None, :])


def test_nl_heads_up_order_and_min_raise():
    spec = no_limit_holdem(stacks=[400, 400], blinds=(1, 2))
    tree = build_tree(spec)
    assert tree.player[0] == 0  # the button posts the small blind and acts first preflop
    node = tree.find("c")
    assert tree.player[node] == 1  # the big blind has the option
    node = tree.find("cc")
    assert tree.player[node] == 1 and tree.street[node] == 1  # ...and acts first after the flop
    # every raise is at least a min-raise, all-in is always offered
    for n in np.flatnonzero(tree.player >= 0):
        labels = [tree.action_label(e) for e in range(tree.first_edge[n], tree.first_edge[n] + tree.num_actions[n])]
        raises = [int(x[1:]) for x in labels if x.startswith("r")]
        if raises:
            assert raises[-1] == spec.stacks[tree.player[n]]
            assert raises == sorted(set(raises))


def test_short_all_in_does_not_reopen():
    # seat 1 has a short stack: its all-in over a raise is less than a full raise, so the
    # original raiser may only call or fold
    from holdem.game.spec import GameSpec, validate
    spec = validate(GameSpec(name="t", stacks=(400, 30), blinds=(1, 2), betting="no-limit",
                             raise_sizes=(((5.0,),), ((1.0,),), ((1.0,),), ((1.0,),)),
                             max_raises=(4, 4, 4, 4)))
    tree = build_tree(spec)
    node = tree.find("r22")  # seat 0 raises to 22 (a raise of 20)
    labels = [tree.action_label(e) for e in range(tree.first_edge[node], tree.first_edge[node] + tree.num_actions[node])]
    assert "r30" in labels  # seat 1 all-in: 8 more than the bet, less than a 20-chip raise
    node = tree.find("r22r30")
    labels = [tree.action_label(e) for e in range(tree.first_edge[node], tree.first_edge[node] + tree.num_actions[node])]
    assert labels == ["f", "c"]
