"""The referee: replays one hand from its cards and ACPC betting string and pays it out.

The betting is checked action by action against :mod:`holdem.game.rules` (the rules the
betting tree is built from), and the chips are paid by :func:`holdem.core.payoff.hand_payoffs`
(the payoff the trainer learns from), so a hand the referee accepts is paid exactly as the
solver would pay it. Hold'em hands are valued by :func:`holdem.core.evaluator.evaluate`; Kuhn and
Leduc hands by the trainer's own :func:`holdem.game.showdown.showdown_strengths`.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

import numpy as np

from holdem.core.cards import format_card, parse_cards
from holdem.core.payoff import hand_payoffs
from holdem.game.rules import TERMINAL_SHOWDOWN, BettingState, initial_state, parse_betting
from holdem.game.showdown import SHOWDOWN_CODES, card_global, showdown_strengths
from holdem.game.spec import RANK_CHARS, SUIT_CHARS, GameSpec

Cards = str | Sequence[int]


def play_betting(spec: GameSpec, betting: str, complete: bool = True) -> BettingState:
    """State after an ACPC betting string; ValueError naming the first illegal action.

    ``/`` separators are optional, but each one present must stand where a street ends; after
    an all-in showdown before the river one ``/`` per remaining street is allowed (ACPC logs
    write ``r20000c///``). With ``complete`` the hand must be over at the end.
    """
    state = initial_state(spec)
    # forced bets alone can leave fewer than two players able to bet: the board is run out
    slashes_allowed = spec.num_streets - 1 if state.terminal == TERMINAL_SHOWDOWN else 0
    pos = 0
    for token in parse_betting(betting):
        where = pos
        pos += len(token)
        if token == "/":
            if slashes_allowed == 0:
                after = f"after {betting[:where]!r}" if where else "at the start"
                raise ValueError(f"betting {betting!r}: '/' {after} is not at the end of a street")
            slashes_allowed -= 1
            continue
        try:
            nxt = state.apply(token)
        except ValueError as err:
            raise ValueError(f"betting {betting!r}: {err}") from None
        if nxt.terminal == TERMINAL_SHOWDOWN:
            slashes_allowed = spec.num_streets - 1 - nxt.street
        elif not nxt.is_terminal and nxt.street > state.street:
            slashes_allowed = 1
        else:
            slashes_allowed = 0
        state = nxt
    if complete and not state.is_terminal:
        raise ValueError(f"betting {betting!r}: the hand is not over: seat {state.to_act} is to act "
                         f"on street {state.street}")
    return state


def replay(spec: GameSpec, hole_cards: Sequence[Cards], board: Cards, betting: str) -> list[int]:
    """Net chips won by each seat (summing to zero) in one hand of ``spec``.

    ``hole_cards``: one entry per seat, a card string such as ``"AhKs"`` or a list of card ids
    (ids index the game's deck: ``rank * 4 + suit`` for a full deck); a seat that folded may
    give no cards. ``board``: a card string or ids, as many cards as the streets dealt (the
    full board for a showdown). ``betting``: ACPC actions ``f``, ``c``, ``r<chips committed in
    the hand by the raiser>``, streets optionally separated by ``/``. ValueError, in one line,
    for an illegal action, an unfinished hand, or bad cards (unknown, duplicate, wrong count).
    """
    n = spec.num_players
    if isinstance(hole_cards, str) or len(hole_cards) != n:
        got = "a string" if isinstance(hole_cards, str) else f"{len(hole_cards)} entries"
        raise ValueError(f"hole cards: give one entry per seat ({n}), got {got}")
    holes = [_deck_ids(spec, cards, f"hole cards of seat {p}") for p, cards in enumerate(hole_cards)]
    board_ids = _deck_ids(spec, board, "board")
    _check_distinct(spec, holes, board_ids)
    state = play_betting(spec, betting)

    for p, cards in enumerate(holes):
        folded = state.folded >> p & 1
        if len(cards) != spec.hole_cards and not (folded and not cards):
            raise ValueError(f"hole cards of seat {p}: {len(cards)} cards given, the game deals "
                             f"{spec.hole_cards}" + ("" if folded else " (only a folded seat may give none)"))
    boundaries = list(accumulate(spec.board_cards))
    full = boundaries[-1]
    showdown = state.terminal == TERMINAL_SHOWDOWN
    if showdown and len(board_ids) != full:
        raise ValueError(f"board: {len(board_ids)} cards given, a showdown needs the full board of {full}")
    if len(board_ids) not in boundaries:
        raise ValueError(f"board: {len(board_ids)} cards given; a board has "
                         f"{' or '.join(map(str, sorted(set(boundaries))))} cards")

    values = np.zeros(n, dtype=np.int64)
    if showdown:
        _showdown_values(spec, holes, board_ids, state.active, values)
    out = np.zeros(n, dtype=np.float64)
    hand_payoffs(np.array(state.contrib, dtype=np.int64), state.active, values, out)
    return [int(round(x)) for x in out]


def _deck_ids(spec: GameSpec, cards: Cards, what: str) -> list[int]:
    """Cards as ids of the game's deck (rank index in ``spec.ranks`` * suits + suit index)."""
    ns = len(spec.suits)
    if isinstance(cards, str):
        try:
            full_ids = parse_cards(cards)
        except ValueError as err:
            raise ValueError(f"{what}: {err}") from None
        ids = []
        for g in full_ids:
            rank, suit = RANK_CHARS[g >> 2], SUIT_CHARS[g & 3]
            if rank not in spec.ranks or suit not in spec.suits:
                raise ValueError(f"{what}: card {format_card(g)} is not in the deck of {spec.name!r} "
                                 f"(ranks {spec.ranks}, suits {spec.suits})")
            ids.append(spec.ranks.index(rank) * ns + spec.suits.index(suit))
        return ids
    ids = []
    for c in cards:
        if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)):
            raise ValueError(f"{what}: card ids must be integers, got {c!r}")
        if not 0 <= int(c) < spec.deck_size:
            raise ValueError(f"{what}: unknown card id {int(c)}, the deck has ids 0..{spec.deck_size - 1}")
        ids.append(int(c))
    return ids


def _card_text(spec: GameSpec, card: int) -> str:
    ns = len(spec.suits)
    return spec.ranks[card // ns] + spec.suits[card % ns]


def _check_distinct(spec: GameSpec, holes: list[list[int]], board: list[int]) -> None:
    seen: dict[int, str] = {}
    for what, cards in [(f"hole cards of seat {p}", c) for p, c in enumerate(holes)] + [("board", board)]:
        for card in cards:
            if card in seen:
                where = what if seen[card] == what else f"{seen[card]} and {what}"
                raise ValueError(f"duplicate card {_card_text(spec, card)} ({where})")
            seen[card] = what


def _showdown_values(spec: GameSpec, holes: list[list[int]], board: list[int], active: int,
                     values: np.ndarray) -> None:
    """Hand strengths of the active seats (higher wins), as the trainer computes them."""
    n = spec.num_players
    if spec.showdown == "best-five":
        from holdem.core.evaluator import evaluate  # its tables load on first use, not at import

        to_full = card_global(spec)
        for p in range(n):
            if active >> p & 1:
                values[p] = evaluate([int(to_full[c]) for c in holes[p] + board])
        return
    # the deal layout the kernel uses: each seat's hole cards sorted, then the board;
    # a folded seat's missing cards are filled with 0 (its value is never read)
    deal = []
    for p in range(n):
        deal.extend(sorted(holes[p]) if holes[p] else [0] * spec.hole_cards)
    deal.extend(board)
    showdown_strengths(SHOWDOWN_CODES[spec.showdown], n, spec.hole_cards, len(spec.suits), len(board),
                       card_global(spec), np.array(deal, dtype=np.int64), values)


__all__ = ["replay", "play_betting"]
