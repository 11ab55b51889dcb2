"""Matches in the real game: agents with different trees and buckets play no-limit Hold'em.

Every hand follows the exact rules (:mod:`holdem.game.rules`: any legal bet size, all-ins,
minimum raises) and is paid by :func:`holdem.core.payoff.hand_payoffs` with the real
evaluator. Agents (:mod:`holdem.eval.agents`) translate the others' bets onto their own trees,
so a blueprint plays a blueprint of another abstraction, a rule bot, or itself.

Duplicate deals with seat rotation: a match has a *lone* agent and a *field* agent. Every
deal (hole cards per seat and the board) is played once with the lone agent in each seat and
copies of the field agent in the others (heads-up: the two seatings of a deal; six-max: the
six rotations, "1 vs 5"). The cards stay with the seats, so each hand of cards is played by
the lone agent from every position and by the field from all the others, which cancels both
the luck of the cards and the value of position. A deal's result is the lone agent's mean
payoff over its rotations; results are in mbb/hand (milli-big-blinds per hand) with a 95%
confidence interval over deals (normal approximation; deals are independent).

Each deal has its own random streams (cards: (seed, deal); each agent: (seed, deal, seat, its
name)), so results do not depend on how many deals were played before. Ctrl-C ends a match
after the current deal with the deals played so far (``interrupted``).

Paired matches (``baseline``): every hand is played a second time with a baseline agent in
the lone agent's seat, on the same cards and the lone agent's random stream (common random
numbers). Two agents that play alike, such as the blueprint with search from some street
and the blueprint alone, then play the same hand identically until they differ, and the
per-deal difference of their results carries only the noise of the hands they play
differently.
"""
from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from holdem.core.evaluator import evaluate
from holdem.core.payoff import hand_payoffs
from holdem.core.progress import ProgressBar
from holdem.eval.agents import Strategy, StrategyAgent, check_real_game, same_real_game
from holdem.eval.hands import Decision, HandRecord
from holdem.eval.results import mean_ci
from holdem.game.rules import TERMINAL_SHOWDOWN, initial_state
from holdem.game.spec import GameSpec

HandCallback = Callable[[HandRecord], None]


def deal_cards(spec: GameSpec, rng: np.random.Generator) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
    """(hole cards per seat, the five board cards) of one uniformly shuffled deck."""
    cards = rng.permutation(52)
    n = spec.num_players
    holes = tuple((int(cards[2 * p]), int(cards[2 * p + 1])) for p in range(n))
    return holes, tuple(int(c) for c in cards[2 * n:2 * n + 5])


def play_hand(spec: GameSpec, agents: list[StrategyAgent], holes: tuple[tuple[int, int], ...],
              board: tuple[int, ...], rngs: list[np.random.Generator], hand_id: int = 0,
              likelihoods: bool = False) -> HandRecord:
    """Play one hand of the real game; ``agents[p]`` sits in seat ``p``; ``likelihoods``
    records every decision's probability for all hole pairs (agents with ``action_likelihood``)."""
    for p, agent in enumerate(agents):
        agent.start_hand(p, holes[p], rngs[p])
    ends = np.cumsum(spec.board_cards)
    state = initial_state(spec)
    decisions: list[Decision] = []
    while not state.is_terminal:
        p = state.to_act
        action, policy = agents[p].act(state, board[:ends[state.street]])
        like = agents[p].action_likelihood(action) if likelihoods and hasattr(agents[p], "action_likelihood") \
            else None
        for agent in agents:
            agent.observe(state, action)
        decisions.append(Decision(p, action, policy, like))
        state = state.apply(action, validate=False)
    values = np.zeros(spec.num_players, dtype=np.int64)
    if state.terminal == TERMINAL_SHOWDOWN:
        for p in range(spec.num_players):
            if state.active >> p & 1:
                values[p] = evaluate(list(holes[p]) + list(board))
    payoff = np.zeros(spec.num_players)
    hand_payoffs(np.array(state.contrib, dtype=np.int64), state.active, values, payoff)
    return HandRecord(spec, tuple(a.name for a in agents), holes, board, tuple(decisions),
                      tuple(int(round(x)) for x in payoff), hand_id)


@dataclass
class RealMatchResult:
    """The lone agent's result against the field, per hand (mbb/hand, 95% CI)."""

    lone: str
    field: str
    num_players: int
    deals: int
    hands: int
    chips_per_hand: float
    mbb_per_hand: float
    ci95_mbb: float
    seconds: float
    interrupted: bool = False
    aivat: dict = field(default_factory=dict)  # AIVAT estimates (heads-up), when asked: aivat_summary
    paired: dict = field(default_factory=dict)  # lone - baseline on common random numbers, when asked

    def __str__(self) -> str:
        lineup = "heads-up" if self.num_players == 2 else f"1 vs {self.num_players - 1}"
        text = (f"{self.lone} vs {self.field} ({lineup}): {self.mbb_per_hand:+.1f} +/- {self.ci95_mbb:.1f} "
                f"mbb/hand over {self.deals:,} duplicate deals ({self.hands:,} hands)")
        text += aivat_text(self.aivat)
        if self.paired:
            q = self.paired
            text += (f"\n  paired with {q['baseline']} in its seat (same cards and streams): {self.lone} - "
                     f"{q['baseline']} {q['mbb_per_hand']:+.1f} +/- {q['ci95_mbb']:.1f} mbb/hand (variance / "
                     f"{q['variance_ratio']:.2f})" + aivat_text(q.get("aivat", {})))
        return text

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        return {k: getattr(self, k) for k in ("lone", "field", "num_players", "deals", "hands", "chips_per_hand",
                                              "mbb_per_hand", "ci95_mbb", "seconds", "interrupted", "aivat",
                                              "paired")}


def rotation_match(spec: GameSpec, lone: Strategy, field_strategy: Strategy, deals: int, seed: int = 0,
                   on_hand: HandCallback | None = None, aivat: bool = False,
                   progress: bool = False, baseline: Strategy | None = None) -> RealMatchResult:
    """``deals`` duplicate deals, each played with ``lone`` in every seat and copies of
    ``field_strategy`` elsewhere; ``on_hand`` sees every hand (e.g. a PHH writer); ``aivat``
    adds the AIVAT estimates (heads-up, :mod:`holdem.eval.aivat`); both agents play known
    strategies, so both sides' decisions get action terms, and their likelihoods for every
    pair are recorded for the imaginary-observation estimate.

    ``baseline`` pairs every hand with a control hand: the same cards, ``baseline`` in the
    lone agent's seat drawing from the lone agent's random stream, the field on its own
    streams (common random numbers). ``paired`` is then lone - baseline per deal: an unbiased
    estimate of how much more the lone agent wins from the field than ``baseline`` does,
    with far less variance when the two agents play alike (e.g. the blueprint with search,
    and the blueprint alone, which play the same cards identically until the search starts).
    Against ``baseline`` as the field that difference is the lone agent's result itself,
    since a strategy's duplicate result against itself is 0. Control hands are not passed
    to ``on_hand``."""
    check_real_game(spec)
    for s in (lone, field_strategy):
        if not same_real_game(s.spec, spec):
            raise ValueError(f"agent {s.name!r} was trained for another real game than {spec.name!r}")
    if deals < 1:
        raise ValueError(f"deals: invalid value {deals}: play at least one deal")
    n = spec.num_players
    if aivat and n != 2:
        raise ValueError("AIVAT is implemented for heads-up matches only")
    lone_agent = agent_of(lone)
    field_agents = [agent_of(field_strategy) for _ in range(n - 1)]
    base_agent = agent_of(baseline) if baseline is not None else None
    results = np.zeros((2, deals))  # lone, baseline
    corrected = np.zeros((2, 3, deals))  # AIVAT, with the chance terms only, with imaginary observations

    def play_deal(d: int) -> None:
        holes, board = deal_cards(spec, np.random.default_rng([seed, d]))
        records: list[list[HandRecord]] = [[], []]
        total = np.zeros(2)
        for k in range(n):
            others = iter(field_agents)
            agents = [lone_agent if p == k else next(others) for p in range(n)]
            # an agent's stream depends on the deal, its seat and its name, not on the
            # rotation: heads-up, match(A, B) is then exactly -match(B, A)
            seeds = [[seed, d, p, zlib.crc32(a.name.encode())] for p, a in enumerate(agents)]
            for b, seated in enumerate((lone_agent, base_agent)):
                if seated is None:
                    continue
                agents[k] = seated
                rngs = [np.random.default_rng(s) for s in seeds]
                rec = play_hand(spec, agents, holes, board, rngs, hand_id=d * n + k + 1, likelihoods=aivat)
                total[b] += rec.payoffs[k]
                records[b].append(rec)
                if on_hand is not None and b == 0:
                    on_hand(rec)
        results[:, d] = total / n
        if aivat:
            for b in range(2 if base_agent is not None else 1):
                corrected[b, :, d] = aivat_of_deal(records[b], n)

    done, interrupted, seconds = run_deals(deals, play_deal, f"{lone.name} vs {field_strategy.name}"
                                           if progress else None)
    scale = 1000.0 / spec.big_blind
    mean, half = mean_ci(results[0, :done])
    out = RealMatchResult(lone.name, field_strategy.name, n, done, done * n, mean, mean * scale, half * scale,
                          seconds, interrupted)
    if aivat and done:
        out.aivat = aivat_summary(results[0, :done], corrected[0, :, :done], scale)
    if base_agent is not None and done:
        diff = results[0, :done] - results[1, :done]
        mean, half = mean_ci(diff)
        var = float(diff.var(ddof=1)) if done > 1 else float("nan")
        ratio = float(results[0, :done].var(ddof=1)) / var if var > 0 else float("inf") if done > 1 else float("nan")
        out.paired = {"baseline": baseline.name, "mbb_per_hand": mean * scale, "ci95_mbb": half * scale,
                      "variance_ratio": ratio}
        if aivat:
            out.paired["aivat"] = aivat_summary(diff, corrected[0, :, :done] - corrected[1, :, :done], scale)
    return out


def agent_of(strategy: Strategy) -> StrategyAgent:
    """The agent that plays ``strategy``: its own (``make_agent()``, e.g. the search agent
    of :mod:`holdem.search.agent`, which solves as it plays) or a :class:`StrategyAgent`."""
    make = getattr(strategy, "make_agent", None)
    return make() if make is not None else StrategyAgent(strategy)


def aivat_summary(plain: np.ndarray, corrected: np.ndarray, scale: float) -> dict:
    """AIVAT mean and CI (mbb/hand) of per-deal values and the variance ratio plain / AIVAT;
    ``corrected`` rows: the full estimate, the chance terms only (under ``chance_only``)."""
    def one(values: np.ndarray) -> dict[str, float]:
        mean, half = mean_ci(values)
        var_plain = float(plain.var(ddof=1)) if len(plain) > 1 else float("nan")
        var = float(values.var(ddof=1)) if len(values) > 1 else float("nan")
        return {"mbb_per_hand": mean * scale, "ci95_mbb": half * scale,
                "variance_ratio": var_plain / var if var > 0 else float("inf")}
    out = one(corrected[0]) | {"chance_only": one(corrected[1])}
    if len(corrected) > 2 and np.isfinite(corrected[2]).all():
        out["imaginary"] = one(corrected[2])
    return out


def aivat_text(aivat: dict) -> str:
    """'; AIVAT +12.3 +/- 4.5 (variance / 9.8; chance terms only +11.0 +/- 5.0, / 5.1)' (and the
    imaginary-observation estimate when recorded), or ''."""
    if not aivat:
        return ""
    c = aivat["chance_only"]
    text = (f"; AIVAT {aivat['mbb_per_hand']:+.1f} +/- {aivat['ci95_mbb']:.1f} "
            f"(variance / {aivat['variance_ratio']:.2f}; chance terms only {c['mbb_per_hand']:+.1f} +/- "
            f"{c['ci95_mbb']:.1f}, / {c['variance_ratio']:.2f})")
    if "imaginary" in aivat:
        io = aivat["imaginary"]
        text += (f"; imaginary observations {io['mbb_per_hand']:+.1f} +/- {io['ci95_mbb']:.1f} "
                 f"(/ {io['variance_ratio']:.2f})")
    return text


def run_deals(deals: int, play_deal: Callable[[int], None], label: str | None) -> tuple[int, bool, float]:
    """``play_deal(d)`` for d = 0 .. deals-1 with a progress line (``label``); Ctrl-C stops it
    and the deal it interrupted does not count: (deals done, interrupted, seconds)."""
    bar = ProgressBar(label, deals, "deals") if label else None
    start = time.perf_counter()
    done = 0
    try:
        for d in range(deals):
            play_deal(d)
            done = d + 1
            if bar is not None:
                bar.update(done)
    except KeyboardInterrupt:
        return done, True, time.perf_counter() - start
    return done, False, time.perf_counter() - start


def aivat_of_deal(records: list[HandRecord], n: int) -> np.ndarray:
    """[AIVAT, chance terms only, imaginary observations] of the lone agent, averaged over the
    rotations of one deal."""
    from holdem.eval.aivat import aivat_values  # (numba kernels compile on first use)

    return aivat_values(records, lone_seat_of(n))[1:].mean(axis=1)


def lone_seat_of(n: int) -> Callable[[HandRecord], int]:
    """Seat of the lone agent in the k-th rotation of a deal (hand ids d * n + k + 1)."""
    return lambda rec: (rec.hand_id - 1) % n


__all__ = ["deal_cards", "play_hand", "rotation_match", "agent_of", "RealMatchResult", "lone_seat_of",
           "aivat_summary", "aivat_text", "aivat_of_deal", "run_deals"]
