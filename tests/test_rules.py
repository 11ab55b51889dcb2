"""Betting rules and the referee: random legal hands, side pots, tricky cases, tree agreement."""
from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdem.core.cards import format_cards
from holdem.core.evaluator import evaluate
from holdem.core.payoff import hand_payoffs
from holdem.game import kuhn, leduc, limit_holdem, no_limit_holdem, replay
from holdem.game.referee import play_betting
from holdem.game.rules import (CALL, FOLD, RAISE, TERMINAL_FOLD, TERMINAL_SHOWDOWN, Action, BettingState,
                               initial_state)
from holdem.game.spec import GameSpec
from holdem.game.tree import build_tree

SETTINGS = dict(deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------
# helpers


def reference_payoffs(contrib: list[int], active: int, values: list[int]) -> list[int]:
    """Side pots the way a dealer builds them: one pot per all-in level of a player still in.

    Each pot holds every player's chips between the previous level and its own; the best
    hands among the players still in who reached the level share it, odd chips one each in
    seat order from the first seat left of the button (the last seat; heads-up, seat 0).
    """
    n = len(contrib)
    button = 0 if n == 2 else n - 1
    order = [(button + 1 + k) % n for k in range(n)]
    won = [0] * n
    prev = 0
    for level in sorted({contrib[p] for p in range(n) if active >> p & 1}):
        pot = sum(max(0, min(c, level) - prev) for c in contrib)
        eligible = [p for p in order if active >> p & 1 and contrib[p] >= level]
        best = max(values[p] for p in eligible)
        winners = [p for p in eligible if values[p] == best]
        share, odd = divmod(pot, len(winners))
        for i, p in enumerate(winners):
            won[p] += share + (1 if i < odd else 0)
        prev = level
    assert max(contrib) == prev, "the largest bet of a legal hand belongs to a player still in"
    return [won[p] - contrib[p] for p in range(n)]


def project_payoffs(contrib, active: int, values) -> list[int]:
    """The project's payoff rule, as ints."""
    out = np.zeros(len(contrib), dtype=np.float64)
    hand_payoffs(np.asarray(contrib, dtype=np.int64), int(active), np.asarray(values, dtype=np.int64), out)
    assert np.all(out == np.round(out))
    return [int(x) for x in out]


def random_action(state: BettingState, rng: random.Random, shove: float = 0.3) -> Action:
    """A random legal action: folds rarer than calls, raises at the min, the max or between."""
    legal = state.legal_actions()
    choices = [Action(CALL)] * 3
    if legal.can_fold:
        choices.append(Action(FOLD))
    if legal.can_raise:
        lo, hi = legal.min_raise_to, legal.max_raise_to
        amount = hi if rng.random() < shove else rng.choice([lo, rng.randint(lo, hi)])
        choices += [Action(RAISE, amount)] * 2
    return rng.choice(choices)


def play_random(spec: GameSpec, rng: random.Random, shove: float = 0.3) -> tuple[BettingState, str]:
    """Play a random legal hand, checking the per-action rules; return the end state and betting."""
    state = initial_state(spec)
    stacks = spec.stacks
    assert all(c <= s for c, s in zip(state.contrib, stacks))
    betting = ""
    while not state.is_terminal:
        p = state.to_act
        legal = state.legal_actions()
        assert not state.folded >> p & 1 and state.contrib[p] < stacks[p]  # only live players act
        assert legal.can_fold == (state.contrib[p] < legal.call_to)
        assert state.contrib[p] <= legal.call_to <= min(state.bet, stacks[p])
        if legal.can_raise:
            lo, hi = legal.min_raise_to, legal.max_raise_to
            assert state.bet < lo <= hi <= stacks[p]
            if spec.betting == "no-limit":
                assert hi == stacks[p]
                # a raise is at least the big blind more than the bet, unless it is all-in
                assert lo == stacks[p] or lo - state.bet >= max(spec.blinds)
                if lo < stacks[p]:
                    with pytest.raises(ValueError, match="below the minimum raise"):
                        state.apply(Action(RAISE, lo - 1))
            with pytest.raises(ValueError):
                state.apply(Action(RAISE, stacks[p] + 1))
        else:
            with pytest.raises(ValueError, match="not allowed here"):
                state.apply(Action(RAISE, stacks[p]))
        action = random_action(state, rng, shove)
        nxt = state.apply(action)
        for q in range(spec.num_players):  # only the actor's chips move, never past the stack
            assert nxt.contrib[q] == state.contrib[q] or q == p
            assert state.contrib[q] <= nxt.contrib[q] <= stacks[q]
        betting += action.label
        if not nxt.is_terminal and nxt.street > state.street:
            betting += "/"
        state = nxt
    return state, betting


@st.composite
def specs(draw, min_players: int = 2, limit: bool = True) -> GameSpec:
    """Random 2-6 player Hold'em: blinds, antes, stacks down to below the forced bets."""
    n = draw(st.integers(min_players, 6))
    bb = draw(st.integers(1, 6))
    sb = draw(st.integers(0, bb))
    ante = draw(st.sampled_from([0, 0, 0, 1, 2]))
    stacks = draw(st.lists(st.integers(1, 40 * bb), min_size=n, max_size=n))
    if limit and draw(st.booleans()):
        base = replace(limit_holdem(n), bet_sizes=(bb, bb, 2 * bb, 2 * bb))
    else:
        base = no_limit_holdem(num_players=n, stacks=[10_000] * n, blinds=(sb, bb), ante=ante)
    # replace() skips validation on purpose: a blind bigger than the stack posts all-in
    return replace(base, blinds=(sb, bb), ante=ante, stacks=tuple(stacks))


def deal(spec: GameSpec, rng: random.Random) -> tuple[list[list[int]], list[int]]:
    cards = rng.sample(range(52), 2 * spec.num_players + 5)
    return [cards[2 * p: 2 * p + 2] for p in range(spec.num_players)], cards[-5:]


def values_of(holes: list[list[int]], board: list[int]) -> list[int]:
    return [evaluate(h + board) for h in holes]


# ---------------------------------------------------------------------------------------
# properties of random legal hands


@pytest.mark.timeout(60)
@settings(max_examples=500, **SETTINGS)
@given(spec=specs(), rng=st.randoms(use_true_random=False), values=st.lists(st.integers(0, 3), min_size=6))
def test_random_hands_conserve_chips(spec, rng, values):
    state, betting = play_random(spec, rng)
    n = spec.num_players
    contrib, active = list(state.contrib), state.active
    assert all(c <= s for c, s in zip(contrib, spec.stacks))
    if state.terminal == TERMINAL_FOLD:
        assert bin(active).count("1") == 1
    else:
        assert state.terminal == TERMINAL_SHOWDOWN
        # nobody who could still bet is short of the largest bet made by a player still in
        top = max(contrib[p] for p in range(n) if active >> p & 1)
        for p in range(n):
            if active >> p & 1 and contrib[p] < spec.stacks[p]:
                assert contrib[p] == top
    vals = values[:n]  # few distinct values: many ties
    paid = project_payoffs(contrib, active, vals)
    assert sum(paid) == 0
    assert sum(paid[p] + contrib[p] for p in range(n)) == sum(contrib)  # the pot is paid out
    assert all(paid[p] >= -contrib[p] >= -spec.stacks[p] for p in range(n))
    assert paid == reference_payoffs(contrib, active, vals)
    # the betting string replays to the same state, with or without street separators
    for text in (betting, betting.replace("/", "")):
        again = play_betting(spec, text)
        assert (again.contrib, again.folded, again.terminal) == (state.contrib, state.folded, state.terminal)


@pytest.mark.timeout(60)
@settings(max_examples=300, **SETTINGS)
@given(spec=specs(min_players=3, limit=False), rng=st.randoms(use_true_random=False))
def test_multiway_all_ins_match_reference(spec, rng):
    """3-6 players shoving and calling: many side pots, paid by the referee from real cards."""
    state, betting = play_random(spec, rng, shove=0.9)
    holes, board = deal(spec, rng)
    got = replay(spec, holes, board, betting)
    assert got == reference_payoffs(list(state.contrib), state.active, values_of(holes, board))
    assert sum(got) == 0 and all(g >= -s for g, s in zip(got, spec.stacks))
    text_holes = [format_cards(h) for h in holes]
    assert replay(spec, text_holes, format_cards(board), betting) == got


# ---------------------------------------------------------------------------------------
# hand-written cases with exact payoffs

HU = no_limit_holdem()  # 400 chips, blinds 1/2
BOARD = "2c7d9hTsJc"    # no straight or flush with the pairs used below
TIE_BOARD = "AcKdQhJs9c"  # low cards play the board; a ten makes a straight

CASES = [
    # id, spec, hole cards, board, betting, payoffs
    ("short all-in, raiser calls", no_limit_holdem(stacks=[400, 30]), ["AhAd", "KhKd"], BOARD, "r22r30c", [30, -30]),
    ("short all-in 3-way", no_limit_holdem(num_players=3, stacks=[14, 400, 400]), ["AhAd", "KhKd", "QhQd"], BOARD,
     "r10r14cc/cc/cc/cc", [28, -14, -14]),
    ("heads-up limp, checked down", HU, ["2d3h", "AhKd"], "4c7d9hTsJc", "cc/cc/cc/cc", [-2, 2]),
    ("BB option: raise after a limp", HU, ["AhAd", "KhKd"], BOARD, "cr6c/cc/cc/cc", [6, -6]),
    ("odd chips: 3-way tie of a 5-chip side pot", no_limit_holdem(num_players=6, stacks=[100, 100, 2, 3, 100, 100]),
     ["2d4h", "2h5d", "Td3c", "3d6h", "7h8h", "7d8d"], TIE_BOARD, "cr3cccc/r5cff/cc/cc", [-1, -1, 10, -2, -3, -3]),
    ("odd chip: 3-way tie of a 7-chip pot", no_limit_holdem(num_players=4, stacks=[100] * 4),
     ["TdTh", "2d4h", "2h5d", "3d6h"], TIE_BOARD, "ccfc/ccc/ccc/ccc", [-1, 1, 0, 0]),
    ("heads-up tie splits", HU, ["2d3h", "2h3d"], TIE_BOARD, "r6c/cc/cc/cc", [0, 0]),
    ("fold: uncalled re-raise returned", HU, ["", "AhKs"], "", "r6r20f", [-6, 6]),
    ("fold on the river", HU, ["AhAd", "KhKd"], BOARD, "cc/cc/cc/r10f", [-2, 2]),
    ("showdown: uncalled excess returned", no_limit_holdem(num_players=3, stacks=[50, 100, 200]),
     ["AhAd", "", "KhKd"], BOARD, "r200cf", [52, -2, -50]),
    ("all-in preflop, board run out", HU, ["AhAd", "KhKd"], "2c7d9hTsKc", "r400c", [-400, 400]),
    ("all-in preflop, ACPC slashes", HU, ["AhAd", "KhKd"], "2c7d9hTsKc", "r400c///", [-400, 400]),
    ("all-in on the flop, ACPC slashes", HU, ["AhAd", "KhKd"], BOARD, "r6c/r400c//", [400, -400]),
    ("big blind posts all-in short", replace(no_limit_holdem(num_players=3), stacks=(100, 1, 100)),
     ["KhKd", "AhAd", "QhQd"], BOARD, "cc/cc/cc/cc", [0, 2, -2]),
    ("heads-up big blind short, nobody acts", replace(HU, stacks=(400, 1)), ["AhAd", "KhKd"], BOARD, "", [1, -1]),
    ("small blind all-in by posting", replace(HU, stacks=(1, 400)), ["AhAd", "KhKd"], BOARD, "///", [1, -1]),
    ("antes: blinds win the antes", no_limit_holdem(num_players=3, ante=1), ["", "AhKs", ""], "", "ff", [-2, 3, -1]),
    ("limit: unsized ACPC raises", limit_holdem(), ["AhAd", "KhKd"], BOARD, "rrc/rc/cc/cc", [8, -8]),
    ("limit: sized raises", limit_holdem(), ["AhAd", "KhKd"], BOARD, "r4r6c/r8c/cc/cc", [8, -8]),
    ("kuhn", kuhn(), ["Ks", "Qs"], "", "cr2c", [2, -2]),
    ("leduc: pair wins", leduc(), ["Kh", "Qs"], "Qh", "r3c/cc", [-3, 3]),
    ("leduc: fold preflop", leduc(), ["Kh", "Qs"], "", "r3f", [1, -1]),
]


@pytest.mark.parametrize("spec,holes,board,betting,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_tricky_cases(spec, holes, board, betting, expected):
    assert replay(spec, holes, board, betting) == expected


# ---------------------------------------------------------------------------------------
# the rules themselves


def labels(state: BettingState) -> tuple[bool, bool, int, int]:
    legal = state.legal_actions()
    return legal.can_fold, legal.can_raise, legal.min_raise_to, legal.max_raise_to


def test_heads_up_order():
    s = initial_state(HU)
    assert s.to_act == 0 and s.contrib == (1, 2)  # the button posts the small blind, acts first
    s = s.apply("c")
    assert s.to_act == 1 and labels(s) == (False, True, 4, 400)  # big blind's option
    s = s.apply("c")
    assert (s.street, s.to_act) == (1, 1)  # the big blind acts first after the flop
    s = s.apply("c")
    assert (s.street, s.to_act) == (1, 0)
    assert (s.apply("c").street, s.apply("c").to_act) == (2, 1)


def test_three_handed_order_and_option():
    spec = no_limit_holdem(num_players=3)
    s = initial_state(spec)
    assert s.to_act == 2  # the button acts first preflop, after the big blind
    s = s.apply("c").apply("c")
    assert s.to_act == 1 and labels(s) == (False, True, 4, 400)
    s = s.apply("r8").apply("c").apply("f")
    assert (s.street, s.to_act, s.folded) == (1, 1, 0b1)  # the small blind folded: the big blind starts


def test_short_all_in_does_not_reopen():
    spec = no_limit_holdem(num_players=3, stacks=[14, 400, 400])
    s = initial_state(spec).apply("r10").apply("r14")  # a full raise of 8, then an all-in 4 more
    assert labels(s) == (True, True, 22, 400)  # the big blind has not acted: it may raise
    s = s.apply("c")
    assert labels(s) == (True, False, 0, 0)  # the original raiser may only call or fold
    with pytest.raises(ValueError, match="not reopened"):
        s.apply("r30")
    s2 = initial_state(spec).apply("r10").apply("r14").apply("r30")  # a full re-raise reopens
    assert s2.to_act == 2 and labels(s2) == (True, True, 46, 400)


def test_short_all_ins_adding_up_to_a_full_raise_reopen():
    spec = no_limit_holdem(num_players=4, stacks=[21, 100, 100, 15])
    s = initial_state(spec).apply("r10").apply("r15")  # seat 2 raises 8, seat 3 all-in 5 more
    one = s.apply("c").apply("c")
    assert one.to_act == 2 and not one.legal_actions().can_raise  # 5 < 8: closed
    two = s.apply("r21").apply("c")  # seat 0 all-in 6 more: 11 since seat 2 acted
    assert two.to_act == 2 and labels(two) == (True, True, 29, 100)


def test_limit_cap_and_short_all_in():
    s = initial_state(limit_holdem())
    for expected in (4, 6, 8):
        assert labels(s)[1:] == (True, expected, expected)
        s = s.apply("r")
    assert not s.legal_actions().can_raise  # 3 raises: capped preflop
    with pytest.raises(ValueError, match="capped at 3 raises"):
        s.apply("r10")
    short = replace(limit_holdem(), stacks=(100, 5))
    s = initial_state(short).apply("r4")
    assert labels(s)[1:] == (True, 5, 5)  # all-in for less than the fixed raise
    with pytest.raises(ValueError, match="not the limit raise to 5"):
        s.apply("r6")


def test_terminal_state_reports_its_kind():
    s = initial_state(HU).apply("r400").apply("c")
    assert s.is_terminal and s.terminal_kind == "showdown" and s.street == 0 and s.to_act == -1
    f = initial_state(HU).apply("f")
    assert f.terminal_kind == "fold" and f.active == 0b10 and f.contrib == (1, 2)
    with pytest.raises(ValueError, match="hand is over"):
        f.legal_actions()


@pytest.mark.parametrize("spec,betting,message", [
    (HU, "r4r5", r"betting 'r4r5': action 'r5' at seat 1 is below the minimum raise to 6"),
    (HU, "r401", r"action 'r401' at seat 0 is above the stack: all-in is r400"),
    (HU, "ccf", r"action 'f' at seat 1 is a fold but the seat is not facing a bet"),
    (HU, "r", r"action 'r' at seat 0 is a raise without an amount"),
    (HU, "c/c", r"'/' after 'c' is not at the end of a street"),
    (HU, "/cc", r"'/' at the start is not at the end of a street"),
    (HU, "cc//cc", r"'/' after 'cc/' is not at the end of a street"),
    (HU, "r4", r"the hand is not over: seat 1 is to act"),
    (HU, "r6c/cc/cc/ccc", r"action 'c' comes after the hand ended \(showdown\)"),
    (HU, "fc", r"action 'c' comes after the hand ended \(fold\)"),
    (HU, "cx", r"unexpected character 'x'"),
    (no_limit_holdem(num_players=3, stacks=[14, 400, 400]), "r10r14cr30",
     r"action 'r30' at seat 2 is a raise, not allowed here: the betting was not reopened: it grew by 4"),
    (no_limit_holdem(stacks=[400, 30]), "r22r30r60", r"action 'r60' at seat 0 is a raise, not allowed here: "
                                                     r"no other player has chips behind"),
    (limit_holdem(), "rrrr", r"action 'r' at seat 1 is a raise, not allowed here: the street is capped at 3"),
])
def test_illegal_betting_is_named(spec, betting, message):
    holes = ["AhAd", "KhKd", "QhQd"][:spec.num_players]
    with pytest.raises(ValueError, match=message):
        replay(spec, holes, BOARD, betting)


@pytest.mark.parametrize("holes,board,betting,message", [
    (["AhAd", "KhAd"], BOARD, "r6c/cc/cc/cc", r"duplicate card Ad \(hole cards of seat 0 and hole cards of seat 1\)"),
    (["AhAd", "KhKd"], "2c7d9hTsAh", "r6c/cc/cc/cc", r"duplicate card Ah \(hole cards of seat 0 and board\)"),
    (["AhXd", "KhKd"], BOARD, "r6c/cc/cc/cc", r"hole cards of seat 0: unknown rank 'X'"),
    (["AhAdQs", "KhKd"], BOARD, "r6c/cc/cc/cc", r"hole cards of seat 0: 3 cards given, the game deals 2"),
    (["AhAd", ""], BOARD, "r6c/cc/cc/cc", r"hole cards of seat 1: 0 cards given"),
    (["AhAd", "KhKd"], "2c7d9hTs", "r6c/cc/cc/cc", r"board: 4 cards given, a showdown needs the full board of 5"),
    (["AhAd", "KhKd"], "2c7d", "r6f", r"board: 2 cards given; a board has 0 or 3 or 4 or 5 cards"),
    (["AhAd"], BOARD, "r6f", r"hole cards: give one entry per seat \(2\), got 1 entries"),
    ([[48, 49], [52, 1]], BOARD, "r6f", r"hole cards of seat 1: unknown card id 52"),
])
def test_bad_cards_are_named(holes, board, betting, message):
    with pytest.raises(ValueError, match=message):
        replay(HU, holes, board, betting)


def test_small_deck_cards_are_checked():
    with pytest.raises(ValueError, match="card Ah is not in the deck of 'kuhn'"):
        replay(kuhn(), ["Ah", "Ks"], "", "cc")
    assert replay(kuhn(), [[2], [1]], "", "cc") == [1, -1]  # ids of the Kuhn deck J, Q, K


# ---------------------------------------------------------------------------------------
# the tree builder and the referee agree


@pytest.mark.timeout(120)
@pytest.mark.parametrize("spec", [
    no_limit_holdem(),
    no_limit_holdem(stacks=[37, 150], ante=1),
    no_limit_holdem(num_players=3, stacks=[60, 150, 100]),
    no_limit_holdem(num_players=3, stacks=[25, 40, 90], blinds=(1, 3), ante=1),
], ids=["hu", "hu-short-ante", "3p", "3p-ante"])
def test_tree_and_referee_agree(spec):
    tree = build_tree(spec)
    rng = random.Random(7)
    terminals = np.flatnonzero(tree.terminal)
    kinds = {TERMINAL_FOLD: "fold", TERMINAL_SHOWDOWN: "showdown"}
    for node in rng.sample(list(terminals), min(400, len(terminals))):
        betting = tree.betting_string(node)
        state = play_betting(spec, betting)
        assert list(state.contrib) == list(tree.contrib[node])
        assert state.active == tree.active[node] and state.terminal_kind == kinds[int(tree.terminal[node])]
        holes, board = deal(spec, rng)
        expected = project_payoffs(tree.contrib[node], tree.active[node], values_of(holes, board))
        assert replay(spec, holes, board, betting) == expected
    # at decision nodes the tree offers the rules' fold and call, and raises in the legal range
    # with the all-in last
    for node in rng.sample(list(tree.decision_nodes()), 300):
        state = play_betting(spec, tree.betting_string(node), complete=False)
        assert state.to_act == tree.player[node] and state.street == tree.street[node]
        legal = state.legal_actions()
        edges = range(tree.first_edge[node], tree.first_edge[node] + tree.num_actions[node])
        kinds = [int(tree.edge_kind[e]) for e in edges]
        amounts = [int(tree.edge_amount[e]) for e in edges]
        assert (FOLD in kinds) == legal.can_fold
        assert amounts[kinds.index(CALL)] == legal.call_to
        raises = [a for k, a in zip(kinds, amounts) if k == RAISE]
        assert all(legal.min_raise_to <= a <= legal.max_raise_to for a in raises)
        if raises:
            assert raises[-1] == legal.max_raise_to
