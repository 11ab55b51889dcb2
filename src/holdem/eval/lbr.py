"""Local Best Response (LBR) against a heads-up no-limit Hold'em blueprint, in numba.

Lisý & Bowling, "Equilibrium Approximation Quality of Current No-Limit Poker Bots"
(AAAI-17 Computer Poker Workshop, arXiv:1612.07547, 2017). LBR is a cheap lower bound on a
strategy's exploitability: it plays real hands against the strategy, knows the strategy
(not the cards), keeps the opponent's range by Bayes' rule, and at each decision takes the
action that is best *if the hand were then checked down* (a one-step look-ahead).

This module holds the LBR policy and its driver; the hole-pair ranges and their bucketing
are in :mod:`holdem.eval.ranges`, the equity and all-in kernels in :mod:`holdem.eval.equity`,
and fixed strategies to measure (always-fold, uniform, ...) in :mod:`holdem.eval.rule_bots`.

How this implementation plays
-----------------------------
- Deals are sampled uniformly; each deal is played twice with LBR in seat 0, then seat 1
  (duplicate deals, as in :mod:`holdem.eval.match`); a deal's result is the mean of LBR's
  two payoffs. The result is LBR's winnings (= the blueprint's loss) in chips and mbb/hand
  with a 95% confidence interval over deals (normal approximation).
- The hands stay on the blueprint's betting tree: the blueprint samples from its average
  strategy at its abstract infoset (its own card bucket), and LBR picks among the tree's
  actions at its nodes: fold, check/call, and for each pot fraction of ``bet_fractions``
  the tree raise whose amount is closest to ``bet + fraction * pot after calling`` (the
  tree's own sizing rule), plus all-in. So the blueprint never meets an off-tree size.
- Range: a weight for each of the 1,326 hole-card pairs, zero for pairs blocked by LBR's
  cards or the board. After each blueprint action ``a`` at node ``n`` every pair ``h`` is
  multiplied by ``sigma(n, bucket(h), a)``, the blueprint's probability of ``a`` with
  ``h``, where ``bucket(h)`` is the blueprint's own card abstraction of ``h`` on the
  current board (computed for every live pair once per street; hand-strength buckets and
  potential-aware bucket files are supported).
- Equity: ``w[h]``, LBR's probability of winning against pair ``h`` (ties count half), is
  exact on the river (one board) and the turn (all 44-46 river cards); on the flop it is
  averaged over ``flop_runouts`` sampled (turn, river) pairs (0: all 1,081 pairs, exact),
  and preflop over ``preflop_runouts`` sampled five-card boards. A runout is counted for a
  pair only when it does not use the pair's cards. The equity against any weighting
  ``r`` of the range is then ``sum(r * w) / sum(r)``.

Action values (net chips of LBR at the end of the hand; ``c_me``, ``c_op``: chips LBR and
the blueprint have committed now; ``e``: equity against the current range):

- fold: ``-c_me``
- check/call (the call commits ``m = min(call amount, c_op)``; the rest is checked down):
  ``e * 2m - m``
- raise to ``R`` (chips committed after the raise): ``f`` is the blueprint's fold
  probability at the child node averaged over the range, ``f = sum(r[h] * pf[h]) / sum(r)``
  with ``pf[h] = sigma(child, bucket(h), fold)``; when it does not fold it is assumed to
  call (``m = min(R, its stack)``) and the hand is checked down, against the *calling*
  range ``r[h] * (1 - pf[h])`` whose equity is ``e_call``:
  ``f * c_op + (1 - f) * (e_call * 2m - m)``

Variance: a hand that ends all-in before the river is paid its expected value over the rest
of the board (exact from the flop on, ``allin_runouts`` sampled boards preflop) instead of
one dealt board; nobody acts after the all-in, so this is unbiased and much less noisy.
Every deal has its own random stream (seed, deal number), so results do not depend on the
number of threads.

Subtracting the fold value ``-c_me`` gives the paper's formulas (``wp * pot - (1 - wp) *
asked`` for a call, ``fp * pot + (1 - fp) * (wp * (pot + bet) - (1 - wp) * (asked + bet))``
for a bet), except that the paper uses the equity against the whole range after a bet where
this module uses the calling range, as the issue asks. LBR takes the action of largest value
(the first in edge order on ties: fold, call, then raises from small to large).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from holdem.abstraction.deal import ABSTRACTION_BUCKET_FILE, ABSTRACTION_HAND_STRENGTH, DealModel, sample_deal
from holdem.core.evaluator import eval7
from holdem.core.payoff import hand_payoffs
from holdem.core.rng import sample_action, stream_at
from holdem.eval.equity import allin_payoff, win_probabilities
from holdem.eval.ranges import NUM_PAIRS, PAIR_HI, PAIR_LO, _pair_index, _range_buckets
from holdem.eval.results import mean_ci
from holdem.eval.threads import call_with_threads
from holdem.game.tree import CALL, FOLD, RAISE, TERMINAL_SHOWDOWN
from holdem.mccfr.layout import ACTIVE, FIRST_EDGE, NUM_ACTIONS, PLAYER, SLOT_BASE, STREET, TERMINAL
from holdem.mccfr.problem import Problem


@njit(cache=True)
def lbr_choose(node: int, node_info: np.ndarray, contrib: np.ndarray, edge_child: np.ndarray,
               edge_kind: np.ndarray, edge_amount: np.ndarray, policy: np.ndarray, stacks: np.ndarray,
               weight: np.ndarray, buckets: np.ndarray, w: np.ndarray, fractions: np.ndarray,
               allin: bool) -> int:
    """Index of LBR's action at ``node`` (see the module docstring for the values)."""
    p = node_info[node, PLAYER]
    q = 1 - p
    c_me = float(contrib[node, p])
    c_op = float(contrib[node, q])
    fe = node_info[node, FIRST_EDGE]
    n = node_info[node, NUM_ACTIONS]
    total = 0.0
    eq = 0.0
    for h in range(NUM_PAIRS):
        if weight[h] > 0.0:
            total += weight[h]
            eq += weight[h] * w[h]
    e_all = eq / total
    # which raise edges the bet set selects: nearest to each pot fraction, and all-in
    chosen = np.zeros(n, dtype=np.bool_)
    bet = max(c_me, c_op)
    pot_after_call = 2.0 * bet
    last_raise = -1
    for a in range(n):
        if edge_kind[fe + a] == RAISE:
            last_raise = a
    if last_raise >= 0:
        if allin:
            chosen[last_raise] = True
        for i in range(fractions.shape[0]):
            target = bet + fractions[i] * pot_after_call
            best_a = -1
            best_d = 0.0
            for a in range(n):
                if edge_kind[fe + a] == RAISE:
                    d = abs(edge_amount[fe + a] - target)
                    if best_a < 0 or d < best_d:
                        best_a = a
                        best_d = d
            chosen[best_a] = True
    best = -1
    best_v = 0.0
    for a in range(n):
        kind = edge_kind[fe + a]
        if kind == FOLD:
            v = -c_me
        elif kind == CALL:
            m = min(float(edge_amount[fe + a]), c_op)
            v = e_all * 2.0 * m - m
        else:
            if not chosen[a]:
                continue
            child = edge_child[fe + a]
            cfe = node_info[child, FIRST_EDGE]
            fold_col = -1
            for k in range(node_info[child, NUM_ACTIONS]):
                if edge_kind[cfe + k] == FOLD:
                    fold_col = k
            rb = node_info[child, SLOT_BASE]
            cn = node_info[child, NUM_ACTIONS]
            fold_w = 0.0
            call_w = 0.0
            call_eq = 0.0
            for h in range(NUM_PAIRS):
                if weight[h] > 0.0:
                    pf = policy[rb + buckets[h] * cn + fold_col] if fold_col >= 0 else 0.0
                    fold_w += weight[h] * pf
                    cw = weight[h] * (1.0 - pf)
                    call_w += cw
                    call_eq += cw * w[h]
            f = fold_w / total
            m = min(float(edge_amount[fe + a]), float(stacks[q]))
            if call_w > 1e-12 * total:
                v = f * c_op + (1.0 - f) * (call_eq / call_w * 2.0 * m - m)
            else:
                v = c_op
        if best < 0 or v > best_v:
            best = a
            best_v = v
    return best


@njit(cache=True)
def _lbr_deal(d: int, seed: np.uint64, node_info: np.ndarray, contrib: np.ndarray, edge_child: np.ndarray,
              edge_kind: np.ndarray, edge_amount: np.ndarray, policy: np.ndarray, dm: DealModel,
              stacks: np.ndarray, fractions: np.ndarray, allin: bool, runouts: np.ndarray,
              allin_samples: int) -> tuple[float, int]:
    """Deal number ``d`` (its own random stream) played with LBR in both seats:
    (LBR's mean payoff in chips, LBR decisions)."""
    rng = np.empty(1, dtype=np.uint64)
    rng[0] = stream_at(seed, d)
    deck = np.arange(52, dtype=np.int64)
    deal = np.zeros(9, dtype=np.int64)
    sample_deal(dm, deck, rng, deal)
    board = deal[4:]
    weight = np.zeros(NUM_PAIRS)
    buckets = np.zeros(NUM_PAIRS, dtype=np.int64)
    w = np.zeros(NUM_PAIRS)
    values = np.zeros(2, dtype=np.int64)
    values[0] = eval7(deal[0], deal[1], board[0], board[1], board[2], board[3], board[4])
    values[1] = eval7(deal[2], deal[3], board[0], board[1], board[2], board[3], board[4])
    payoff = np.zeros(2)
    total = 0.0
    decisions = 0
    for seat in range(2):
        me0, me1 = deal[2 * seat], deal[2 * seat + 1]
        opp = _pair_index(deal[2 - 2 * seat], deal[3 - 2 * seat])
        for h in range(NUM_PAIRS):
            a, b = PAIR_LO[h], PAIR_HI[h]
            weight[h] = 0.0 if (a == me0 or a == me1 or b == me0 or b == me1) else 1.0
        street_seen = -1
        equity_street = -1
        node = 0
        while node_info[node, TERMINAL] == 0:
            st = node_info[node, STREET]
            if st != street_seen:  # new board cards: remove the pairs they block, rebucket
                nb = dm.board_start[st + 1]
                for h in range(NUM_PAIRS):
                    if weight[h] > 0.0:
                        for i in range(nb):
                            if PAIR_LO[h] == board[i] or PAIR_HI[h] == board[i]:
                                weight[h] = 0.0
                _range_buckets(dm, st, board, weight, opp, buckets)
                street_seen = st
            p = node_info[node, PLAYER]
            fe = node_info[node, FIRST_EDGE]
            n = node_info[node, NUM_ACTIONS]
            if p == seat:
                if equity_street != st:
                    win_probabilities(me0, me1, board, dm.board_start[st + 1], weight,
                                      runouts[st] if st < 2 else 0, rng, w)
                    equity_street = st
                a = lbr_choose(node, node_info, contrib, edge_child, edge_kind, edge_amount, policy,
                               stacks, weight, buckets, w, fractions, allin)
                decisions += 1
            else:
                rb = node_info[node, SLOT_BASE]
                a = sample_action(policy, rb + buckets[opp] * n, n, rng)
                s = 0.0
                for h in range(NUM_PAIRS):  # Bayes: P(hand | action) ~ P(hand) * sigma(action | hand)
                    if weight[h] > 0.0:
                        weight[h] *= policy[rb + buckets[h] * n + a]
                        s += weight[h]
                if s > 0.0:
                    for h in range(NUM_PAIRS):
                        weight[h] /= s
            node = edge_child[fe + a]
        st = node_info[node, STREET]
        if node_info[node, TERMINAL] == TERMINAL_SHOWDOWN and st < 3:
            # all-in before the river: no decision is left, so the expected payoff over the
            # rest of the board is an unbiased, far less noisy result than one dealt board
            total += allin_payoff(deal, dm.board_start[st + 1], contrib[node], node_info[node, ACTIVE],
                                  seat, allin_samples, rng)
        else:
            hand_payoffs(contrib[node], node_info[node, ACTIVE], values, payoff)
            total += payoff[seat]
    return total / 2.0, decisions


@njit(cache=True)
def _lbr_serial(seed: np.uint64, num_deals: int, node_info: np.ndarray, contrib: np.ndarray,
                edge_child: np.ndarray, edge_kind: np.ndarray, edge_amount: np.ndarray, policy: np.ndarray,
                dm: DealModel, stacks: np.ndarray, fractions: np.ndarray, allin: bool, runouts: np.ndarray,
                allin_samples: int, out: np.ndarray, decisions: np.ndarray) -> None:
    for d in range(num_deals):
        out[d], decisions[d] = _lbr_deal(d, seed, node_info, contrib, edge_child, edge_kind, edge_amount,
                                         policy, dm, stacks, fractions, allin, runouts,
                                         allin_samples)


@njit(cache=True, parallel=True)
def _lbr_parallel(seed: np.uint64, num_deals: int, node_info: np.ndarray, contrib: np.ndarray,
                  edge_child: np.ndarray, edge_kind: np.ndarray, edge_amount: np.ndarray, policy: np.ndarray,
                  dm: DealModel, stacks: np.ndarray, fractions: np.ndarray, allin: bool, runouts: np.ndarray,
                  allin_samples: int, out: np.ndarray, decisions: np.ndarray) -> None:
    # every deal has its own random stream, so the result does not depend on the threads
    for d in prange(num_deals):
        out[d], decisions[d] = _lbr_deal(d, seed, node_info, contrib, edge_child, edge_kind, edge_amount,
                                         policy, dm, stacks, fractions, allin, runouts,
                                         allin_samples)


@dataclass(frozen=True)
class LBRConfig:
    """LBR's bet set and equity sampling."""

    bet_fractions: tuple[float, ...] = (1.0,)  # pot fractions, each mapped to the nearest tree raise
    allin: bool = True                         # also consider the tree's all-in
    preflop_runouts: int = 200                 # sampled five-card boards per preflop equity
    flop_runouts: int = 200                    # sampled turn+river pairs on the flop; 0 = all 1,081
    allin_runouts: int = 1_000                 # sampled boards to value a preflop all-in


@dataclass(frozen=True)
class LBRResult:
    """LBR's winnings against the strategy (= the strategy's loss to LBR)."""

    deals: int
    hands: int
    chips_per_hand: float
    mbb_per_hand: float
    ci95_mbb: float  # half-width of the 95% confidence interval
    decisions: int
    seconds: float

    def __str__(self) -> str:
        return (f"LBR wins {self.mbb_per_hand:+.1f} +/- {self.ci95_mbb:.1f} mbb/hand over "
                f"{self.deals:,} duplicate deals ({self.hands:,} hands)")


def check_lbr_game(problem: Problem) -> None:
    """ValueError unless ``problem`` is heads-up Texas Hold'em with a hand-strength or bucket-file
    abstraction (the ones LBR can bucket every candidate hand with)."""
    spec = problem.spec
    if (spec.num_players != 2 or spec.deck_size != 52 or spec.hole_cards != 2
            or tuple(spec.board_cards) != (0, 3, 1, 1) or spec.showdown != "best-five"):
        raise ValueError(f"LBR needs heads-up Texas Hold'em (2 players, 52 cards, boards 3/1/1); "
                         f"game {spec.name!r} differs")
    if problem.deal_model.abstraction not in (ABSTRACTION_HAND_STRENGTH, ABSTRACTION_BUCKET_FILE):
        raise ValueError(f"LBR buckets the opponent's range with the blueprint's abstraction; "
                         f"{problem.abstraction.name!r} is not supported (use hand-strength or buckets)")


def local_best_response(problem: Problem, strategy: np.ndarray, deals: int = 1_000, seed: int = 0,
                        config: LBRConfig = LBRConfig(), threads: int = 1) -> LBRResult:
    """LBR against ``strategy`` (a flat probability table over the slots, e.g. a blueprint's
    ``average``) over ``deals`` duplicate deals; ``threads`` > 1 uses numba threads."""
    check_lbr_game(problem)
    layout = problem.layout
    strategy = np.ascontiguousarray(strategy, dtype=np.float64)
    if strategy.shape != (layout.num_slots,):
        raise ValueError(f"strategy table of shape {strategy.shape}, the game needs ({layout.num_slots},)")
    if deals < 1:
        raise ValueError(f"deals: invalid value {deals}: play at least one deal")
    if config.preflop_runouts < 1 or config.flop_runouts < 0 or config.allin_runouts < 1:
        raise ValueError("LBR runouts: preflop and all-in need at least 1 sampled board, "
                         "flop 0 (exact) or more")
    if any(not f > 0 for f in config.bet_fractions):
        raise ValueError(f"LBR bet fractions must be positive pot fractions, got {list(config.bet_fractions)}")
    fractions = np.array(config.bet_fractions, dtype=np.float64)
    runouts = np.array([config.preflop_runouts, config.flop_runouts], dtype=np.int64)
    stacks = np.array(problem.spec.stacks, dtype=np.int64)
    edge_kind = np.ascontiguousarray(problem.tree.edge_kind)
    edge_amount = np.ascontiguousarray(problem.tree.edge_amount)
    out = np.zeros(deals)
    decisions = np.zeros(deals, dtype=np.int64)
    seed_u = np.uint64((int(seed) * 0x9E3779B97F4A7C15 + 0x5851F42D4C957F2D) & 0xFFFFFFFFFFFFFFFF)
    args = (seed_u, deals, layout.node_info, layout.contrib, layout.edge_child, edge_kind, edge_amount,
            strategy, problem.deal_model, stacks, fractions, bool(config.allin), runouts,
            int(config.allin_runouts), out, decisions)
    start = time.perf_counter()
    if threads > 1:
        call_with_threads(_lbr_parallel, threads, *args)
    else:
        _lbr_serial(*args)
    seconds = time.perf_counter() - start
    scale = 1000.0 / problem.spec.big_blind
    mean, half = mean_ci(out)
    return LBRResult(deals, 2 * deals, mean, mean * scale, half * scale, int(decisions.sum()), seconds)


__all__ = ["LBRConfig", "LBRResult", "local_best_response", "check_lbr_game", "lbr_choose"]
