"""The card abstraction a run trains with: per-street bucket tables the kernel reads in O(1)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pathlib import Path
from typing import Any

from holdem.abstraction import hand_strength, lossless
from holdem.abstraction.deal import ABSTRACTION_BUCKET_FILE, ABSTRACTION_HAND_STRENGTH, ABSTRACTION_LOSSLESS
from holdem.game.spec import GameSpec, SpecError

ASSETS = Path(__file__).resolve().parents[3] / "assets" / "buckets"


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
        """(hole cards, board cards) of a bucket: exact cards ('Kh', 'Js') for lossless, a class
        ('AKs', '') preflop or a strength bucket ('hs12/50', '') after, for hand-strength; for
        bucket files the class preflop (or 'b3/20' with fewer than 169 buckets), 'b12/50' after."""
        if self.kind == ABSTRACTION_HAND_STRENGTH:
            if street == 0:
                return hand_strength.preflop_label(bucket), ""
            return f"hs{bucket}/{int(self.num_buckets[street])}", ""
        if self.kind == ABSTRACTION_BUCKET_FILE:
            if street == 0 and self.num_buckets[0] == 169:  # lossless: the bucket is the class index
                from holdem.abstraction.isomorphism import unindex_hand
                hole, _ = unindex_hand(0, bucket)
                return hand_strength.preflop_label(hand_strength.preflop_class(int(hole[0]), int(hole[1]))), ""
            return f"b{bucket}/{int(self.num_buckets[street])}", ""
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
        if street == 0 and self.kind in (ABSTRACTION_BUCKET_FILE, ABSTRACTION_HAND_STRENGTH):
            return int(self.table[self.offset[0] + hole_ids[0] * 52 + hole_ids[1]])
        if self.kind == ABSTRACTION_BUCKET_FILE:
            from holdem.abstraction.isomorphism import index_hand
            idx = index_hand(np.array(hole_ids, dtype=np.int64), np.array(board_ids + [0] * (5 - len(board_ids)),
                                                                         dtype=np.int64), len(board_ids))
            return int(self.table[self.offset[street] + idx])
        if self.kind == ABSTRACTION_HAND_STRENGTH:
            hs = np.zeros(1, dtype=np.int64)
            hand_strength.hand_strengths(np.array([hole_ids], dtype=np.int64),
                                         np.array(board_ids, dtype=np.int64), len(board_ids), hs)
            return int(hand_strength.hs_bucket(int(hs[0]), self.table, int(self.offset[street]),
                                               int(self.offset[street + 1])))
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


def hand_strength_abstraction(spec: GameSpec, k_flop: int, k_turn: int, k_river: int) -> CardAbstraction:
    """169 preflop classes, then hand-strength percentile buckets per street (Hold'em decks)."""
    if spec.deck_size != 52 or spec.hole_cards != 2 or spec.board_cards != (0, 3, 1, 1):
        raise SpecError(f"abstraction: hand-strength is for Texas Hold'em (52 cards, 2 hole cards, "
                        f"boards 3/1/1); game {spec.name!r} differs: use lossless")
    classes = np.array([[hand_strength.preflop_class(a, b) for b in range(52)] for a in range(52)],
                       dtype=np.int32).ravel()
    ks = [k_flop, k_turn, k_river]
    parts = [classes] + [hand_strength.hs_cut_points(k, nb) for k, nb in zip(ks, (3, 4, 5))]
    offset = np.cumsum([0] + [len(p) for p in parts]).astype(np.int64)
    return CardAbstraction("hand-strength", ABSTRACTION_HAND_STRENGTH, np.concatenate(parts).astype(np.int32),
                           offset, np.array([169] + ks, dtype=np.int64), spec)


ABSTRACTION_KEYS = {"lossless": set(), "hand-strength": {"k_flop", "k_turn", "k_river"},
                    "buckets": {"file", "preset", "sha256"}}


def check_abstraction(data: Any) -> dict[str, Any]:
    """Validated abstraction config: 'lossless' or {kind: hand-strength, k_flop, k_turn, k_river}."""
    if isinstance(data, str):
        data = {"kind": data}
    if not isinstance(data, dict) or data.get("kind") not in ABSTRACTION_KEYS:
        kind = data.get("kind") if isinstance(data, dict) else data
        raise SpecError(f"abstraction: invalid value {kind!r}: use one of {sorted(ABSTRACTION_KEYS)}")
    out = {"kind": data["kind"]}
    for key, value in data.items():
        if key == "kind":
            continue
        if key not in ABSTRACTION_KEYS[data["kind"]]:
            raise SpecError(f"abstraction.{key}: unknown key for kind {data['kind']!r}")
        if data["kind"] == "buckets":
            if not isinstance(value, str):
                raise SpecError(f"abstraction.{key}: invalid value {value!r}: expected a string")
            if key == "preset" and value not in BUCKET_PRESETS:
                raise SpecError(f"abstraction.preset: invalid value {value!r}: use one of {BUCKET_PRESETS}")
            out[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
            raise SpecError(f"abstraction.{key}: invalid value {value!r}: use an integer from 1 to 10000")
        out[key] = value
    if data["kind"] == "hand-strength":
        for key in ("k_flop", "k_turn", "k_river"):
            out.setdefault(key, 50)
    if data["kind"] == "buckets":
        if ("file" in out) == ("preset" in out):
            raise SpecError("abstraction: kind buckets needs exactly one of file: PATH or preset: "
                            f"{'/'.join(BUCKET_PRESETS)}")
    return out


BUCKET_PRESETS = ("tiny", "small", "mid", "large")


def bucket_path(cfg: dict[str, Any]) -> Path:
    """The bucket file a 'buckets' abstraction config names (presets live under assets/buckets)."""
    return Path(cfg["file"]) if "file" in cfg else ASSETS / f"{cfg['preset']}.npz"


def bucket_file_abstraction(spec: GameSpec, cfg: dict[str, Any]) -> CardAbstraction:
    """A built bucket file, verified (and checked against the hash the run recorded, if any)."""
    from holdem.abstraction.bucket_file import load_buckets

    if spec.deck_size != 52 or spec.hole_cards != 2 or spec.board_cards != (0, 3, 1, 1):
        raise SpecError(f"abstraction: bucket files are for Texas Hold'em; game {spec.name!r} differs")
    tables, meta = load_buckets(bucket_path(cfg), cfg.get("sha256"))
    dtype = np.result_type(*[t.dtype for t in tables])
    # preflop as a 52x52 card-pair table, as hand-strength has it: the kernel then needs no
    # preflop index (the diagonal, a card paired with itself, is never read)
    from holdem.abstraction.isomorphism import index_batch
    first, second = np.divmod(np.arange(52 * 52, dtype=np.int64), 52)
    second = np.where(first == second, (second + 1) % 52, second)
    tables = [tables[0][index_batch(np.stack([first, second], axis=1), 0)]] + list(tables[1:])
    offset = np.cumsum([0] + [len(t) for t in tables]).astype(np.int64)
    return CardAbstraction("buckets", ABSTRACTION_BUCKET_FILE, np.concatenate(tables).astype(dtype), offset,
                           np.array(meta["k"], dtype=np.int64), spec)


def make_abstraction(spec: GameSpec, data: Any = "lossless") -> CardAbstraction:
    """The card abstraction a (validated) config asks for."""
    cfg = check_abstraction(data)
    if cfg["kind"] == "buckets":
        return bucket_file_abstraction(spec, cfg)
    if cfg["kind"] == "hand-strength":
        return hand_strength_abstraction(spec, cfg["k_flop"], cfg["k_turn"], cfg["k_river"])
    return lossless_abstraction(spec)


def bucket_counts(spec: GameSpec, data: Any) -> list[int]:
    """Buckets per street of an abstraction config, without building or loading its tables."""
    cfg = check_abstraction(data)
    if cfg["kind"] == "hand-strength":
        return [169, cfg["k_flop"], cfg["k_turn"], cfg["k_river"]]
    if cfg["kind"] == "buckets":
        path = bucket_path(cfg)
        if path.exists():
            from holdem.abstraction.bucket_file import read_bucket_meta
            return [int(k) for k in read_bucket_meta(path)["k"]]
        if "preset" in cfg:
            from holdem.abstraction.build import PRESETS
            return list(PRESETS[cfg["preset"]])
        from holdem.abstraction.bucket_file import BucketFileError
        raise BucketFileError(f"{path}: bucket file not found; build it with python -m holdem.cli.build_buckets")
    return [int(k) for k in lossless.build_tables(spec)[2]]
