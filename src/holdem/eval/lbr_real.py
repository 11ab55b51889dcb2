"""Local Best Response in the real game, with bet sizes of its own (Lisý & Bowling 2017).

Lisý & Bowling, "Equilibrium Approximation Quality of Current No-Limit Poker Bots"
(AAAI-17 Computer Poker Workshop, arXiv:1612.07547). LBR plays real heads-up no-limit hands
against a known strategy: it keeps the opponent's range by Bayes' rule and at each decision
takes the action that is best if the hand were then checked down, assuming the opponent only
folds or calls a bet. Its bets are real sizes chosen independently of the opponent's
abstraction, so the opponent answers them through its action translation; that is what
makes LBR find the translation's weaknesses. In-tree LBR (:mod:`holdem.eval.lbr`, the eval
CLI's ``--lbr-tree``) is the cheaper probe restricted to the blueprint's own raises.

Settings (``NAME[:ROUNDS]``, rounds 1-4 = preflop..river; default ``1-4``):

- ``fc``: fold or check/call only;
- ``fcpa``: fold, check/call, a pot-sized bet/raise, all-in;
- ``56bets``: fold, check/call, 55 pot fractions (0.1 to 1 in steps of 0.05, 1.1 to 2 in
  steps of 0.1, 2.25 to 5 in steps of 0.25, 5.5 to 10 in steps of 0.5, 12, 15, 20, 30) and
  all-in. The paper names a set of 56 bet sizes; this module's list is ours (the paper's
  exact sizes were not available here), chosen to cover small bets to large overbets.

In the rounds where LBR does not act it checks/calls, as in the paper's "3-4" settings.

How a decision is made (``c_me``/``c_op``: chips LBR and the opponent have committed;
``e``: LBR's probability of winning, ties half, against the current range):

- fold ``-c_me``; check/call (LBR commits ``m``): ``e * 2m - m``;
- bet/raise to ``R``: ``f`` = the opponent's fold probability over its range, ``m = min(R,
  its stack)``: ``f * c_op + (1 - f) * (e_call * 2m - m)`` with ``e_call`` the equity against
  the range that does not fold. Subtracting the fold value gives the paper's formulas,
  except that the paper's ``wp`` after a bet is against the whole range.
- A pot-sized raise is to ``bet + (pot + to call)``; sizes are clamped to the legal range,
  duplicates dropped; ties go to the first of fold, call, raises from small to large.

The opponent's range is exact Bayes over what LBR knows: its strategy and the public
actions, *including its translation*. A blueprint maps an off-tree raise of LBR to one of
two abstract nodes at random, and its later play depends on which; LBR does not see the
draw, so its belief is over (hole pair, abstract node): a small set of hypotheses, each an
abstract node with a weight per hole pair, split by the translation probabilities when LBR
raises and re-weighted by the strategy's probability of the action when the opponent acts.
Fold probabilities after a candidate raise average over the translation the same way.

Equity (``w[h]`` for each live pair): exact on the turn (all 44-46 river cards) and river;
on the flop ``flop_runouts`` sampled turn-river pairs (0 = all, exact); preflop the win
probability against each opponent pair from ``preflop_runouts`` sampled boards, computed
once per LBR hole pair and run (it does not depend on the range), then weighted by the
current Bayes-updated range. The paper's preflop computation is not reproduced exactly
here; this is our documented choice. Sampling makes LBR's choices noisy, never its result biased: the
payoff of whatever LBR plays is measured exactly.

Results: each deal is played twice, LBR in each seat (duplicate); a hand that ends all-in
before the river is paid its expected value over the rest of the board (no decision is left,
so this is unbiased and less noisy). mbb/hand with a 95% CI over deals; what LBR wins is
what the strategy loses. Every deal has its own streams (seed, deal), so a result does not
depend on the order or number of deals played. Ctrl-C stops after the current deal.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from holdem.core.evaluator import evaluate
from holdem.core.payoff import hand_payoffs
from holdem.core.rng import seed_state
from holdem.eval.agents import Strategy, check_real_game
from holdem.eval.equity import allin_payoff, win_probabilities
from holdem.eval.hands import Decision, HandRecord
from holdem.eval.ranges import NUM_PAIRS, PAIR_HI, PAIR_LO, _pair_index
from holdem.eval.real_match import agent_of, aivat_of_deal, aivat_summary, aivat_text, deal_cards, run_deals
from holdem.eval.results import mean_ci
from holdem.game.rules import CALL, FOLD, RAISE, TERMINAL_SHOWDOWN, Action, BettingState, initial_state

_FRACTIONS_56 = (tuple(round(0.1 + 0.05 * i, 2) for i in range(19))
                 + tuple(round(1.1 + 0.1 * i, 1) for i in range(10))
                 + tuple(round(2.25 + 0.25 * i, 2) for i in range(12))
                 + tuple(round(5.5 + 0.5 * i, 1) for i in range(10))
                 + (12.0, 15.0, 20.0, 30.0))
assert len(_FRACTIONS_56) == 55
SETTINGS: dict[str, tuple[tuple[float, ...], bool]] = {
    "fc": ((), False),
    "fcpa": ((1.0,), True),
    "56bets": (_FRACTIONS_56, True),
}


@dataclass(frozen=True)
class LBRSetting:
    """LBR's actions (pot fractions, all-in) and the rounds (0 = preflop) where it uses them."""

    name: str
    fractions: tuple[float, ...]
    allin: bool
    rounds: tuple[int, ...] = (0, 1, 2, 3)
    preflop_runouts: int = 2_000  # per hole pair of LBR, once per run (the win probabilities do not
    #                               depend on the range, which only weights them)
    flop_runouts: int = 300

    @property
    def label(self) -> str:
        """``fcpa 3-4`` style name."""
        lo, hi = min(self.rounds) + 1, max(self.rounds) + 1
        return f"{self.name} {lo}-{hi}"


def parse_setting(text: str) -> LBRSetting:
    """``fc``, ``fcpa:3-4``, ``56bets:1-4`` ...; ValueError naming the part that is wrong."""
    name, _, rounds = text.strip().partition(":")
    if name not in SETTINGS:
        raise ValueError(f"--lbr: unknown setting {name!r}: use {', '.join(SETTINGS)} with optional "
                         ":ROUNDS such as fcpa:3-4")
    lo, hi = 1, 4
    if rounds:
        parts = rounds.split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[0]) <= int(parts[1]) <= 4:
            raise ValueError(f"--lbr: rounds {rounds!r} in {text!r}: use FIRST-LAST with 1 <= FIRST <= LAST <= 4, "
                             "e.g. 3-4")
        lo, hi = int(parts[0]), int(parts[1])
    fractions, allin = SETTINGS[name]
    return LBRSetting(name, fractions, allin, tuple(range(lo - 1, hi)))


@dataclass(frozen=True)
class RealLBRResult:
    """LBR's winnings against the strategy (= the strategy's loss to LBR)."""

    setting: str
    opponent: str
    deals: int
    hands: int
    chips_per_hand: float
    mbb_per_hand: float
    ci95_mbb: float
    decisions: int
    seconds: float
    interrupted: bool = False
    aivat: dict = field(default_factory=dict)  # AIVAT estimates, when asked (real_match.aivat_summary)

    def __str__(self) -> str:
        return (f"LBR {self.setting} wins {self.mbb_per_hand:+.1f} +/- {self.ci95_mbb:.1f} mbb/hand from "
                f"{self.opponent} over {self.deals:,} duplicate deals ({self.hands:,} hands)" + aivat_text(self.aivat))

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def blocked_by(cards: tuple[int, ...]) -> np.ndarray:
    """Mask of the hole pairs that hold any of ``cards``."""
    mask = np.zeros(NUM_PAIRS, dtype=np.bool_)
    for c in cards:
        mask |= (PAIR_LO == c) | (PAIR_HI == c)
    return mask


class _Belief:
    """LBR's belief over (opponent hole pair, opponent's internal node)."""

    def __init__(self, strategy: Strategy, blocked: tuple[int, ...]):
        self.strategy = strategy
        live = np.ones(NUM_PAIRS)
        live[blocked_by(blocked)] = 0.0
        self.hyp: dict[int, np.ndarray] = {strategy.root(): live}
        self.buckets = np.zeros(NUM_PAIRS, dtype=np.int64)

    def range(self) -> np.ndarray:
        """Weight of each hole pair (summed over the nodes)."""
        return sum(self.hyp.values())

    def new_street(self, street: int, board: np.ndarray, dealt: tuple[int, ...]) -> None:
        """Remove the pairs the new cards block, rebucket the live pairs."""
        mask = blocked_by(dealt)
        for w in self.hyp.values():
            w[mask] = 0.0
        self.buckets = self.strategy.pair_buckets(street, board, self.range())

    def _normalise(self, new: dict[int, np.ndarray]) -> None:
        total = sum(float(w.sum()) for w in new.values())
        if total <= 0.0:
            raise RuntimeError("LBR's belief lost all weight: the opponent took an action its strategy "
                               "gives probability 0")
        self.hyp = {k: w / total for k, w in new.items() if w.any()}

    def after_own(self, state: BettingState, action: Action) -> None:
        """Bayes update on the opponent's action (its strategy's probability per pair)."""
        new: dict[int, np.ndarray] = {}
        for node, w in self.hyp.items():
            node = self.strategy.sync(node, state)
            actions, groups = self.strategy.columns(node, state)
            if action not in actions:
                continue
            probs = self.strategy.column_probs(node, self.buckets)
            for col in groups[actions.index(action)]:
                child = self.strategy.child(node, col)
                add = w * probs[:, col]
                new[child] = new[child] + add if child in new else add
        self._normalise(new)

    def after_other(self, state: BettingState, action: Action) -> None:
        """Split by the opponent's translation of LBR's action."""
        new: dict[int, np.ndarray] = {}
        for node, w in self.hyp.items():
            for child, p in zip(*self.strategy.translate(node, state, action)):
                new[child] = new[child] + p * w if child in new else p * w
        self._normalise(new)

    def fold_split(self, state: BettingState, action: Action) -> tuple[np.ndarray, np.ndarray]:
        """(folding weight, calling weight) per pair after LBR's raise ``action``."""
        after = state.apply(action, validate=False)
        fold = np.zeros(NUM_PAIRS)
        call = np.zeros(NUM_PAIRS)
        for node, w in self.hyp.items():
            for child, p in zip(*self.strategy.translate(node, state, action)):
                child = self.strategy.sync(child, after)
                actions, groups = self.strategy.columns(child, after)
                pw = p * w
                if Action(FOLD) in actions:
                    probs = self.strategy.column_probs(child, self.buckets)
                    pf = probs[:, groups[actions.index(Action(FOLD))]].sum(axis=1)
                    pf = np.clip(pf / np.maximum(probs.sum(axis=1), 1e-300), 0.0, 1.0)
                    fold += pw * pf
                    call += pw * (1.0 - pf)
                else:
                    call += pw
        return fold, call


class _AgentBelief:
    """LBR's belief over the hole pair of an agent that reports its own probabilities for every
    pair (the search agent of :mod:`holdem.search.agent`, which solves range against range):
    ``action_likelihood(action)`` after it acts, ``fold_probability(state, action, board)``
    before LBR's raise ``action``."""

    def __init__(self, agent, blocked: tuple[int, ...]):
        self.agent = agent
        self.r = np.ones(NUM_PAIRS)
        self.r[blocked_by(blocked)] = 0.0

    def range(self) -> np.ndarray:
        """Weight of each hole pair."""
        return self.r

    def new_street(self, street: int, board: np.ndarray, dealt: tuple[int, ...]) -> None:
        """Remove the pairs the new cards block."""
        self.r[blocked_by(dealt)] = 0.0
        self.board = tuple(int(c) for c in board[:(0, 3, 4, 5)[street]])

    def after_own(self, state: BettingState, action: Action) -> None:
        """Bayes update with the agent's probability of ``action`` per pair."""
        new = self.r * self.agent.action_likelihood(action)
        if new.sum() <= 0.0:
            raise RuntimeError("LBR's belief lost all weight: the agent took an action it gives probability 0")
        self.r = new / new.sum()

    def after_other(self, state: BettingState, action: Action) -> None:
        """LBR's own actions tell nothing about the agent's cards."""

    def fold_split(self, state: BettingState, action: Action) -> tuple[np.ndarray, np.ndarray]:
        """(folding weight, calling weight) per pair after LBR's raise ``action``."""
        fold = self.r * self.agent.fold_probability(state, action, self.board)
        return fold, self.r - fold


def candidate_raises(state: BettingState, setting: LBRSetting) -> list[int]:
    """LBR's legal raise totals in ``state`` (ascending, distinct)."""
    legal = state.legal_actions()
    if not legal.can_raise:
        return []
    pot_after_call = state.pot + legal.to_call
    out = {min(max(int(round(state.bet + f * pot_after_call)), legal.min_raise_to), legal.max_raise_to)
           for f in setting.fractions}
    if setting.allin:
        out.add(legal.max_raise_to)
    return sorted(out)


def lbr_action(state: BettingState, belief: _Belief, w: np.ndarray, setting: LBRSetting) -> Action:
    """LBR's best action at ``state`` against the belief (see the module docstring)."""
    me = state.to_act
    op = 1 - me
    legal = state.legal_actions()
    r = belief.range()
    total = float(r.sum())
    e_all = float(r @ w) / total
    c_me, c_op = float(state.contrib[me]), float(state.contrib[op])
    best, best_v = Action(CALL), None
    if legal.can_fold:
        best, best_v = Action(FOLD), -c_me
    m = float(legal.call_to)
    v = e_all * 2.0 * m - m
    if best_v is None or v > best_v:
        best, best_v = Action(CALL), v
    stack_op = float(state.spec.stacks[op])
    for amount in candidate_raises(state, setting):
        action = Action(RAISE, amount)
        fold, call = belief.fold_split(state, action)
        f = float(fold.sum()) / total
        call_w = float(call.sum())
        m = min(float(amount), stack_op)
        if call_w > 1e-12 * total:
            v = f * c_op + (1.0 - f) * (float(call @ w) / call_w * 2.0 * m - m)
        else:
            v = c_op
        if v > best_v:
            best, best_v = action, v
    return best


def _preflop_equity(hole: tuple[int, int], runouts: int, rng: np.ndarray,
                    cache: dict[int, np.ndarray]) -> np.ndarray:
    """LBR's preflop win probability against every pair its cards do not block (the range only
    weights these), sampled once per hole pair of LBR and kept for the run."""
    key = int(_pair_index(hole[0], hole[1]))
    if key not in cache:
        live = np.ones(NUM_PAIRS)
        live[blocked_by(hole)] = 0.0
        w = np.zeros(NUM_PAIRS)
        win_probabilities(hole[0], hole[1], np.zeros(5, dtype=np.int64), 0, live, runouts, rng, w)
        cache[key] = w
    return cache[key]


def _play_lbr_hand(strategy: Strategy, setting: LBRSetting, seat: int, holes, board, rng_seed: int,
                   eq_rng: np.ndarray, hand_id: int,
                   preflop_cache: dict[int, np.ndarray]) -> tuple[float, int, HandRecord]:
    """One hand with LBR in ``seat``: (LBR's value in chips, LBR decisions, the record)."""
    spec = strategy.spec
    opp = agent_of(strategy)
    opp.start_hand(1 - seat, holes[1 - seat], np.random.default_rng([rng_seed, hand_id]))
    belief = _AgentBelief(opp, holes[seat]) if hasattr(opp, "fold_probability") else _Belief(strategy, holes[seat])
    ends = np.cumsum(spec.board_cards)
    board5 = np.asarray(board, dtype=np.int64)
    state = initial_state(spec)
    decisions: list[Decision] = []
    street_seen, equity_street = -1, -1
    w = np.zeros(NUM_PAIRS)
    lbr_decisions = 0
    while not state.is_terminal:
        st = state.street
        if st != street_seen:
            start = 0 if street_seen < 0 else int(ends[street_seen])
            belief.new_street(st, board5, tuple(board[start:int(ends[st])]))
            street_seen = st
        if state.to_act == seat:
            if st in setting.rounds:
                if equity_street != st:
                    if st == 0:
                        w = _preflop_equity(holes[seat], setting.preflop_runouts, eq_rng, preflop_cache)
                    else:
                        win_probabilities(holes[seat][0], holes[seat][1], board5, int(ends[st]), belief.range(),
                                          setting.flop_runouts if st == 1 else 0, eq_rng, w)
                    equity_street = st
                action = lbr_action(state, belief, w, setting)
                lbr_decisions += 1
            else:
                action = Action(CALL)
            opp.observe(state, action)
            belief.after_other(state, action)
            decisions.append(Decision(seat, action))
        else:
            action, policy = opp.act(state, tuple(board[:int(ends[st])]))
            opp.observe(state, action)
            belief.after_own(state, action)
            decisions.append(Decision(1 - seat, action, policy))
        state = state.apply(action, validate=False)
    values = np.zeros(2, dtype=np.int64)
    if state.terminal == TERMINAL_SHOWDOWN:
        for p in range(2):
            values[p] = evaluate(list(holes[p]) + list(board))
    payoff = np.zeros(2)
    contrib = np.array(state.contrib, dtype=np.int64)
    hand_payoffs(contrib, state.active, values, payoff)
    names = ("LBR", strategy.name) if seat == 0 else (strategy.name, "LBR")
    record = HandRecord(spec, names, holes, board, tuple(decisions), tuple(int(round(x)) for x in payoff), hand_id)
    value = float(payoff[seat])
    if state.terminal == TERMINAL_SHOWDOWN and state.street < 3:
        deal = np.array([*holes[0], *holes[1], *board], dtype=np.int64)
        value = allin_payoff(deal, int(ends[state.street]), contrib, state.active, seat, 1000, eq_rng)
    return value, lbr_decisions, record


def real_lbr(strategy: Strategy, setting: LBRSetting, deals: int = 1_000, seed: int = 0,
             on_hand: Callable[[HandRecord], None] | None = None, aivat: bool = False,
             progress: bool = False) -> RealLBRResult:
    """LBR with ``setting`` against ``strategy`` over ``deals`` duplicate deals; ``on_hand`` sees
    every hand; ``aivat`` adds the AIVAT estimate (the strategy is the known agent)."""
    spec = strategy.spec
    check_real_game(spec)
    if spec.num_players != 2:
        raise ValueError(f"LBR is heads-up only; {spec.name!r} has {spec.num_players} players")
    if deals < 1:
        raise ValueError(f"deals: invalid value {deals}: play at least one deal")
    out = np.zeros(deals)
    corrected = np.zeros((3, deals))  # AIVAT, with the chance terms only, imaginary observations (NaN: LBR is unknown)
    decisions = 0
    preflop_cache: dict[int, np.ndarray] = {}

    def play_deal(d: int) -> None:
        nonlocal decisions
        holes, board = deal_cards(spec, np.random.default_rng([seed, d]))
        eq_rng = seed_state(seed, d)
        records = []
        total = 0.0
        for seat in range(2):
            value, k, record = _play_lbr_hand(strategy, setting, seat, holes, board, seed, eq_rng,
                                              2 * d + seat + 1, preflop_cache)
            total += value
            decisions += k
            records.append(record)
            if on_hand is not None:
                on_hand(record)
        out[d] = total / 2.0
        if aivat:
            corrected[:, d] = aivat_of_deal(records, 2)

    done, interrupted, seconds = run_deals(deals, play_deal, f"LBR {setting.label} vs {strategy.name}"
                                           if progress else None)
    scale = 1000.0 / spec.big_blind
    mean, half = mean_ci(out[:done])
    result = RealLBRResult(setting.label, strategy.name, done, 2 * done, mean, mean * scale, half * scale,
                           decisions, seconds, interrupted)
    if aivat and done:
        result.aivat.update(aivat_summary(out[:done], corrected[:, :done], scale))
    return result


__all__ = ["SETTINGS", "LBRSetting", "parse_setting", "RealLBRResult", "real_lbr", "lbr_action",
           "candidate_raises"]
