"""Records of hands played in the real game: who sat where, the cards, every action, the result.

A :class:`HandRecord` is what the real-game harness (:mod:`holdem.eval.real_match`) and
``play`` produce for each hand; hand histories (:mod:`holdem.eval.phh`) are written from it
and AIVAT (:mod:`holdem.eval.aivat`) reads it. Cards are ids of :mod:`holdem.core.cards`
(``rank * 4 + suit``); actions are :class:`holdem.game.rules.Action` with ACPC amounts (a
raise's amount is the raiser's chips committed in the whole hand after it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np

from holdem.game.rules import Action, BettingState, initial_state
from holdem.game.spec import GameSpec


@dataclass(frozen=True)
class Decision:
    """One action of a hand, and (when the acting agent's strategy is known) its distribution."""

    seat: int
    action: Action
    # the acting agent's probabilities over real actions at this point, or () when unknown;
    # the action taken is among them. AIVAT's action corrections need it.
    policy: tuple[tuple[Action, float], ...] = ()
    # float64 [1326], or None: the probability of the action taken for every hole pair the
    # acting agent could hold (pair order of holdem.eval.ranges), as it would have played it
    # with that pair at this public history; AIVAT's imaginary observations need it.
    likelihood: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class HandRecord:
    """One finished hand of a real game (``spec``'s rules: stacks, blinds, any bet size)."""

    spec: GameSpec
    players: tuple[str, ...]              # agent name per seat (seat 0 small blind, ...)
    holes: tuple[tuple[int, ...], ...]    # hole card ids per seat
    board: tuple[int, ...]                # the whole board dealt for the hand (5 cards in Hold'em),
    #                                       also the cards of streets it did not reach
    decisions: tuple[Decision, ...]
    payoffs: tuple[int, ...]              # net chips per seat, summing to zero
    hand_id: int = 0

    def states(self) -> list[BettingState]:
        """The betting state before each decision, then the final state (len(decisions) + 1)."""
        state = initial_state(self.spec)
        out = [state]
        for d in self.decisions:
            if state.to_act != d.seat:
                raise ValueError(f"hand {self.hand_id}: seat {d.seat} acts where seat {state.to_act} is to act")
            state = state.apply(d.action)
            out.append(state)
        return out

    def final_state(self) -> BettingState:
        """The betting state at the end of the hand (terminal)."""
        return self.states()[-1]

    def board_shown(self) -> tuple[int, ...]:
        """The board cards the hand dealt: those of the streets reached (the whole board at a showdown)."""
        final = self.final_state()
        ends = list(accumulate(self.spec.board_cards))
        if final.terminal_kind == "showdown":
            return self.board[:ends[-1]]
        return self.board[:ends[final.street]]

    def betting(self) -> str:
        """The ACPC betting string, streets separated by ``/`` (``r20000c///`` after an early all-in)."""
        text = ""
        states = self.states()
        for before, d, after in zip(states, self.decisions, states[1:]):
            text += d.action.label
            if after.is_terminal:
                if after.terminal_kind == "showdown":
                    text += "/" * (self.spec.num_streets - 1 - after.street)
            elif after.street > before.street:
                text += "/" * (after.street - before.street)
        return text

    def finishing_stacks(self) -> tuple[int, ...]:
        """Chips each seat holds after the hand."""
        return tuple(s + p for s, p in zip(self.spec.stacks, self.payoffs))


__all__ = ["Decision", "HandRecord"]
