"""Card ids and their text form.

A card is an ``int`` in ``0..51``: ``card = rank * 4 + suit`` with ranks ``23456789TJQKA``
(rank 0 is the deuce, rank 12 the ace) and suits ``cdhs`` (clubs 0, diamonds 1, hearts 2,
spades 3). So ``2c`` is 0, ``2d`` is 1 and ``As`` is 51; ``card >> 2`` is the rank and
``card & 3`` the suit, which is what the numba kernels use.

Text form is rank letter + suit letter, e.g. ``"Ah"``. :func:`parse_cards` accepts
concatenated (``"AhKs"``), space- or comma-separated (``"Ah Ks Qd"``, ``"ah,ks"``) cards,
either letter case, and ``10`` for ``T``.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Iterable

RANKS = "23456789TJQKA"
SUITS = "cdhs"
NUM_RANKS = 13
NUM_SUITS = 4
NUM_CARDS = 52

_RANK_OF = {ch: i for i, ch in enumerate(RANKS)} | {ch.lower(): i for i, ch in enumerate(RANKS)}
_SUIT_OF = {ch: i for i, ch in enumerate(SUITS)} | {ch.upper(): i for i, ch in enumerate(SUITS)}
_SEPARATORS = re.compile(r"[\s,]+")


def make_card(rank: int, suit: int) -> int:
    """Card id of a rank index (0 = '2' .. 12 = 'A') and a suit index (0..3 = c, d, h, s)."""
    if not (0 <= rank < NUM_RANKS and 0 <= suit < NUM_SUITS):
        raise ValueError(f"rank {rank} / suit {suit} out of range (rank 0..12, suit 0..3)")
    return rank * NUM_SUITS + suit


def card_rank(card: int) -> int:
    """Rank index (0 = '2' .. 12 = 'A') of a card id."""
    return _check_id(card) >> 2


def card_suit(card: int) -> int:
    """Suit index (0..3 = c, d, h, s) of a card id."""
    return _check_id(card) & 3


def _check_id(card: int) -> int:
    # operator.index accepts numpy integers but rejects floats and bools-as-text mistakes early
    c = operator.index(card)
    if not 0 <= c < NUM_CARDS:
        raise ValueError(f"card id {c} out of range 0..{NUM_CARDS - 1}")
    return c


def _parse_token(token: str, whole: str, out: list[int]) -> None:
    """Append the cards of one separator-free chunk such as 'AhKs' or '10h'."""
    i = 0
    while i < len(token):
        # '10' is the only two-character rank; everything else is one rank + one suit letter
        if token.startswith("10", i):
            rank, j = 8, i + 2
        else:
            ch = token[i]
            if ch not in _RANK_OF:
                bad = token[i : i + 2]
                raise ValueError(
                    f"unknown rank {ch!r} in card {bad!r} (in {whole!r}); ranks are {RANKS}"
                )
            rank, j = _RANK_OF[ch], i + 1
        if j >= len(token):
            raise ValueError(
                f"incomplete card {token[i:]!r} in {whole!r}: odd length, "
                "expected rank+suit pairs like 'AhKs'"
            )
        sc = token[j]
        if sc not in _SUIT_OF:
            raise ValueError(
                f"unknown suit {sc!r} in card {token[i:j + 1]!r} (in {whole!r}); suits are {SUITS}"
            )
        out.append(rank * NUM_SUITS + _SUIT_OF[sc])
        i = j + 1


def parse_cards(s: str) -> list[int]:
    """Parse 'AhKs', 'Ah Ks Qd' or 'ah,ks' into card ids; ValueError names the bad token."""
    if not isinstance(s, str):
        raise TypeError(f"parse_cards expects a str, got {type(s).__name__}")
    cards: list[int] = []
    for token in _SEPARATORS.split(s.strip()):
        if token:
            _parse_token(token, s, cards)
    seen: set[int] = set()
    for c in cards:
        if c in seen:
            raise ValueError(f"duplicate card {format_card(c)} in {s!r}")
        seen.add(c)
    return cards


def parse_card(s: str) -> int:
    """Parse exactly one card such as 'Ah' (or '10h') into its id."""
    cards = parse_cards(s)
    if len(cards) != 1:
        raise ValueError(f"expected exactly one card, got {len(cards)} in {s!r}")
    return cards[0]


def format_card(c: int) -> str:
    """Text form of a card id, e.g. 50 -> 'Ah'."""
    c = _check_id(c)
    return RANKS[c >> 2] + SUITS[c & 3]


def format_cards(cards: Iterable[int]) -> str:
    """Concatenated text form of card ids, e.g. [50, 47] -> 'AhKs'."""
    return "".join(format_card(c) for c in cards)
