"""AIVAT: unbiased, variance-reduced estimates of heads-up no-limit Hold'em results.

Burch, Schmid, Moravčík, Morrill & Bowling, "AIVAT: A New Variance Reduction Technique for
Agent Evaluation in Imperfect Information Games" (AAAI 2018). Most of the chips a seat wins
in a hand are luck: the cards, and the random choices of the players. AIVAT adds to each
hand's result *control variates*, terms of mean zero built from a value function ``u`` and
from the two things whose distributions are known: chance (the deck), and the strategy of a
*known* agent (e.g. a blueprint we evaluate), whose probabilities over the real actions a
:class:`holdem.eval.hands.Decision` records in ``policy``.

The estimator
-------------
For a finished hand :class:`holdem.eval.hands.HandRecord` and a seat ``s``::

    AIVAT(s) = chips won by s                                    (the plain value)
             + [E u(h0) - u(h0)]                                   hole-card deal
             + sum over board deals   [E u(h') - u(h')]            flop, turn, river
             + sum over known actions [sum_a pi(a) u(h.a) - u(h.a*)]

where ``h0`` is the history right after the hole cards are dealt, ``h'`` the history right
after a board deal (``E`` over the cards chance could have dealt there: the unseen cards
given both hole pairs and the board before), and for a decision of the known agent
(``policy`` not empty) ``pi`` is its recorded distribution, ``h.a`` the history after action
``a`` and ``a*`` the action taken. Each bracket is ``E[u(next) | everything before] -
u(actual next)``: its mean given the past is zero, since chance deals uniformly from the
unseen cards and the known agent draws its action from ``pi``. So the sum is an unbiased
estimate of the seat's expected winnings for *any* ``u``; a good ``u`` cancels most of the
luck. Decisions of the unknown agent (``policy == ()``) get no term. When the hand is all-in
before the river (nobody can bet any more), the board cards still to come are chance events
like the others, with their terms; with this ``u`` their sum turns the showdown's result
into its expected payoff over the rest of the board.

The value function
------------------
``u(h)`` is the *checked-down* value for ``s``: the payoff at a fold; otherwise every player
still in calls the current bet (up to its stack) and the hand is checked down: the expected
payoff over the board cards still to come, both hole pairs and the board so far known::

    u = equity * pot - own contribution    (ties split the pot)
      = L * (2 * equity - 1)               heads-up,

with ``equity = P(win) + P(tie) / 2`` over the runouts and ``L`` the chips matched by both
after the calls (``min(bet, stacks)``; chips above it go back to their owner). Only the
equity depends on the cards, so it is computed once per hand and board length by the numba
kernel :func:`hand_equities`: exact from the flop on (990 turn-river pairs on the flop, 44
rivers on the turn), estimated preflop from ``preflop_boards`` uniformly sampled boards
(default 1,000; 0: all 1,712,304 boards, exact and ~50 ms a hand).

The chance expectations then need no enumeration. A board deal changes no chips, and ``u``
before the deal is already the expectation over the rest of the board, so ``E u(h') = u(h)``
with ``h`` the history before the deal (the tower rule; exact from the flop on, and
in expectation over the sampling preflop). Before any card is dealt the two seats are
exchangeable, so a seat's equity against a uniformly dealt opponent is 1/2 and
``E u(h0) = L * (2 * 1/2 - 1) = 0`` exactly (``= pot/2 - contribution`` with both blinds
called). The terms of a hand are therefore::

    hole:    0 - u(h0)
    board:   u(h, cards known before) - u(h, cards known after)     per street dealt
    action:  sum_a pi(a) u(h.a) - u(h.a*)                             per known decision

Why a sampled preflop value keeps the estimate unbiased: the preflop equity is the mean over
boards drawn from a pseudo-random stream keyed by the hand id (reproducible), independent of
the cards dealt and of the players' choices. So ``E[u_sampled | history] = u_exact``, and
each term that contains a sampled value still has mean zero given the history before its
event: the hole term because the boards are drawn independently of the holes, the flop term
because the flop is dealt independently of the boards (both then average to the exact
preflop value), the preflop action terms exactly (the action is drawn from ``pi``,
independently of the boards). The same boards serve every preflop value of a hand (common
random numbers), so their noise mostly cancels between consecutive terms.

Imaginary observations
----------------------
The paper also sums over the known agent's other possible private cards ("imaginary
observations"), weighted by how likely its strategy made the actions seen with each. When
*both* agents are known for every hole pair they could hold (each decision's
``Decision.likelihood``: the probability of the action taken for all 1,326 pairs, as the
agent would have played it with that pair at the same public history), the sum can run over
both pairs at once, and the estimate is the expected result given everything public::

    IO(s) = E[chips won by s | the actions, the board]
          = sum_{i, j} w0(i) w1(j) payoff_s(i, j) / sum_{i, j} w0(i) w1(j)

over the pairs (i of seat 0, j of seat 1) that share no card with each other or with the
board, where ``wp`` is the product of seat p's likelihoods over its decisions. The weights
are the posterior of the pairs given the public history: the deal is uniform over disjoint
pairs and boards, and given the pairs, each decision depends only on the actor's pair and
the public history (and on randomness independent of the cards). So ``E[IO] = E[payoff]``
(the tower rule: a conditional expectation keeps the mean and cannot raise the variance;
Rao-Blackwell). A fold pays the same for every pair, so only showdowns change: their
payoff becomes the range-against-range expectation on the final board (:func:`pair_showdown`,
O(1326 log 1326) by inclusion-exclusion over the shared cards). What it needs is what makes it exact: every agent's strategy for
pairs it did not hold, as it would have played them, which holds when an agent's state
depends on its own cards only through the actions it took (true of the blueprint and search
agents of this package: they track the public history; translation coins are drawn from
streams independent of the cards). The control-variate terms above are not added to it.

API: :func:`aivat_values` (plain and AIVAT values per hand for a seat or a named player),
:func:`aivat_terms` (one hand term by term), :func:`summarise` (means, CIs, standard
deviations and variance ratio in mbb/hand, optionally over duplicate pairs) giving an
:class:`AIVATResult`.

Scope: heads-up, 52-card deck, two hole cards, boards of 3/1/1 cards, best-five showdown.
Input is checked: illegal actions, unfinished hands, bad cards, payoffs that do not match the
cards and actions, and policies that do not sum to 1 (tolerance 1e-6), have negative or
repeated entries, contain illegal actions or miss the action taken are ValueErrors naming the
hand id and decision.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from holdem.core.evaluator import eval7
from holdem.core.rng import seed_state
from holdem.eval.equity import _runouts, unseen_cards
from holdem.eval.hands import HandRecord
from holdem.eval.ranges import NUM_PAIRS, PAIR_HI, PAIR_LO, _pair_index
from holdem.game.rules import RAISE, TERMINAL_FOLD, TERMINAL_SHOWDOWN, Action, BettingState, initial_state

POLICY_TOLERANCE = 1e-6
PREFLOP_BOARDS = 1_000
_BOARD_LENGTHS = (0, 3, 4, 5)  # board cards known on each street
_STREAM = 0xA17A7  # the preflop sampling stream of a hand: seed_state(hand_id, _STREAM)


# -- numba kernels ---------------------------------------------------------------------------
@njit(cache=True)
def _tally(h0: int, h1: int, h2: int, h3: int, fb: np.ndarray, counts: np.ndarray) -> None:
    """Add one runout ``fb`` to counts = [seat-0 wins, ties, runouts]."""
    v0 = eval7(h0, h1, fb[0], fb[1], fb[2], fb[3], fb[4])
    v1 = eval7(h2, h3, fb[0], fb[1], fb[2], fb[3], fb[4])
    if v0 > v1:
        counts[0] += 1
    elif v0 == v1:
        counts[1] += 1
    counts[2] += 1


@njit(cache=True)
def showdown_counts(deal: np.ndarray, nb: int, samples: int, rng: np.ndarray) -> np.ndarray:
    """[seat-0 wins, ties, runouts] over the rest of the board with ``nb`` board cards known.

    ``deal``: seat 0's two cards, seat 1's two, then at least ``nb`` board cards. Runouts are
    every combination of the unseen cards when two or fewer cards are to come or ``samples``
    is 0, else ``samples`` uniform draws from ``rng`` (:func:`holdem.eval.equity._runouts`).
    """
    known = np.zeros(52, dtype=np.bool_)
    for i in range(4 + nb):
        known[deal[i]] = True
    need = 5 - nb
    fb = np.empty(5, dtype=np.int64)
    for i in range(nb):
        fb[i] = deal[4 + i]
    counts = np.zeros(3, dtype=np.int64)
    if need <= 2 or samples > 0:
        runs = _runouts(known, need, samples if need > 2 else 0, rng)
        for r in range(runs.shape[0]):
            for j in range(need):
                fb[nb + j] = runs[r, j]
            _tally(deal[0], deal[1], deal[2], deal[3], fb, counts)
        return counts
    # exact with three or more cards to come: every combination, in lexicographic order
    unseen, m = unseen_cards(known)
    idx = np.arange(need)
    while True:
        for j in range(need):
            fb[nb + j] = unseen[idx[j]]
        _tally(deal[0], deal[1], deal[2], deal[3], fb, counts)
        j = need - 1
        while j >= 0 and idx[j] == m - need + j:
            j -= 1
        if j < 0:
            break
        idx[j] += 1
        for i in range(j + 1, need):
            idx[i] = idx[i - 1] + 1
    return counts


@njit(cache=True)
def hand_equities(deal: np.ndarray, streets: int, samples: int, rng: np.ndarray, out: np.ndarray) -> None:
    """``out[k]``: seat 0's equity (wins + ties/2) with 0, 3, 4, 5 board cards known, k < ``streets``."""
    for k in range(streets):
        nb = 0 if k == 0 else k + 2
        c = showdown_counts(deal, nb, samples, rng)
        out[k] = (c[0] + 0.5 * c[1]) / c[2]


@njit(cache=True)
def pair_strengths(board: np.ndarray, out: np.ndarray) -> None:
    """``out[h]``: the showdown strength of pair h on the five-card ``board`` (-1 where they share a card)."""
    for h in range(NUM_PAIRS):
        a, b = PAIR_LO[h], PAIR_HI[h]
        dead = False
        for c in board:
            if c == a or c == b:
                dead = True
        out[h] = -1 if dead else eval7(a, b, board[0], board[1], board[2], board[3], board[4])


@njit(cache=True)
def pair_showdown(weight0: np.ndarray, weight1: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """[seat 0 wins, ties, all]: the weight w0(i) w1(j) of pairs i, j sharing no card, by outcome
    of i (seat 0) against j on the board of ``strength`` (:func:`pair_strengths`).

    O(pairs log pairs): pairs in order of strength, one group of equal strength at a time;
    the seat-1 weight below (or level with) pair i that shares no card with it is the total
    less that of the pairs holding either of i's cards (inclusion-exclusion: only i itself
    holds both, and it is never below i)."""
    order = np.argsort(strength, kind="mergesort")
    total_card = np.zeros(52)  # seat-1 weight of the live pairs holding each card
    total = 0.0
    for h in range(NUM_PAIRS):
        if strength[h] >= 0:
            total += weight1[h]
            total_card[PAIR_LO[h]] += weight1[h]
            total_card[PAIR_HI[h]] += weight1[h]
    below = 0.0
    below_card = np.zeros(52)
    level_card = np.zeros(52)
    out = np.zeros(3)
    k = 0
    while k < NUM_PAIRS:
        if strength[order[k]] < 0:
            k += 1
            continue
        end = k
        level = 0.0
        while end < NUM_PAIRS and strength[order[end]] == strength[order[k]]:
            h = order[end]
            level += weight1[h]
            level_card[PAIR_LO[h]] += weight1[h]
            level_card[PAIR_HI[h]] += weight1[h]
            end += 1
        for m in range(k, end):
            i = order[m]
            wi = weight0[i]
            if wi <= 0.0:
                continue
            a, b = PAIR_LO[i], PAIR_HI[i]
            out[0] += wi * (below - below_card[a] - below_card[b])
            out[1] += wi * (level - level_card[a] - level_card[b] + weight1[i])
            out[2] += wi * (total - total_card[a] - total_card[b] + weight1[i])
        for m in range(k, end):
            h = order[m]
            below += weight1[h]
            below_card[PAIR_LO[h]] += weight1[h]
            below_card[PAIR_HI[h]] += weight1[h]
            level_card[PAIR_LO[h]] = 0.0
            level_card[PAIR_HI[h]] = 0.0
        k = end
    return out


# -- input checks ----------------------------------------------------------------------------
def check_aivat_game(record: HandRecord) -> None:
    """ValueError unless the hand is heads-up Texas Hold'em (52 cards, boards 3/1/1, best five)."""
    spec = record.spec
    if (spec.num_players != 2 or spec.deck_size != 52 or spec.hole_cards != 2
            or tuple(spec.board_cards) != (0, 3, 1, 1) or spec.showdown != "best-five"):
        raise ValueError(f"hand {record.hand_id}: AIVAT is implemented for heads-up Texas Hold'em (2 players, "
                         f"52 cards, 2 hole cards, boards 3/1/1, best-five showdown); the game is {spec.name!r} "
                         f"with {spec.num_players} players, {spec.deck_size} cards, {spec.hole_cards} hole cards, "
                         f"boards {list(spec.board_cards)}, showdown {spec.showdown!r}")


def _action_key(state: BettingState, action: Action) -> tuple[int, int | None]:
    """An action as (kind, chips committed after it) so that ``r`` and ``r<amount>`` compare equal."""
    if action.kind == RAISE:
        amount = action.amount if action.amount is not None else state.legal_actions().min_raise_to
        return RAISE, amount
    return action.kind, None


def _check_cards(record: HandRecord) -> None:
    """ValueError unless both seats hold two cards and the cards are valid and distinct."""
    hid = record.hand_id
    if len(record.holes) != 2 or any(len(h) != 2 for h in record.holes):
        raise ValueError(f"hand {hid}: AIVAT needs both seats' two hole cards, got {list(record.holes)}")
    cards = [*record.holes[0], *record.holes[1], *record.board]
    for c in cards:
        if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)) or not 0 <= int(c) < 52:
            raise ValueError(f"hand {hid}: card {c!r} is not a card id 0..51")
    if len(set(int(c) for c in cards)) != len(cards):
        raise ValueError(f"hand {hid}: a card is dealt twice (holes {list(record.holes)}, board {list(record.board)})")
    if len(record.board) > 5:
        raise ValueError(f"hand {hid}: the board has {len(record.board)} cards, Hold'em deals at most 5")
    if len(record.players) != 2:
        raise ValueError(f"hand {hid}: {len(record.players)} player names for 2 seats")


def _replay(record: HandRecord) -> list[BettingState]:
    """The states before each decision, then the final one; ValueError naming the decision at fault."""
    hid = record.hand_id
    state = initial_state(record.spec)
    states = [state]
    for k, d in enumerate(record.decisions):
        if state.is_terminal:
            raise ValueError(f"hand {hid}, decision {k}: action {d.action.label!r} comes after the hand ended "
                             f"({state.terminal_kind})")
        if d.seat != state.to_act:
            raise ValueError(f"hand {hid}, decision {k}: seat {d.seat} acts where seat {state.to_act} is to act")
        reason = state.why_illegal(d.action)
        if reason:
            raise ValueError(f"hand {hid}, decision {k}: action {d.action.label!r} at seat {d.seat} {reason}")
        state = state.apply(d.action, validate=False)
        states.append(state)
    if not state.is_terminal:
        raise ValueError(f"hand {hid}: the hand is not over after {len(record.decisions)} decisions "
                         f"(seat {state.to_act} is to act on street {state.street})")
    return states


def _check_policy(record: HandRecord, k: int, state: BettingState) -> list[tuple[BettingState, float]]:
    """(state after a, pi(a)) for the recorded policy of decision ``k``; ValueError if it is not a distribution
    over legal actions that includes the action taken."""
    d = record.decisions[k]
    where = f"hand {record.hand_id}, decision {k} (seat {d.seat}, action {d.action.label!r})"
    out: list[tuple[BettingState, float]] = []
    keys = set()
    total = 0.0
    taken = _action_key(state, d.action)
    taken_p = 0.0
    for entry in d.policy:
        try:
            a, p = entry
            p = float(p)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: policy entry {entry!r} is not (Action, probability)") from None
        if not isinstance(a, Action):
            raise ValueError(f"{where}: policy entry {entry!r} is not (Action, probability)")
        if not math.isfinite(p) or p < -POLICY_TOLERANCE:
            raise ValueError(f"{where}: policy probability {p!r} of {a.label!r} is not a probability")
        reason = state.why_illegal(a)
        if reason:
            raise ValueError(f"{where}: policy action {a.label!r} {reason}")
        key = _action_key(state, a)
        if key in keys:
            raise ValueError(f"{where}: policy lists action {a.label!r} twice")
        keys.add(key)
        total += p
        if key == taken:
            taken_p = p
        if p > 0.0:
            out.append((state.apply(a, validate=False), p))
    if abs(total - 1.0) > POLICY_TOLERANCE:
        raise ValueError(f"{where}: policy probabilities sum to {total!r}, not 1 (tolerance {POLICY_TOLERANCE})")
    if taken not in keys:
        raise ValueError(f"{where}: the action taken is not in its recorded policy "
                         f"{[a.label for a, _ in d.policy]}")
    if taken_p <= 0.0:
        raise ValueError(f"{where}: the action taken has probability {taken_p!r} in its recorded policy")
    return out


# -- the estimator ---------------------------------------------------------------------------
@dataclass(frozen=True)
class HandTerms:
    """One hand's AIVAT for one seat, term by term (chips); ``total`` is the estimate."""

    hand_id: int
    seat: int
    payoff: float                      # chips won (the plain value)
    hole: float                        # hole-card deal term: E u(h0) - u(h0)
    board: tuple[float, float, float]  # flop, turn, river deal terms (0 where not dealt)
    actions: tuple[float, ...]         # per decision: its action term (0 for the unknown agent)

    @property
    def total(self) -> float:
        """The AIVAT estimate: payoff plus every correction."""
        return self.payoff + self.hole + sum(self.board) + sum(self.actions)

    @property
    def correction(self) -> float:
        """The sum of the correction terms (mean zero)."""
        return self.total - self.payoff


class _Value:
    """The checked-down value u of one seat in one hand, for any state and board length."""

    __slots__ = ("seat", "stacks", "equity")

    def __init__(self, record: HandRecord, seat: int, streets: int, preflop_boards: int):
        self.seat = seat
        self.stacks = tuple(record.spec.stacks)
        deal = np.zeros(9, dtype=np.int64)
        cards = [*record.holes[0], *record.holes[1], *record.board[:5]]
        deal[:len(cards)] = cards
        eq = np.zeros(4)
        hand_equities(deal, streets, preflop_boards, seed_state(record.hand_id, _STREAM), eq)
        # seat 1's equity is 1 - seat 0's (ties count half for both)
        self.equity = eq if seat == 0 else 1.0 - eq

    def __call__(self, state: BettingState, street: int) -> float:
        """u(state) with the board of ``street`` (0 preflop .. 3 river) known."""
        contrib = state.contrib
        s = self.seat
        if state.terminal == TERMINAL_FOLD:
            # the player left wins what the other put in
            return float(contrib[1 - s]) if state.active >> s & 1 else -float(contrib[s])
        top = max(contrib)
        matched = min(top, self.stacks[0], self.stacks[1])  # both call the bet, up to their stacks
        return matched * (2.0 * self.equity[street] - 1.0)


def aivat_terms(record: HandRecord, seat: int, preflop_boards: int = PREFLOP_BOARDS) -> HandTerms:
    """The AIVAT terms of ``seat`` in ``record`` (module docstring); ValueError for a bad record."""
    check_aivat_game(record)
    _check_cards(record)
    if seat not in (0, 1):
        raise ValueError(f"hand {record.hand_id}: seat {seat!r} is not 0 or 1")
    if not isinstance(preflop_boards, (int, np.integer)) or preflop_boards < 0:
        raise ValueError(f"preflop_boards: {preflop_boards!r}: give a non-negative integer (0: exact)")
    states = _replay(record)
    final = states[-1]
    # streets whose board the hand needs: those reached, all of them at a showdown
    streets = 4 if final.terminal == TERMINAL_SHOWDOWN else final.street + 1
    if len(record.board) < _BOARD_LENGTHS[streets - 1]:
        raise ValueError(f"hand {record.hand_id}: the board has {len(record.board)} cards, the hand dealt "
                         f"{_BOARD_LENGTHS[streets - 1]}")
    policies = [_check_policy(record, k, s) if d.policy else None
                for k, (s, d) in enumerate(zip(states, record.decisions))]
    u = _Value(record, seat, streets, int(preflop_boards))
    _check_payoffs(record, final, u, streets - 1)

    board = [0.0, 0.0, 0.0]
    actions = [0.0] * len(record.decisions)
    street = 0  # the board known so far: that of this street
    for k, state in enumerate(states):
        if k > 0 and policies[k - 1] is not None:
            actions[k - 1] = sum(p * u(nxt, street) for nxt, p in policies[k - 1]) - u(state, street)
        # board cards dealt after this state: to its street, or all of them at a showdown
        target = street if state.terminal == TERMINAL_FOLD else (3 if state.terminal == TERMINAL_SHOWDOWN
                                                                 else state.street)
        while street < target:
            board[street] = u(state, street) - u(state, street + 1)  # E u(after the deal) - u(after)
            street += 1
    hole = 0.0 - u(states[0], 0)  # E u(h0) = 0: equity 1/2 by exchangeability
    return HandTerms(record.hand_id, seat, float(record.payoffs[seat]), hole, tuple(board), tuple(actions))


def _check_payoffs(record: HandRecord, final: BettingState, u: _Value, street: int) -> None:
    """ValueError unless the recorded payoffs are what the cards and actions pay."""
    pays = u(final, street)  # at a showdown the river equity is 0, 1/2 or 1: the exact payoff
    want = (pays, -pays) if u.seat == 0 else (-pays, pays)
    if len(record.payoffs) != 2 or any(abs(float(p) - w) > 1e-9 for p, w in zip(record.payoffs, want)):
        raise ValueError(f"hand {record.hand_id}: recorded payoffs {list(record.payoffs)} but the cards and "
                         f"actions pay {[int(round(w)) for w in want]}")


def imaginary_value(record: HandRecord, seat: int) -> float:
    """The expected chips ``seat`` wins given the public history of ``record`` (imaginary
    observations of both seats' pairs, module docstring); ValueError when a decision has no
    likelihood or the likelihoods give the cards dealt probability 0."""
    check_aivat_game(record)
    _check_cards(record)
    if seat not in (0, 1):
        raise ValueError(f"hand {record.hand_id}: seat {seat!r} is not 0 or 1")
    final = _replay(record)[-1]
    weight = np.ones((2, NUM_PAIRS))
    for k, d in enumerate(record.decisions):
        like = d.likelihood
        if like is None:
            raise ValueError(f"hand {record.hand_id}, decision {k}: no likelihood over the hole pairs "
                             "(imaginary observations need every decision's; play with likelihoods=True)")
        like = np.asarray(like, dtype=np.float64)
        if like.shape != (NUM_PAIRS,) or not np.isfinite(like).all() or (like < -POLICY_TOLERANCE).any() \
                or (like > 1.0 + POLICY_TOLERANCE).any():
            raise ValueError(f"hand {record.hand_id}, decision {k}: the likelihood must be {NUM_PAIRS} "
                             f"probabilities (got shape {like.shape})")
        weight[d.seat] *= np.maximum(like, 0.0)
    for p in (0, 1):
        if not weight[p, _pair_index(*record.holes[p])] > 0.0:
            raise ValueError(f"hand {record.hand_id}: seat {p}'s recorded likelihoods give the cards it "
                             "was dealt probability 0 (they are not the strategy it played)")
    if final.terminal == TERMINAL_FOLD:
        return float(record.payoffs[seat])
    strength = np.zeros(NUM_PAIRS, dtype=np.int64)
    pair_strengths(np.asarray(record.board[:5], dtype=np.int64), strength)
    win, tie, total = pair_showdown(weight[0], weight[1], strength)
    matched = float(min(final.contrib))  # heads-up: the winner takes the smaller stake
    value0 = matched * (2.0 * win + tie - total) / total
    return value0 if seat == 0 else -value0


def aivat_hand(record: HandRecord, seat: int, preflop_boards: int = PREFLOP_BOARDS) -> float:
    """The AIVAT estimate of the chips ``seat`` wins in ``record``."""
    return aivat_terms(record, seat, preflop_boards).total


def _seat(record: HandRecord, seat_of: Callable[[HandRecord], int] | str) -> int:
    """The seat ``seat_of`` names in ``record``."""
    if isinstance(seat_of, str):
        if seat_of not in record.players:
            raise ValueError(f"hand {record.hand_id}: no player named {seat_of!r} (players {list(record.players)})")
        if record.players.count(seat_of) > 1:
            raise ValueError(f"hand {record.hand_id}: both seats are named {seat_of!r}; give a seat function")
        return record.players.index(seat_of)
    return int(seat_of(record))


def aivat_values(records: Sequence[HandRecord], seat_of: Callable[[HandRecord], int] | str,
                 preflop_boards: int = PREFLOP_BOARDS) -> np.ndarray:
    """[4, hands] array for the seat ``seat_of`` names: row 0 the chips won (plain), row 1 the
    AIVAT estimate, row 2 the estimate with the chance terms only (also unbiased: any subset
    of the zero-mean terms is; with deep stacks the checked-down value predicts the result of
    a bet poorly, and the action terms can add more variance than they remove), row 3 the
    imaginary-observation estimate (:func:`imaginary_value`; NaN for hands recorded without
    likelihoods).

    ``seat_of`` is a player name or a function of the record giving the seat;
    ``plain, corrected, chance, imaginary = aivat_values(...)`` unpacks the rows.
    """
    out = np.zeros((4, len(records)))
    for i, rec in enumerate(records):
        seat = _seat(rec, seat_of)
        terms = aivat_terms(rec, seat, preflop_boards)
        out[0, i] = terms.payoff
        out[1, i] = terms.total
        out[2, i] = terms.payoff + terms.hole + sum(terms.board)
        known = all(d.likelihood is not None for d in rec.decisions)
        out[3, i] = imaginary_value(rec, seat) if known else float("nan")
    return out


# -- summaries -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AIVATResult:
    """Plain and AIVAT means with 95% CIs (mbb/hand), standard deviations and the variance ratio."""

    hands: int                  # hands summarised
    samples: int                # independent samples: hands, or pairs of hands with pair_size 2
    big_blind: float
    plain_mbb: float            # mean chips won, in mbb/hand
    plain_ci95_mbb: float       # 95% CI half-width (normal approximation over the samples)
    aivat_mbb: float
    aivat_ci95_mbb: float
    plain_std_mbb: float        # standard deviation of one sample (a hand or a pair's mean), mbb
    aivat_std_mbb: float
    variance_ratio: float       # plain variance / AIVAT variance
    difference_mbb: float       # mean of AIVAT - plain (zero in expectation)
    difference_ci95_mbb: float  # its 95% CI half-width

    def text(self) -> str:
        """One line: both estimates and the variance ratio."""
        return (f"plain {self.plain_mbb:+.1f} +/- {self.plain_ci95_mbb:.1f}, AIVAT {self.aivat_mbb:+.1f} +/- "
                f"{self.aivat_ci95_mbb:.1f} mbb/hand over {self.hands:,} hands (variance / "
                f"{self.variance_ratio:.2f})")


def _mean_ci_std(x: np.ndarray) -> tuple[float, float, float]:
    """(mean, 95% CI half-width, standard deviation) of samples."""
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    std = float(x.std(ddof=1))
    return mean, 1.96 * std / math.sqrt(len(x)), std


def summarise(plain: np.ndarray, corrected: np.ndarray, big_blind: float, pair_size: int = 1) -> AIVATResult:
    """Means, 95% CIs and variance ratio of per-hand plain and AIVAT values (chips) in mbb/hand.

    ``pair_size`` 2 averages consecutive pairs of hands (the two seatings of a duplicate deal)
    into one sample before the CIs; any ``pair_size`` groups that many consecutive hands.
    """
    plain = np.asarray(plain, dtype=np.float64).ravel()
    corrected = np.asarray(corrected, dtype=np.float64).ravel()
    if len(plain) != len(corrected) or len(plain) == 0:
        raise ValueError(f"summarise: give as many AIVAT values as plain ones, at least one "
                         f"(got {len(plain)} and {len(corrected)})")
    if not isinstance(pair_size, (int, np.integer)) or pair_size < 1 or len(plain) % pair_size:
        raise ValueError(f"summarise: pair_size {pair_size!r} must be a positive integer dividing the "
                         f"{len(plain)} hands")
    if not big_blind > 0:
        raise ValueError(f"summarise: big_blind {big_blind!r} must be positive")
    scale = 1000.0 / big_blind
    p = plain.reshape(-1, pair_size).mean(axis=1) * scale
    c = corrected.reshape(-1, pair_size).mean(axis=1) * scale
    pm, pci, ps = _mean_ci_std(p)
    cm, cci, cs = _mean_ci_std(c)
    dm, dci, _ = _mean_ci_std(c - p)
    ratio = ps ** 2 / cs ** 2 if cs > 0 else (float("inf") if ps > 0 else float("nan"))
    return AIVATResult(len(plain), len(p), float(big_blind), pm, pci, cm, cci, ps, cs, ratio, dm, dci)


__all__ = ["AIVATResult", "HandTerms", "POLICY_TOLERANCE", "PREFLOP_BOARDS", "aivat_hand", "aivat_terms",
           "aivat_values", "check_aivat_game", "hand_equities", "imaginary_value", "pair_showdown", "pair_strengths",
           "showdown_counts", "summarise"]
