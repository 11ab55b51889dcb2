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

    def bucket_of(self, street: int, hole: str, board: str) -> int:
        """Bucket of cards written like 'Kh' and 'Js'; ValueError naming a bad card."""
        spec = self.spec
        hole_ids, board_ids = _parse(spec, hole), _parse(spec, board)
        want = spec.hole_cards, sum(spec.board_cards[:street + 1])
        if (len(hole_ids), len(board_ids)) != want:
            raise ValueError(f"street {street} of {spec.name} needs {want[0]} hole and {want[1]} board "
                             f"cards, got {hole!r} and {board!r}")
        cards = hole_ids + board_ids
        if len(set(cards)) != len(cards):
            raise ValueError(f"duplicate card in {hole!r} {board!r}")
        view = tuple(sorted(hole_ids))
        start = 0
        for st in range(1, street + 1):
            n = spec.board_cards[st]
            view += tuple(sorted(board_ids[start:start + n]))
            start += n
        return int(self.table[self.offset[street] + lossless.view_key(view, spec.deck_size)])


def _parse(spec: GameSpec, text: str) -> list[int]:
    text = text.replace(" ", "")
    if len(text) % 2:
        raise ValueError(f"cards {text!r}: write each card as rank+suit, e.g. 'Kh'")
    ns = len(spec.suits)
    out = []
    for i in range(0, len(text), 2):
        r, s = text[i].upper(), text[i + 1].lower()
        if r not in spec.ranks or s not in spec.suits:
            raise ValueError(f"card {text[i:i + 2]!r} is not in the {spec.name} deck "
                             f"(ranks {spec.ranks}, suits {spec.suits})")
        out.append(spec.ranks.index(r) * ns + spec.suits.index(s))
    return out


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
