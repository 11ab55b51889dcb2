"""Poker game specification shared by every game the trainer knows.

A :class:`GameSpec` describes the deck, the deal, the forced bets and the betting rules of
one poker game. Kuhn and Leduc poker are ordinary specs, so the exact results on them
validate the very code that trains Hold'em.

Seats are in posting order: seat 0 posts the first blind (small blind), seat 1 the second
(big blind), the last seat is the button. Heads-up, seat 0 is both button and small blind.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from holdem.core.inputs import MAX_CHIPS, InputError

RANK_CHARS = "23456789TJQKA"
SUIT_CHARS = "cdhs"
SHOWDOWN_KINDS = ("rank", "pair-rank", "best-five")
BETTING_KINDS = ("limit", "no-limit")


class SpecError(InputError):
    """A game or run configuration is invalid; the message names the key, value and fix."""


@dataclass(frozen=True)
class GameSpec:
    """Everything the betting-tree builder, the kernel and the referee need about a game."""

    name: str
    num_players: int = 2
    ranks: str = RANK_CHARS
    suits: str = SUIT_CHARS
    hole_cards: int = 2
    board_cards: tuple[int, ...] = (0, 3, 1, 1)
    ante: int = 0
    blinds: tuple[int, ...] = (1, 2)
    stacks: tuple[int, ...] = (400, 400)
    betting: str = "no-limit"
    # limit betting: fixed bet/raise size and raise cap (the opening bet counts) per street
    bet_sizes: tuple[int, ...] = ()
    max_raises: tuple[int, ...] = (4, 4, 4, 4)
    # no-limit action abstraction: per street, per raise depth (0 = first raise of the
    # street), a tuple of pot fractions; the last depth repeats. All-in is always offered.
    raise_sizes: tuple[tuple[tuple[float, ...], ...], ...] = ()
    # a raise that would commit at least this fraction of the raiser's stack becomes all-in
    allin_threshold: float = 0.9
    # per street, at most this many of a depth's pot fractions (the first ones listed) where
    # three or more players are still in the hand; () = all of them everywhere
    multiway_sizes: tuple[int, ...] = ()
    first_to_act: tuple[int, ...] = ()
    showdown: str = "best-five"

    @property
    def num_streets(self) -> int:
        """Number of betting rounds."""
        return len(self.board_cards)

    @property
    def deck_size(self) -> int:
        """Number of distinct cards in the deck."""
        return len(self.ranks) * len(self.suits)

    @property
    def big_blind(self) -> int:
        """The chip unit used for mbb/hand: the largest blind, else the ante, else 1."""
        if self.blinds:
            return max(self.blinds)
        return max(self.ante, 1)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (lists instead of tuples) for YAML/JSON (``multiway_sizes`` only
        when set, so the problem hashes of games without it stay as they were)."""
        out = _listify(asdict(self))
        if not self.multiway_sizes:
            del out["multiway_sizes"]
        return out


def _listify(x: Any) -> Any:
    if isinstance(x, (tuple, list)):
        return [_listify(v) for v in x]
    if isinstance(x, dict):
        return {k: _listify(v) for k, v in x.items()}
    return x


def default_first_to_act(num_players: int, num_streets: int, has_blinds: bool) -> tuple[int, ...]:
    """Hold'em convention: preflop the seat after the big blind, later the small blind.

    Heads-up the button (seat 0) posts the small blind, acts first preflop and last after.
    Games without blinds (Kuhn, Leduc) let seat 0 act first on every street.
    """
    if not has_blinds:
        return (0,) * num_streets
    if num_players == 2:
        return (0,) + (1,) * (num_streets - 1)
    return (2 % num_players,) + (0,) * (num_streets - 1)


def validate(spec: GameSpec, where: str = "game") -> GameSpec:
    """Check a spec for impossible values; fill derived defaults; return the checked spec."""

    def bad(key: str, value: Any, fix: str) -> SpecError:
        return SpecError(f"{where}.{key}: invalid value {value!r}: {fix}")

    n = spec.num_players
    if not isinstance(n, int) or not 2 <= n <= 6:
        raise bad("num_players", n, "use an integer from 2 to 6")
    if not spec.ranks or any(r not in RANK_CHARS for r in spec.ranks) or len(set(spec.ranks)) != len(spec.ranks):
        raise bad("ranks", spec.ranks, f"use distinct rank letters from {RANK_CHARS!r}")
    if not spec.suits or any(s not in SUIT_CHARS for s in spec.suits) or len(set(spec.suits)) != len(spec.suits):
        raise bad("suits", spec.suits, f"use distinct suit letters from {SUIT_CHARS!r}")
    if "".join(sorted(spec.ranks, key=RANK_CHARS.index)) != spec.ranks:
        raise bad("ranks", spec.ranks, "list ranks from lowest to highest")
    if "".join(sorted(spec.suits, key=SUIT_CHARS.index)) != spec.suits:
        raise bad("suits", spec.suits, f"list suits in the order {SUIT_CHARS!r}")
    if not isinstance(spec.hole_cards, int) or spec.hole_cards < 1:
        raise bad("hole_cards", spec.hole_cards, "deal at least one hole card per player")
    if not spec.board_cards or any((not isinstance(b, int)) or b < 0 for b in spec.board_cards):
        raise bad("board_cards", spec.board_cards, "give a non-negative card count per street, e.g. [0, 3, 1, 1]")
    if spec.board_cards[0] != 0:
        raise bad("board_cards", spec.board_cards, "the first street deals no board cards")
    dealt = n * spec.hole_cards + sum(spec.board_cards)
    if dealt > spec.deck_size:
        raise bad("board_cards", spec.board_cards,
                  f"{dealt} cards are dealt but the deck holds only {spec.deck_size}")
    if not isinstance(spec.ante, int) or spec.ante < 0:
        raise bad("ante", spec.ante, "use a non-negative integer")
    if any((not isinstance(b, int)) or b < 0 for b in spec.blinds) or len(spec.blinds) > n:
        raise bad("blinds", spec.blinds, f"give at most {n} non-negative integers (seat 0 first)")
    if spec.ante == 0 and not any(spec.blinds):
        raise bad("blinds", spec.blinds, "a game needs an ante or a blind, or nobody has a reason to bet")
    if len(spec.stacks) != n or any((not isinstance(s, int)) or s <= 0 for s in spec.stacks):
        raise bad("stacks", spec.stacks, f"give {n} positive integers, one per seat")
    if sum(spec.stacks) > MAX_CHIPS:  # the kernels count chips (a whole pot) in int32
        raise bad("stacks", spec.stacks, f"the stacks may total at most {MAX_CHIPS:,} chips; use smaller units")
    for seat, stack in enumerate(spec.stacks):
        forced = spec.ante + (spec.blinds[seat] if seat < len(spec.blinds) else 0)
        if forced > stack:
            raise bad("stacks", spec.stacks, f"seat {seat} cannot post {forced} chips of forced bets")
    streets = spec.num_streets
    if spec.betting not in BETTING_KINDS:
        raise bad("betting", spec.betting, f"use one of {BETTING_KINDS}")
    if len(spec.max_raises) != streets or any((not isinstance(m, int)) or m < 0 for m in spec.max_raises):
        raise bad("max_raises", spec.max_raises, f"give {streets} non-negative integers, one per street")
    if spec.betting == "limit":
        if len(spec.bet_sizes) != streets or any((not isinstance(b, int)) or b <= 0 for b in spec.bet_sizes):
            raise bad("bet_sizes", spec.bet_sizes, f"give {streets} positive integers, one per street")
    else:
        if len(spec.raise_sizes) != streets:
            raise bad("raise_sizes", spec.raise_sizes,
                      f"give {streets} lists (one per street) of lists of pot fractions per raise depth")
        for st, depths in enumerate(spec.raise_sizes):
            for d, fracs in enumerate(depths):
                if any((not isinstance(f, (int, float))) or not math.isfinite(f) or f <= 0 for f in fracs):
                    raise bad(f"raise_sizes[{st}][{d}]", list(fracs), "pot fractions must be positive numbers")
    if spec.multiway_sizes and (len(spec.multiway_sizes) != streets or any(
            isinstance(m, bool) or not isinstance(m, int) or m < 0 for m in spec.multiway_sizes)):
        raise bad("multiway_sizes", spec.multiway_sizes, f"give {streets} non-negative integers, one per street, "
                  "or leave it out")
    if not 0 < spec.allin_threshold <= 1:  # (NaN fails this too)
        raise bad("allin_threshold", spec.allin_threshold, "use a fraction in (0, 1]")
    if spec.showdown not in SHOWDOWN_KINDS:
        raise bad("showdown", spec.showdown, f"use one of {SHOWDOWN_KINDS}")
    if spec.showdown == "best-five" and not 5 <= spec.hole_cards + sum(spec.board_cards) <= 7:
        raise bad("showdown", spec.showdown, "best-five needs 5 to 7 cards per player (hole + board)")
    first = spec.first_to_act or default_first_to_act(n, streets, any(spec.blinds))
    if len(first) != streets or any((not isinstance(f, int)) or not 0 <= f < n for f in first):
        raise bad("first_to_act", first, f"give {streets} seat numbers in [0, {n - 1}]")
    return replace(spec, first_to_act=tuple(first))


# ---------------------------------------------------------------------------------------
# Presets


def kuhn() -> GameSpec:
    """Kuhn poker: J, Q, K; ante 1; one bet of 1; highest card wins."""
    return validate(GameSpec(
        name="kuhn", ranks="JQK", suits="s", hole_cards=1, board_cards=(0,), ante=1, blinds=(),
        stacks=(2, 2), betting="limit", bet_sizes=(1,), max_raises=(1,), showdown="rank"))


def leduc() -> GameSpec:
    """Leduc hold'em: J, Q, K x 2 suits; ante 1; raises 2 then 4; at most 2 raises a round."""
    return validate(GameSpec(
        name="leduc", ranks="JQK", suits="hs", hole_cards=1, board_cards=(0, 1), ante=1, blinds=(),
        stacks=(13, 13), betting="limit", bet_sizes=(2, 4), max_raises=(2, 2), showdown="pair-rank"))


def limit_holdem(num_players: int = 2) -> GameSpec:
    """Limit Texas Hold'em (ACPC rules): blinds 1/2, bets 2/2/4/4, raise caps 3/4/4/4."""
    return validate(GameSpec(
        name="limit-holdem", num_players=num_players, blinds=(1, 2), stacks=(10_000,) * num_players,
        betting="limit", bet_sizes=(2, 2, 4, 4), max_raises=(3, 4, 4, 4), showdown="best-five"))


# Open sizes and pot fractions similar to a modern blueprint: several sizes on the first
# raise of a street, fewer on later raises; all-in is always added by the tree builder.
HUNL_RAISE_SIZES: tuple[tuple[tuple[float, ...], ...], ...] = (
    ((1.0, 1.5, 2.0), (1.0,)),        # preflop, with a 1/2 blind: 2.5x, 3x, 3.5x-ish opens
    ((0.33, 0.75, 1.25), (1.0,)),     # flop
    ((0.5, 1.0), (1.0,)),             # turn
    ((0.5, 1.0), (1.0,)),             # river
)


def no_limit_holdem(num_players: int = 2, stacks: list[int] | tuple[int, ...] | None = None,
                    blinds: tuple[int, int] = (1, 2), ante: int = 0,
                    raise_sizes: tuple[tuple[tuple[float, ...], ...], ...] = HUNL_RAISE_SIZES,
                    max_raises: tuple[int, ...] = (3, 3, 2, 2), name: str = "nlhe") -> GameSpec:
    """No-limit Texas Hold'em with an action abstraction; 200 big blinds by default."""
    if stacks is None:
        stacks = (200 * max(blinds),) * num_players
    return validate(GameSpec(
        name=name, num_players=num_players, ante=ante, blinds=tuple(blinds), stacks=tuple(stacks),
        betting="no-limit", raise_sizes=raise_sizes, max_raises=tuple(max_raises), showdown="best-five"))


PRESETS = {"kuhn": kuhn, "leduc": leduc, "limit-holdem": limit_holdem, "nlhe": no_limit_holdem}


def preset(name: str) -> GameSpec:
    """Look a preset up by name."""
    try:
        return PRESETS[name]()
    except KeyError:
        raise SpecError(f"game: unknown preset {name!r}: use one of {sorted(PRESETS)}") from None


_TUPLE_FIELDS = {"board_cards", "blinds", "stacks", "bet_sizes", "max_raises", "first_to_act", "multiway_sizes"}


def spec_from_dict(data: Any, where: str = "game") -> GameSpec:
    """Build a spec from a preset name or a mapping (``preset:`` plus overrides, or all fields)."""
    if isinstance(data, str):
        return preset(data)
    if not isinstance(data, dict):
        raise SpecError(f"{where}: invalid value {data!r}: give a preset name or a mapping of game fields")
    data = dict(data)
    base = preset(data.pop("preset")) if "preset" in data else GameSpec(name=str(data.get("name", "custom")))
    known = {f.name: f for f in fields(GameSpec)}
    updates: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise SpecError(f"{where}.{key}: unknown key: valid keys are preset, {', '.join(sorted(known))}")
        updates[key] = _coerce(key, value, where)
    spec = replace(base, **updates)
    if "num_players" in updates and "stacks" not in updates and len(spec.stacks) != spec.num_players:
        spec = replace(spec, stacks=(spec.stacks[0],) * spec.num_players)
    if "first_to_act" not in updates and ("num_players" in updates or "board_cards" in updates):
        spec = replace(spec, first_to_act=())
    return validate(spec, where)


def _coerce(key: str, value: Any, where: str) -> Any:
    expected = {"name": str, "ranks": str, "suits": str, "betting": str, "showdown": str,
                "num_players": int, "hole_cards": int, "ante": int, "allin_threshold": float}
    if key in expected:
        typ = expected[key]
        ok = not isinstance(value, bool) and (isinstance(value, typ) or (typ is float and isinstance(value, int)))
        if not ok:
            raise SpecError(f"{where}.{key}: invalid value {value!r}: expected {typ.__name__}")
        return float(value) if typ is float else value
    if key in _TUPLE_FIELDS:
        if not isinstance(value, (list, tuple)) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise SpecError(f"{where}.{key}: invalid value {value!r}: expected a list of integers")
        return tuple(value)
    if key == "raise_sizes":
        try:
            return tuple(tuple(tuple(float(f) for f in depth) for depth in street) for street in value)
        except (TypeError, ValueError):
            raise SpecError(f"{where}.raise_sizes: invalid value {value!r}: expected a list (per street) "
                            "of lists (per raise depth) of pot fractions") from None
    raise SpecError(f"{where}.{key}: unknown key")


__all__ = ["GameSpec", "SpecError", "validate", "preset", "spec_from_dict", "kuhn", "leduc",
           "limit_holdem", "no_limit_holdem", "PRESETS"]
