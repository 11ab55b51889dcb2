"""The card abstraction a run trains with: per-street bucket tables the kernel reads in O(1)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from holdem.abstraction import lossless
from holdem.game.spec import GameSpec
from holdem.mccfr.deal import ABSTRACTION_LOSSLESS


@dataclass(frozen=True)
class CardAbstraction:
    """Bucket tables plus a description of every bucket (for infoset keys)."""

    name: str
    kind: int
    table: np.ndarray        # int32, flattened per-street tables
    offset: np.ndarray       # int64 [streets]
    num_buckets: np.ndarray  # int64 [streets]
    spec: GameSpec

    def bucket_cards(self, street: int, bucket: int) -> tuple[str, str]:
        """(hole cards, board cards) of a lossless bucket, e.g. ('Kh', 'Js')."""
        views = _views_cache(self.spec, street)
        view = views[bucket]
        h = self.spec.hole_cards
        return _fmt(self.spec, view[:h]), _fmt(self.spec, view[h:])


_VIEWS: dict[tuple[GameSpec, int], list[tuple[int, ...]]] = {}


def _views_cache(spec: GameSpec, street: int) -> list[tuple[int, ...]]:
    key = (spec, street)
    if key not in _VIEWS:
        _VIEWS[key] = lossless.bucket_views(spec, street)
    return _VIEWS[key]


def _fmt(spec: GameSpec, cards: tuple[int, ...]) -> str:
    ns = len(spec.suits)
    return "".join(spec.ranks[c // ns] + spec.suits[c % ns] for c in cards)


def lossless_abstraction(spec: GameSpec) -> CardAbstraction:
    """Exact cards as buckets (small decks only)."""
    table, offset, counts = lossless.build_tables(spec)
    return CardAbstraction("lossless", ABSTRACTION_LOSSLESS, table, offset, counts, spec)
