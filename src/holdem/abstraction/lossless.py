"""Lossless card abstraction for small decks (Kuhn, Leduc): one bucket per exact card set.

A player's view on street ``s`` is its hole cards (sorted) followed by the board cards of
streets 1..s (each street's cards sorted). The view is read as a number in base
``deck_size``; a per-street table maps that number to a dense bucket id, -1 for views that
cannot occur (repeated cards). Suits are told apart, as in the literature (Leduc: 936
information sets).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from holdem.game.spec import GameSpec

MAX_TABLE_ENTRIES = 1 << 24


def view_lengths(spec: GameSpec) -> list[int]:
    """Number of cards a player sees on each street."""
    seen, out = spec.hole_cards, []
    for board in spec.board_cards:
        seen += board
        out.append(seen)
    return out


def _views(spec: GameSpec, street: int):
    """Every possible (hole, board chunks...) view on ``street`` as a card tuple."""
    chunks = [spec.hole_cards] + [b for b in spec.board_cards[1:street + 1] if b > 0]
    deck = range(spec.deck_size)

    def rec(k: int, used: frozenset[int], prefix: tuple[int, ...]):
        if k == len(chunks):
            yield prefix
            return
        for combo in combinations([c for c in deck if c not in used], chunks[k]):
            yield from rec(k + 1, used | set(combo), prefix + combo)

    yield from rec(0, frozenset(), ())


def build_tables(spec: GameSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-street view->bucket tables, flattened: (table, offset per street, buckets per street)."""
    tables, offsets, counts = [], [], []
    total = 0
    for street, length in enumerate(view_lengths(spec)):
        size = spec.deck_size ** length
        if size > MAX_TABLE_ENTRIES:
            raise ValueError(f"abstraction: lossless tables for game {spec.name!r} would need {size} entries "
                             "on one street; use a bucketed abstraction for large decks")
        table = np.full(size, -1, dtype=np.int32)
        keys = sorted(view_key(v, spec.deck_size) for v in _views(spec, street))
        table[keys] = np.arange(len(keys), dtype=np.int32)
        tables.append(table)
        offsets.append(total)
        counts.append(len(keys))
        total += size
    offsets.append(total)  # end marker: street s's table is offset[s]:offset[s + 1]
    return np.concatenate(tables), np.array(offsets, dtype=np.int64), np.array(counts, dtype=np.int64)


def view_key(view: tuple[int, ...], deck_size: int) -> int:
    """Base-``deck_size`` number of a view (first card most significant)."""
    key = 0
    for c in view:
        key = key * deck_size + c
    return key


def bucket_views(spec: GameSpec, street: int) -> list[tuple[int, ...]]:
    """The view of every bucket of ``street``, in bucket order (for infoset keys)."""
    return sorted(_views(spec, street), key=lambda v: view_key(v, spec.deck_size))

