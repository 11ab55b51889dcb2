"""The deal model: sampling a deal and reading everything the kernel needs from it (card
abstraction buckets, showdown strengths), once per iteration.

:class:`DealModel` carries the game's deal facts and the card abstraction's lookup tables as
plain arrays, so that numba kernels (training, best response, matches, LBR) take one argument
for both; the abstraction kinds are the ``ABSTRACTION_*`` constants below.

A deal is a flat int array: each player's hole cards (player 0 first), then the board cards
street by street. Within a player's hole cards and within one street's board cards the
cards are sorted, so a view of the cards has one canonical spelling.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from holdem.abstraction.hand_strength import hand_strengths, hs_bucket
from holdem.abstraction.isomorphism import card_bit, index_postflop
from holdem.core.rng import next_below
from holdem.game.showdown import SHOWDOWN_CODES, card_global, showdown_strengths
from holdem.game.spec import GameSpec

ABSTRACTION_LOSSLESS, ABSTRACTION_HAND_STRENGTH, ABSTRACTION_BUCKET_FILE = 0, 1, 2


class DealModel(NamedTuple):
    """Plain arrays and numbers describing the deal and the card abstraction to the kernel."""

    num_players: int
    hole_cards: int
    board_start: np.ndarray   # int64 [streets + 1]: index in the board of each street's first card
    deck_size: int
    num_suits: int
    showdown: int
    card_global: np.ndarray   # int64 [deck]: id rank*4+suit of each deck card (for the evaluator)
    abstraction: int
    bucket_table: np.ndarray  # per-street tables (or cut points), flattened; int32, or uint8/16 for files
    bucket_offset: np.ndarray  # int64 [streets + 1]: where each street's part starts (and the end)


def make_deal_model(spec: GameSpec, abstraction: int, bucket_table: np.ndarray,
                    bucket_offset: np.ndarray) -> DealModel:
    """Deal model of ``spec`` with the given abstraction tables."""
    board_start = np.zeros(spec.num_streets + 1, dtype=np.int64)
    board_start[1:] = np.cumsum(spec.board_cards)
    return DealModel(spec.num_players, spec.hole_cards, board_start, spec.deck_size, len(spec.suits),
                     SHOWDOWN_CODES[spec.showdown], card_global(spec), abstraction,
                     # bucket files keep their small dtype (hundreds of MB otherwise)
                     np.ascontiguousarray(bucket_table, dtype=None if abstraction == ABSTRACTION_BUCKET_FILE
                                          else np.int32),
                     np.ascontiguousarray(bucket_offset, dtype=np.int64))


@njit(cache=True, inline="always")
def _sort_range(a: np.ndarray, lo: int, hi: int) -> None:
    for i in range(lo + 1, hi):
        x = a[i]
        j = i - 1
        while j >= lo and a[j] > x:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x


@njit(cache=True)
def sample_deal(dm: DealModel, deck: np.ndarray, rng: np.ndarray, deal: np.ndarray) -> None:
    """Draw a uniform deal into ``deal`` (``deck`` is scratch of deck size).

    The deck is reset first so that a deal depends on the generator state alone: a run
    resumed from a snapshot (which saves that state) deals exactly the same cards.
    """
    n = deal.shape[0]
    size = deck.shape[0]
    for i in range(size):
        deck[i] = i
    for i in range(n):  # partial Fisher-Yates
        j = i + next_below(rng, size - i)
        tmp = deck[i]
        deck[i] = deck[j]
        deck[j] = tmp
        deal[i] = deck[i]
    h = dm.hole_cards
    for p in range(dm.num_players):
        _sort_range(deal, p * h, p * h + h)
    base = dm.num_players * h
    for s in range(dm.board_start.shape[0] - 1):
        _sort_range(deal, base + dm.board_start[s], base + dm.board_start[s + 1])


@njit(cache=True)
def deal_buckets(dm: DealModel, deal: np.ndarray, buckets: np.ndarray) -> None:
    """``buckets[p, s]``: player p's card-abstraction bucket on street s."""
    if dm.abstraction == ABSTRACTION_HAND_STRENGTH:
        _hand_strength_buckets(dm, deal, buckets)
        return
    if dm.abstraction == ABSTRACTION_BUCKET_FILE:
        _file_positions(dm, deal, buckets)
        _gather(dm.bucket_table, buckets)
        return
    h = dm.hole_cards
    base = dm.num_players * h
    streets = dm.board_start.shape[0] - 1
    for p in range(dm.num_players):
        key = 0
        for i in range(h):
            key = key * dm.deck_size + deal[p * h + i]
        for s in range(streets):
            for i in range(dm.board_start[s], dm.board_start[s + 1]):
                key = key * dm.deck_size + deal[base + i]
            buckets[p, s] = dm.bucket_table[dm.bucket_offset[s] + key]


@njit(cache=True)
def deal_buckets_batch(dm: DealModel, deals: np.ndarray, buckets: np.ndarray) -> None:
    """``buckets[i, p, s]`` of every deal ``deals[i]`` (what the kernel calls per block of deals).

    With a bucket file the table positions of the whole block are computed first and read
    afterwards: the turn and river tables (14M and 123M entries) are far larger than the
    caches, and a run of independent reads overlaps their memory latency where one deal's
    four reads alone cannot (about 2x more lookups per second than deal by deal).
    """
    if dm.abstraction == ABSTRACTION_BUCKET_FILE:
        for i in range(deals.shape[0]):
            _file_positions(dm, deals[i], buckets[i])
        for i in range(deals.shape[0]):
            _gather(dm.bucket_table, buckets[i])
        return
    for i in range(deals.shape[0]):
        deal_buckets(dm, deals[i], buckets[i])


@njit(cache=True)
def _file_positions(dm: DealModel, deal: np.ndarray, pos: np.ndarray) -> None:
    """``pos[p, s]``: where player p's street-s bucket sits in ``dm.bucket_table``.

    Preflop is a 52x52 card-pair table; later streets the canonical (suit-isomorphic) index of
    hole + board, computed for all three streets at once (:func:`index_postflop`).
    """
    base = 2 * dm.num_players
    flop_bits = card_bit(deal[base]) | card_bit(deal[base + 1]) | card_bit(deal[base + 2])
    off = dm.bucket_offset
    for p in range(dm.num_players):
        c0 = deal[2 * p]
        c1 = deal[2 * p + 1]
        flop, turn, river = index_postflop(c0, c1, flop_bits, deal[base + 3], deal[base + 4])
        pos[p, 0] = off[0] + c0 * 52 + c1
        pos[p, 1] = off[1] + flop
        pos[p, 2] = off[2] + turn
        pos[p, 3] = off[3] + river


@njit(cache=True, inline="always")
def _gather(table: np.ndarray, pos: np.ndarray) -> None:
    for p in range(pos.shape[0]):
        for s in range(pos.shape[1]):
            pos[p, s] = table[pos[p, s]]


@njit(cache=True)
def _hand_strength_buckets(dm: DealModel, deal: np.ndarray, buckets: np.ndarray) -> None:
    """Preflop class from a 52x52 table; later streets: HS percentile bucket (hand_strength)."""
    n = dm.num_players
    holes = np.empty((n, 2), dtype=np.int64)
    for p in range(n):
        holes[p, 0] = deal[2 * p]
        holes[p, 1] = deal[2 * p + 1]
        buckets[p, 0] = dm.bucket_table[dm.bucket_offset[0] + holes[p, 0] * 52 + holes[p, 1]]
    board = deal[2 * n:]
    hs = np.empty(n, dtype=np.int64)
    for s in range(1, dm.board_start.shape[0] - 1):
        hand_strengths(holes, board, dm.board_start[s + 1], hs)
        for p in range(n):
            buckets[p, s] = hs_bucket(hs[p], dm.bucket_table, dm.bucket_offset[s], dm.bucket_offset[s + 1])


@njit(cache=True)
def showdown_values(dm: DealModel, deal: np.ndarray, values: np.ndarray) -> None:
    """``values[p]``: strength of player p's hand on the full board (higher wins)."""
    showdown_strengths(dm.showdown, dm.num_players, dm.hole_cards, dm.num_suits, dm.board_start[-1],
                       dm.card_global, deal, values)
