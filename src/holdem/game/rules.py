"""Betting rules of a poker game: an immutable state machine over a :class:`GameSpec`.

This module is the one statement of the betting rules; the betting-tree builder and the
referee both drive it. It knows no cards: a state holds the chips each seat has committed in
the hand, who folded, the street, whose turn it is and what the rules remember about the
raises of the current street.

Rules (seats in posting order: seat 0 small blind, seat 1 big blind, the last seat the
button; heads-up seat 0 is button and small blind):

- Antes and blinds are posted first; a forced bet larger than the stack posts the whole stack,
  and the others must still call the full big blind.
- Each street starts with ``spec.first_to_act[street]`` (or the next seat after it that can
  still bet) and goes round the table until every seat that can bet has acted since the last
  raise. The big blind has the option when limped to.
- Fold is legal only when facing a bet; check/call commits ``min(bet, stack)``.
- No-limit: a raise goes to at least ``bet + max(last full raise, big blind)`` and at most the
  stack; a player may always go all-in, even for less than that. There is no raise cap.
- Limit: a raise goes to ``bet + bet_sizes[street]`` (or all-in for less); at most
  ``max_raises[street]`` raises per street (the opening bet counts).
- A raise smaller than a full raise (an all-in) does not reopen the betting: a seat that has
  acted on this street may raise again only if the bet has grown by at least a full raise
  since its last action (several short all-ins together can add up to one).
- Nobody may raise when no other player has chips behind to answer; such a lone player is
  asked to act only when facing a bet, and then calls at most what the others put in.
- The hand ends when one player is left (fold) or when the last street's betting ends, or
  as soon as fewer than two players can bet at a street's end (showdown; the board is then
  run out).
"""
from __future__ import annotations

from dataclasses import dataclass

from holdem.game.spec import GameSpec, default_first_to_act

FOLD, CALL, RAISE = 0, 1, 2
NOT_TERMINAL, TERMINAL_FOLD, TERMINAL_SHOWDOWN = 0, 1, 2
TERMINAL_NAMES = {NOT_TERMINAL: "", TERMINAL_FOLD: "fold", TERMINAL_SHOWDOWN: "showdown"}


@dataclass(frozen=True)
class Action:
    """One betting action; ``amount`` is the raiser's chips committed in the hand after it.

    A raise with ``amount=None`` (ACPC limit notation ``r``) means the fixed limit raise.
    Fold and call carry no amount: the state determines it.
    """

    kind: int
    amount: int | None = None

    @property
    def label(self) -> str:
        """ACPC spelling: ``f``, ``c``, ``r<amount>`` (``r`` for an unsized limit raise)."""
        if self.kind == FOLD:
            return "f"
        if self.kind == CALL:
            return "c"
        return "r" if self.amount is None else f"r{self.amount}"

    @staticmethod
    def parse(token: str) -> Action:
        """Action of an ACPC token (``f``, ``c``, ``r`` or ``r<chips>``)."""
        if token == "f":
            return Action(FOLD)
        if token == "c":
            return Action(CALL)
        if token == "r":
            return Action(RAISE)
        if token.startswith("r") and token[1:].isdigit():
            return Action(RAISE, int(token[1:]))
        raise ValueError(f"action {token!r} is not f, c, r or r<chips>")


def parse_betting(betting: str) -> list[str]:
    """Split an ACPC betting string into tokens ``f``, ``c``, ``r``, ``r<chips>`` and ``/``."""
    tokens: list[str] = []
    i = 0
    while i < len(betting):
        ch = betting[i]
        if ch in "fc/":
            tokens.append(ch)
            i += 1
        elif ch == "r":
            j = i + 1
            while j < len(betting) and betting[j].isdigit():
                j += 1
            tokens.append(betting[i:j])
            i = j
        else:
            raise ValueError(f"betting {betting!r}: unexpected character {ch!r} at position {i}; "
                             "use f, c, r<chips> and /")
    return tokens


@dataclass(frozen=True)
class LegalActions:
    """What the player to act may do: fold?, the call, and the range of raise totals."""

    player: int
    can_fold: bool
    call_to: int          # chips committed after a check/call (the bet, capped by the stack)
    to_call: int          # chips a call adds (0: a check)
    min_raise_to: int     # smallest legal raise total (the all-in when that is smaller); 0: none
    max_raise_to: int     # largest legal raise total (the stack; the fixed size in limit)
    no_raise_reason: str  # why raising is not allowed; "" when it is

    @property
    def can_raise(self) -> bool:
        """Whether any raise is legal."""
        return not self.no_raise_reason


class _Consts:
    """Numbers of a spec that every state needs, computed once per spec."""

    __slots__ = ("spec", "n", "all", "stacks", "limit", "bet_sizes", "max_raises", "first",
                 "streets", "min_bet")

    def __init__(self, spec: GameSpec):
        self.spec = spec
        self.n = spec.num_players
        self.all = (1 << self.n) - 1
        self.stacks = tuple(spec.stacks)
        self.limit = spec.betting == "limit"
        self.bet_sizes = tuple(spec.bet_sizes)
        self.max_raises = tuple(spec.max_raises)
        self.streets = spec.num_streets
        self.first = tuple(spec.first_to_act) or default_first_to_act(self.n, self.streets, any(spec.blinds))
        # smallest bet/raise increment in no-limit; games without blinds use the ante
        self.min_bet = max(spec.blinds) if spec.blinds and max(spec.blinds) > 0 else max(spec.ante, 1)

    def full_raise(self, street: int) -> int:
        """Raise increment that counts as a full raise at the start of ``street``."""
        return self.bet_sizes[street] if self.limit else self.min_bet


class BettingState:
    """A point in a hand's betting; :meth:`apply` returns the next state, never mutates.

    Attributes: ``street`` (betting round; at a terminal, the round of the last action),
    ``contrib`` (chips committed in the hand per seat), ``bet`` (the amount to call, counted
    like ``contrib``: the largest one, or the full big blind over a short all-in blind),
    ``folded`` (bitmask), ``to_act``
    (seat, -1 at terminals), ``terminal`` (NOT_TERMINAL, TERMINAL_FOLD, TERMINAL_SHOWDOWN),
    ``raises`` (raises made this street, incomplete all-ins included), ``last_raise`` (size
    of the last full raise this street, the no-limit minimum raise increment).
    """

    __slots__ = ("_c", "street", "contrib", "bet", "folded", "needs", "level", "raises", "last_raise",
                 "to_act", "terminal")

    def __init__(self, c: _Consts, street: int, contrib: tuple[int, ...], bet: int, folded: int,
                 needs: int, level: tuple[int, ...], raises: int, last_raise: int, to_act: int,
                 terminal: int):
        self._c = c
        self.street = street
        self.contrib = contrib
        self.bet = bet
        self.folded = folded
        self.needs = needs        # bitmask of seats that must still act this street
        self.level = level        # per seat: the bet when it last acted this street, -1: not yet
        self.raises = raises
        self.last_raise = last_raise
        self.to_act = to_act
        self.terminal = terminal

    # -- reading ------------------------------------------------------------------------------
    @property
    def spec(self) -> GameSpec:
        """The game."""
        return self._c.spec

    @property
    def num_players(self) -> int:
        """Number of seats."""
        return self._c.n

    @property
    def active(self) -> int:
        """Bitmask of the players who have not folded."""
        return self._c.all & ~self.folded

    @property
    def is_terminal(self) -> bool:
        """Whether the hand is over."""
        return self.terminal != NOT_TERMINAL

    @property
    def terminal_kind(self) -> str:
        """``"fold"``, ``"showdown"``, or ``""`` while the hand goes on."""
        return TERMINAL_NAMES[self.terminal]

    @property
    def pot(self) -> int:
        """All chips committed so far."""
        return sum(self.contrib)

    def stack_behind(self, seat: int) -> int:
        """Chips ``seat`` has not committed yet."""
        return self._c.stacks[seat] - self.contrib[seat]

    @property
    def can_bet(self) -> int:
        """Bitmask of the players still in the hand with chips behind."""
        return _able(self._c, self.contrib, self.folded)

    def legal_actions(self) -> LegalActions:
        """The actions open to ``to_act``; ValueError at a terminal."""
        if self.terminal:
            raise ValueError(f"the hand is over ({self.terminal_kind}); nobody acts")
        c = self._c
        p = self.to_act
        contrib = self.contrib
        others_able = _able(c, contrib, self.folded) & ~(1 << p)
        bet = self.bet if others_able else _others_max(c, contrib, p)
        stack = c.stacks[p]
        call_to = min(bet, stack)
        reason = ""
        lo = hi = 0
        if not others_able:
            reason = "no other player has chips behind to answer a raise"
        elif stack <= bet:
            reason = f"a call puts seat {p} all-in ({stack} chips), so it cannot raise"
        elif c.limit and self.raises >= c.max_raises[self.street]:
            reason = f"the street is capped at {c.max_raises[self.street]} raises"
        elif self.level[p] >= 0 and bet - self.level[p] < self.last_raise:
            reason = (f"the betting was not reopened: it grew by {bet - self.level[p]} since seat {p} "
                      f"acted, less than a full raise of {self.last_raise}")
        elif c.limit:
            lo = hi = min(bet + c.bet_sizes[self.street], stack)
        else:
            lo, hi = min(bet + self.last_raise, stack), stack
        return LegalActions(p, contrib[p] < bet, call_to, call_to - contrib[p], lo, hi, reason)

    def why_illegal(self, action: Action) -> str:
        """Why ``action`` is illegal here, phrased to follow "action X at seat P"; "" if legal."""
        if self.terminal:
            return f"comes after the hand ended ({self.terminal_kind})"
        legal = self.legal_actions()
        if action.kind == FOLD:
            return "" if legal.can_fold else "is a fold but the seat is not facing a bet (check instead)"
        if action.kind == CALL:
            return ""
        if action.kind != RAISE:
            return f"has unknown kind {action.kind}"
        if not legal.can_raise:
            return f"is a raise, not allowed here: {legal.no_raise_reason}"
        amount = action.amount
        if amount is None:
            return "" if self._c.limit else "is a raise without an amount (no-limit needs r<chips>)"
        if self._c.limit and amount != legal.min_raise_to:
            return f"is not the limit raise to {legal.min_raise_to}"
        if amount < legal.min_raise_to:
            return f"is below the minimum raise to {legal.min_raise_to}"
        if amount > legal.max_raise_to:
            return f"is above the stack: all-in is r{legal.max_raise_to}"
        return ""

    # -- acting -------------------------------------------------------------------------------
    def apply(self, action: Action | str, validate: bool = True) -> BettingState:
        """State after ``action`` (an Action or an ACPC token); ValueError when it is illegal.

        With ``validate=False`` the caller guarantees legality (the tree builder, which takes
        its actions from :meth:`legal_actions`), and raises must carry their amount.
        """
        if isinstance(action, str):
            action = Action.parse(action)
        if validate:
            reason = self.why_illegal(action)
            if reason:
                seat = f" at seat {self.to_act}" if self.to_act >= 0 else ""
                raise ValueError(f"action {action.label!r}{seat} {reason}")
        c = self._c
        p = self.to_act
        bit = 1 << p
        bet = self.bet
        contrib = list(self.contrib)
        folded = self.folded
        needs = self.needs & ~bit
        raises = self.raises
        last_raise = self.last_raise
        if action.kind == FOLD:
            folded |= bit
            if (c.all & ~folded) & ((c.all & ~folded) - 1) == 0:  # one player left
                return BettingState(c, self.street, self.contrib, bet, folded, 0, self.level, raises,
                                    last_raise, -1, TERMINAL_FOLD)
            new_level = bet
        elif action.kind == CALL:
            if not _able(c, self.contrib, folded) & ~bit:  # nobody can match more than the others put in
                contrib[p] = min(_others_max(c, self.contrib, p), c.stacks[p])
            else:
                contrib[p] = min(bet, c.stacks[p])
            new_level = bet
        else:
            amount = action.amount
            if amount is None:
                amount = min(bet + c.bet_sizes[self.street], c.stacks[p])
            contrib[p] = amount
            raises += 1
            if amount - bet >= last_raise:
                last_raise = amount - bet
            needs = _able(c, contrib, folded) & ~bit
            new_level = bet = amount
        level = list(self.level)
        level[p] = new_level
        return _settle(c, self.street, tuple(contrib), bet, folded, needs, tuple(level), raises,
                       last_raise, (p + 1) % c.n)

    def __repr__(self) -> str:
        kind = f" {self.terminal_kind}" if self.terminal else f" to_act={self.to_act}"
        return (f"BettingState(street={self.street}, contrib={list(self.contrib)}, "
                f"folded={self.folded:#b}{kind})")


def _able(c: _Consts, contrib: tuple[int, ...] | list[int], folded: int) -> int:
    mask = 0
    for p in range(c.n):
        if not folded >> p & 1 and contrib[p] < c.stacks[p]:
            mask |= 1 << p
    return mask


def _others_max(c: _Consts, contrib: tuple[int, ...], p: int) -> int:
    return max(contrib[q] for q in range(c.n) if q != p)


def _next_in(c: _Consts, mask: int, start: int) -> int:
    for k in range(c.n):
        p = (start + k) % c.n
        if mask >> p & 1:
            return p
    return -1


def _settle(c: _Consts, street: int, contrib: tuple[int, ...], bet: int, folded: int, needs: int,
            level: tuple[int, ...], raises: int, last_raise: int, start: int) -> BettingState:
    """Next seat to act from ``start`` on, moving to the next street or showdown when due."""
    able = _able(c, contrib, folded)
    if able & (able - 1) == 0 and needs:
        # a lone player who can still bet acts only when someone put in more: a raise needs
        # someone to answer it, and a check changes nothing
        p = _next_in(c, needs, 0)
        if contrib[p] >= _others_max(c, contrib, p):
            needs = 0
    if needs:
        return BettingState(c, street, contrib, bet, folded, needs, level, raises, last_raise,
                            _next_in(c, needs, start), NOT_TERMINAL)
    if street + 1 >= c.streets or able & (able - 1) == 0:
        return BettingState(c, street, contrib, bet, folded, 0, level, raises, last_raise, -1,
                            TERMINAL_SHOWDOWN)
    street += 1
    # every player who can bet has matched the bet, so it is the largest contribution
    return BettingState(c, street, contrib, max(contrib), folded, able, (-1,) * c.n, 0,
                        c.full_raise(street), _next_in(c, able, c.first[street]), NOT_TERMINAL)


def initial_state(spec: GameSpec) -> BettingState:
    """State after the antes and blinds, with the first player to act preflop."""
    c = _Consts(spec)
    forced = [spec.ante + (spec.blinds[p] if p < len(spec.blinds) else 0) for p in range(c.n)]
    contrib = tuple(min(f, s) for f, s in zip(forced, c.stacks))
    able = _able(c, contrib, 0)
    return _settle(c, 0, contrib, max(forced), 0, able, (-1,) * c.n, 0, c.full_raise(0), c.first[0])


__all__ = ["FOLD", "CALL", "RAISE", "NOT_TERMINAL", "TERMINAL_FOLD", "TERMINAL_SHOWDOWN", "Action",
           "LegalActions", "BettingState", "initial_state", "parse_betting"]
