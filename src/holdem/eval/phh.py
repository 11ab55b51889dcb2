"""Hand histories in PHH, the Poker Hand History format (Kim 2024, "Recording and Describing
Poker Hands"; read by pokerkit's :class:`pokerkit.notation.HandHistory`).

PHH is TOML: one hand is a table of fields, a ``.phhs`` file holds many hands as tables
``[1]``, ``[2]``, ... What we write per hand: ``variant`` (``"NT"`` no-limit Texas hold'em,
``"FT"`` fixed-limit), ``antes``, ``blinds_or_straddles``, ``min_bet`` (NT) or
``small_bet``/``big_bet`` (FT), ``starting_stacks``, ``actions``, ``hand`` (the record's
hand number), ``players`` and ``finishing_stacks``; FT hands add ``_max_raises`` (a
user-defined field: PHH's FT has no raise-cap field, and our caps may differ per street).

Mapping to our conventions (:mod:`holdem.game.rules`):

- Players. PHH's p1 is the first player dealt, clockwise: the small blind with three or more
  players, so ``pN`` is our seat N-1. Heads-up PHH reverses the blinds by rule (p1 posts
  the big blind, p2 is button and small blind), so p1 is our seat 1 and p2 our seat 0. The
  ``blinds_or_straddles`` and ``antes`` arrays are therefore our seat order in both cases
  (heads-up ``[1, 2]``: the reversal makes p2 = seat 0 post 1); the per-player arrays
  ``starting_stacks``, ``players`` and ``finishing_stacks`` follow PHH's player order.
- Amounts. Our :class:`~holdem.game.rules.Action` amounts are ACPC's: the raiser's chips
  committed in the whole hand after the raise. PHH's ``cbr X`` completes, bets or raises
  *to* X on the current street: the bettor's bet of this street, blinds included preflop,
  antes not (pokerkit collects the antes into the pot before the blinds are posted). So
  ``X = ACPC amount - the bettor's contribution when the street began`` (preflop: the ante),
  and back ``ACPC = X + that contribution``.
- Showdowns. ``pN sm CARDS`` for every player still in, right after the betting closes
  (before the rest of the board after an all-in), in the conventional order: from the last
  bettor or raiser of the final betting round, else from the first player to act on it.
  Everybody shows, as our referee compares every live hand.

Differences from pokerkit's rules (tests/test_phh.py replays our files in pokerkit):

- A raise that no opponent can answer with a full call (every other player left is all-in
  or holds less than the bet) is legal in our rules and pointless; pokerkit refuses it.
  Such a raise is written as ``pN cc # holdem: r<ACPC amount>``: the same chips (the part
  nobody can call returns to the raiser either way) and the same order of play, and our
  reader restores the raise from the commentary.
- Odd chips of split pots: we split each side pot on its own and give its odd chips one
  each to the tied winners from the first seat left of the button; pokerkit first drops the
  losing hands, merges the side pots the same winners share, and gives a pot's remainder to
  its first winner in PHH order. Finishing stacks can then differ by a chip or two in split
  pots with side pots (or three or more winners); hands without a split always agree.
- pokerkit lets a player who has acted raise after short all-ins in some spots where our
  rules do not reopen the betting (e.g. after checking to an all-in smaller than the minimum
  bet); hands we write never do that, files from elsewhere may (our replay calls them illegal).
- A mucked hand (``pN sm`` without cards) forfeits in pokerkit; our referee has no mucking
  and compares every live hand whose cards are known.
"""
from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from holdem.core.cards import RANKS, SUITS, format_cards
from holdem.core.files import check_output, write_atomic
from holdem.core.inputs import InputError
from holdem.eval.hands import Decision, HandRecord
from holdem.game.rules import CALL, FOLD, RAISE, Action, BettingState
from holdem.game.spec import GameSpec, SpecError, default_first_to_act, no_limit_holdem, validate

HOLDEM_BOARD = (0, 3, 1, 1)
# PHH's FT (pokerkit's FixedLimitTexasHoldem) allows four bets/raises per street
FT_MAX_RAISES = (4, 4, 4, 4)
# our marker for a raise written as a call (see the module docstring)
_RAISE_NOTE = re.compile(r"^holdem: r(\d+)$")


# ---------------------------------------------------------------------------------------
# Seats and games


def phh_order(num_players: int) -> tuple[int, ...]:
    """Our seat of each PHH player p1, p2, ...: heads-up (1, 0), else (0, 1, ..., n-1)."""
    return (1, 0) if num_players == 2 else tuple(range(num_players))


def _first_to_act(spec: GameSpec) -> tuple[int, ...]:
    return tuple(spec.first_to_act) or default_first_to_act(spec.num_players, spec.num_streets, any(spec.blinds))


def _phh_preflop_opener(spec: GameSpec) -> int:
    """Our seat that PHH (pokerkit) has act first preflop: the one after the largest blind."""
    n = spec.num_players
    order = phh_order(n)
    blinds = list(spec.blinds) + [0] * (n - len(spec.blinds))

    def posted(i: int) -> int:  # PHH player i's blind as posted (0 for a seat without one)
        seat = order[i]
        return min(blinds[seat], spec.stacks[seat] - spec.ante) if blinds[seat] > 0 else 0

    # pokerkit takes the largest posted blind (ties: the later player) and starts left of it
    best = max(range(n), key=lambda i: (posted(i), i))
    return order[(best + 1) % n]


def unsupported(spec: GameSpec) -> str:
    """Why hands of ``spec`` cannot be written as PHH Hold'em, or "" when they can."""
    if spec.ranks != RANKS or spec.suits != SUITS:
        return f"game {spec.name!r} does not use the standard 52-card deck; PHH Hold'em needs it"
    if spec.hole_cards != 2 or tuple(spec.board_cards) != HOLDEM_BOARD or spec.showdown != "best-five":
        return (f"game {spec.name!r} is not Texas Hold'em (2 hole cards, a 3-1-1 board, best five cards); "
                "PHH is written for Hold'em only")
    if spec.betting == "limit":
        sizes = tuple(spec.bet_sizes)
        if sizes[0] != sizes[1] or sizes[2] != sizes[3]:
            return (f"game {spec.name!r}: limit bet sizes {list(sizes)} are not a small bet (preflop, flop) "
                    "and a big bet (turn, river) as PHH's FT has")
    first = _first_to_act(spec)
    if first[0] != _phh_preflop_opener(spec) or any(f != phh_order(spec.num_players)[0] for f in first[1:]):
        return (f"game {spec.name!r}: first_to_act {list(first)} is not PHH's (left of the big blind "
                "preflop, the first player after the button later)")
    return ""


def _min_bet(spec: GameSpec) -> int:
    # the rules' smallest bet increment (holdem.game.rules._Consts.min_bet)
    return max(spec.blinds) if spec.blinds and max(spec.blinds) > 0 else max(spec.ante, 1)


# ---------------------------------------------------------------------------------------
# Writing


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_ints(values: Iterable[int]) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def _pointless_raise(state: BettingState, start: Sequence[int]) -> bool:
    """Whether pokerkit refuses a raise here: nobody else left can even call the bet in full."""
    n = state.num_players
    top = max(state.contrib[q] - start[q] for q in range(n))  # pokerkit's largest bet of the street
    p = state.to_act
    return not any(q != p and not state.folded >> q & 1 and state.spec.stacks[q] - start[q] > top
                   for q in range(n))


def hand_to_phh(record: HandRecord) -> str:
    """One finished Hold'em hand as PHH TOML text (a ``.phh`` file's contents)."""
    spec = record.spec
    where = f"hand {record.hand_id}"
    reason = unsupported(spec)
    if reason:
        raise ValueError(f"{where}: {reason}")
    n = spec.num_players
    if len(record.players) != n or len(record.holes) != n:
        raise ValueError(f"{where}: {len(record.players)} player names and {len(record.holes)} hole-card pairs "
                         f"for {n} seats; give one of each per seat")
    for seat, hole in enumerate(record.holes):
        if len(hole) != 2:
            raise ValueError(f"{where}: seat {seat} has {len(hole)} hole cards; Hold'em deals 2")
    states = record.states()
    final = states[-1]
    if not final.is_terminal:
        raise ValueError(f"{where}: the hand is not over (seat {final.to_act} is to act); write finished hands")
    ends = (0, 3, 4, 5)
    need = 5 if final.terminal_kind == "showdown" else ends[final.street]
    if len(record.board) < need:
        raise ValueError(f"{where}: the board has {len(record.board)} cards, the hand dealt {need}")
    order = phh_order(n)
    player = {seat: f"p{i + 1}" for i, seat in enumerate(order)}

    actions = [f"d dh {player[seat]} {format_cards(record.holes[seat])}" for seat in order]
    # what each seat had committed when the street's betting began, as pokerkit counts bets:
    # preflop the antes are already in the pot, the blinds are bets of the street
    start = [min(spec.ante, s) for s in spec.stacks]
    street = 0
    last_raiser = -1  # seat of the last bet/raise of the current street

    def deal_to(target: int) -> None:
        nonlocal street
        while street < target:
            street += 1
            actions.append(f"d db {format_cards(record.board[ends[street - 1]:ends[street]])}")

    for before, d in zip(states, record.decisions):
        if before.street > street:
            deal_to(before.street)
            start = list(before.contrib)
            last_raiser = -1
        label = player[d.seat]
        if d.action.kind == FOLD:
            actions.append(f"{label} f")
        elif d.action.kind == CALL:
            actions.append(f"{label} cc")
        else:
            amount = d.action.amount
            if amount is None:  # an unsized limit raise: the rules' fixed size
                amount = before.legal_actions().min_raise_to
            if _pointless_raise(before, start):
                actions.append(f"{label} cc # holdem: r{amount}")
            else:
                actions.append(f"{label} cbr {amount - start[d.seat]}")
                last_raiser = d.seat
    if final.terminal_kind == "showdown":
        # the showdown order: the last aggressor of the final round, else its first player
        first = last_raiser if last_raiser >= 0 else _first_to_act(spec)[street]
        k = order.index(first)
        for seat in order[k:] + order[:k]:
            if final.active >> seat & 1:
                actions.append(f"{player[seat]} sm {format_cards(record.holes[seat])}")
        deal_to(3)

    lines = [f"variant = {_toml_string('FT' if spec.betting == 'limit' else 'NT')}",
             f"antes = {_toml_ints([spec.ante] * n)}",
             f"blinds_or_straddles = {_toml_ints(list(spec.blinds) + [0] * (n - len(spec.blinds)))}"]
    if spec.betting == "limit":
        lines += [f"small_bet = {spec.bet_sizes[0]}", f"big_bet = {spec.bet_sizes[2]}"]
    else:
        lines.append(f"min_bet = {_min_bet(spec)}")
    lines.append(f"starting_stacks = {_toml_ints(spec.stacks[seat] for seat in order)}")
    lines.append("actions = [\n" + "".join(f"  {_toml_string(a)},\n" for a in actions) + "]")
    lines.append(f"hand = {int(record.hand_id)}")
    lines.append("players = [" + ", ".join(_toml_string(record.players[seat]) for seat in order) + "]")
    finishing = record.finishing_stacks()
    lines.append(f"finishing_stacks = {_toml_ints(finishing[seat] for seat in order)}")
    if spec.betting == "limit":
        lines.append(f"_max_raises = {_toml_ints(spec.max_raises)}")
    return "\n".join(lines) + "\n"


def hands_to_phhs(records: Iterable[HandRecord]) -> str:
    """Many hands as ``.phhs`` text: tables ``[1]``, ``[2]``, ... in order."""
    return "".join(f"[{k}]\n{hand_to_phh(r)}\n" for k, r in enumerate(records, start=1))


def write_phhs(path: Path | str, records: Iterable[HandRecord], force: bool = False,
               what: str = "--phh") -> Path:
    """Write ``records`` as a ``.phhs`` file atomically; an existing file is refused unless ``force``."""
    path = check_output(Path(path), force, what)
    text = hands_to_phhs(records)  # every hand is checked before anything is written
    return write_atomic(path, text)


class PHHWriter:
    """Appends hands to a new ``.phhs`` file as they finish (context manager).

    Each :meth:`write` adds one complete table and flushes it, so an interrupted session
    keeps every finished hand. An existing file is refused unless ``force``.
    """

    def __init__(self, path: Path | str, force: bool = False, what: str = "--phh"):
        self.path = Path(path)
        self.force = force
        self.what = what
        self.hands = 0
        self._file: IO[str] | None = None

    def open(self) -> PHHWriter:
        """Create the file (refusing an existing one unless ``force``)."""
        check_output(self.path, self.force, self.what)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # exclusive creation: a file that appeared since the check is not overwritten
            self._file = open(self.path, "w" if self.force else "x", encoding="utf-8")
        except FileExistsError:
            raise InputError(f"{self.what} {self.path}: exists; pass --force to overwrite it, "
                             "or choose another file") from None
        return self

    def write(self, record: HandRecord) -> None:
        """Append one finished hand and flush it."""
        if self._file is None:
            raise ValueError(f"{self.what} {self.path}: the writer is not open; use it as a context manager")
        text = hand_to_phh(record)  # a hand that cannot be written leaves the file as it was
        self._file.write(f"[{self.hands + 1}]\n{text}\n")
        self._file.flush()
        self.hands += 1

    def close(self) -> None:
        """Flush to disk and close (idempotent)."""
        if self._file is not None:
            f, self._file = self._file, None
            try:
                f.flush()
                os.fsync(f.fileno())
            finally:
                f.close()

    def __enter__(self) -> PHHWriter:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


# ---------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class ParsedHand:
    """One hand of a PHH file in our conventions: seat order, card ids, ACPC actions."""

    source: str                            # the file
    key: str                               # its table in a .phhs ("" for a .phh)
    hand: int | str | None                 # the ``hand`` field
    variant: str                           # "NT" or "FT"
    antes: tuple[int, ...]                 # per seat
    blinds: tuple[int, ...]                # per seat (seat 0 the small blind)
    min_bet: int | None                    # NT
    small_bet: int | None                  # FT
    big_bet: int | None                    # FT
    max_raises: tuple[int, ...] | None     # FT: our ``_max_raises``, when written
    stacks: tuple[int | None, ...]         # starting stacks per seat; None: unknown (inf)
    players: tuple[str, ...]               # per seat
    holes: tuple[tuple[int, ...], ...]     # per seat; (): unknown
    board: tuple[int, ...]                 # the board dealt, in order
    decisions: tuple[Decision, ...]        # the players' actions, seats ours, amounts ACPC
    decision_actions: tuple[int, ...]      # index in ``actions`` of each decision
    actions: tuple[str, ...]               # the file's action strings
    finishing_stacks: tuple[int, ...] | None  # per seat

    @property
    def num_players(self) -> int:
        """Number of seats."""
        return len(self.stacks)

    @property
    def label(self) -> str:
        """``file: hand [key]`` (and the ``hand`` field when it says more)."""
        text = f"{self.source}: hand [{self.key}]" if self.key else f"{self.source}"
        if self.hand is not None and str(self.hand) != self.key:
            text += f" (hand {self.hand})"
        return text

    def betting(self) -> str:
        """The ACPC betting string of the decisions (no street separators)."""
        return "".join(d.action.label for d in self.decisions)


_CARD_RANKS = {ch: i for i, ch in enumerate(RANKS)}
_CARD_SUITS = {ch: i for i, ch in enumerate(SUITS)}


def _parse_phh_cards(text: str, where: str) -> tuple[int, ...] | None:
    """Card ids of PHH card text (``AcKd``); None when any card is unknown (``??``)."""
    if len(text) % 2:
        raise ValueError(f"{where}: cards {text!r} have an odd length; write rank+suit pairs like AcKd")
    ids = []
    unknown = False
    for i in range(0, len(text), 2):
        r, s = text[i], text[i + 1]
        if r == "?" or s == "?":
            unknown = True
            continue
        if r not in _CARD_RANKS or s not in _CARD_SUITS:
            raise ValueError(f"{where}: unknown card {text[i:i + 2]!r}; ranks are {RANKS}, suits {SUITS}")
        ids.append(_CARD_RANKS[r] * 4 + _CARD_SUITS[s])
    return None if unknown else tuple(ids)


def _chips(value: Any, where: str, allow_inf: bool = False) -> int | None:
    """An integral chip count of a TOML number (None for inf when allowed)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: {value!r} is not a number")
    if isinstance(value, float):
        if math.isinf(value) and value > 0 and allow_inf:
            return None
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(f"{where}: {value!r} is not a whole number of chips; our rules count integer chips")
        value = int(value)
    if value < 0:
        raise ValueError(f"{where}: {value!r} is negative")
    return value


def _int_array(table: dict[str, Any], key: str, n: int | None, where: str,
               allow_inf: bool = False) -> list[int | None]:
    value = table.get(key)
    if not isinstance(value, list):
        raise ValueError(f"{where}: field {key!r} is {'missing' if value is None else repr(value)}; "
                         "give an array of numbers, one per player")
    if n is not None and len(value) != n:
        raise ValueError(f"{where}: field {key!r} has {len(value)} entries for {n} players; give one per player")
    return [_chips(v, f"{where}: {key}[{i}]", allow_inf) for i, v in enumerate(value)]


def _parse_hand(table: dict[str, Any], source: str, key: str) -> ParsedHand:
    """One hand's table as a :class:`ParsedHand`; ValueError naming the field."""
    where = f"{source}: hand [{key}]" if key else source
    variant = table.get("variant")
    if variant not in ("NT", "FT"):
        raise ValueError(f"{where}: field 'variant' is {'missing' if variant is None else repr(variant)}; "
                         "only Texas hold'em hands are read: 'NT' (no-limit) or 'FT' (fixed-limit)")
    raw_stacks = table.get("starting_stacks")
    if not isinstance(raw_stacks, list) or len(raw_stacks) < 2:
        got = "missing" if raw_stacks is None else repr(raw_stacks)
        raise ValueError(f"{where}: field 'starting_stacks' is {got}; give one stack per player (2 or more)")
    n = len(raw_stacks)
    order = phh_order(n)
    phh_stacks = _int_array(table, "starting_stacks", n, where, allow_inf=True)
    for i, s in enumerate(phh_stacks):
        if s == 0:
            raise ValueError(f"{where}: starting_stacks[{i}] is 0; PHH stacks are positive")
    antes = [int(a or 0) for a in _int_array(table, "antes", n, where)]
    blinds = [int(b or 0) for b in _int_array(table, "blinds_or_straddles", n, where)]
    numbers: dict[str, int | None] = {}
    for name in (("min_bet",) if variant == "NT" else ("small_bet", "big_bet")):
        if name not in table:
            raise ValueError(f"{where}: field {name!r} is missing; variant {variant!r} needs it")
        numbers[name] = _chips(table[name], f"{where}: {name}")
    max_raises: tuple[int, ...] | None = None
    if "_max_raises" in table:
        max_raises = tuple(int(v or 0) for v in _int_array(table, "_max_raises", 4, where))

    seat_of = {i + 1: seat for i, seat in enumerate(order)}  # PHH player number -> our seat
    stacks: list[int | None] = [None] * n
    for i, s in enumerate(phh_stacks):
        stacks[order[i]] = s
    players = [""] * n
    raw_players = table.get("players")
    if raw_players is not None:
        if not (isinstance(raw_players, list) and len(raw_players) == n
                and all(isinstance(x, str) for x in raw_players)):
            raise ValueError(f"{where}: field 'players' is {raw_players!r}; give {n} strings")
        for i, name in enumerate(raw_players):
            players[order[i]] = name
    finishing: tuple[int, ...] | None = None
    if "finishing_stacks" in table:
        values = _int_array(table, "finishing_stacks", n, where)
        seat_values = [0] * n
        for i, v in enumerate(values):
            seat_values[order[i]] = int(v or 0)
        finishing = tuple(seat_values)
    hand = table.get("hand")
    if hand is not None and (isinstance(hand, bool) or not isinstance(hand, (int, str))):
        raise ValueError(f"{where}: field 'hand' is {hand!r}; give an integer or a string")

    raw_actions = table.get("actions")
    if not isinstance(raw_actions, list) or not all(isinstance(a, str) for a in raw_actions):
        raise ValueError(f"{where}: field 'actions' is {'missing' if raw_actions is None else repr(raw_actions)}; "
                         "give an array of action strings")

    def cap(p: int, chips: int) -> int:  # what seat p can put in (unknown stacks: all of it)
        s = stacks[p]
        return chips if s is None else min(chips, s)

    # chips per seat, counted as ACPC does (the whole hand), to turn PHH's per-street
    # "raise to" amounts into ACPC totals
    start = [cap(p, antes[p]) for p in range(n)]
    contrib = [cap(p, antes[p] + blinds[p]) for p in range(n)]
    holes: list[tuple[int, ...] | None] = [None] * n
    dealt = [False] * n
    board: list[int] = []
    decisions: list[Decision] = []
    decision_actions: list[int] = []

    def seat(word: str, what: str) -> int:
        if not re.fullmatch(r"p[1-9][0-9]*", word) or int(word[1:]) > n:
            raise ValueError(f"{what}: {word!r} is not a player of this hand (p1..p{n})")
        return seat_of[int(word[1:])]

    for k, text in enumerate(raw_actions):
        what = f"{where}: actions[{k}] {text!r}"
        body, _, comment = text.partition("#")
        words = body.split()
        comment = comment.strip()
        if not words:
            continue  # a no-op or a standalone commentary
        if words[0] == "d":
            if len(words) == 4 and words[1] == "dh":
                p = seat(words[2], what)
                if dealt[p]:
                    raise ValueError(f"{what}: {words[2]} is dealt hole cards twice")
                if len(words[3]) != 4:
                    raise ValueError(f"{what}: Hold'em deals 2 hole cards, got {words[3]!r}")
                holes[p], dealt[p] = _parse_phh_cards(words[3], what), True
            elif len(words) == 3 and words[1] == "db":
                cards = _parse_phh_cards(words[2], what)
                if cards is None:
                    raise ValueError(f"{what}: board cards must be known")
                board.extend(cards)
                start = list(contrib)  # a new street: its bets count from here
            else:
                raise ValueError(f"{what}: the dealer's actions are 'd dh pN CARDS' and 'd db CARDS'")
            continue
        p = seat(words[0], what)
        verb = words[1] if len(words) > 1 else ""
        if verb == "f" and len(words) == 2:
            decisions.append(Decision(p, Action(FOLD)))
        elif verb == "cc" and len(words) == 2:
            note = _RAISE_NOTE.match(comment)
            if note:  # our own raise that PHH's rules make a call (module docstring)
                amount = int(note.group(1))
                decisions.append(Decision(p, Action(RAISE, amount)))
                contrib[p] = amount
            else:
                decisions.append(Decision(p, Action(CALL)))
                contrib[p] = cap(p, max(contrib))
        elif verb == "cbr" and len(words) == 3:
            to = float(words[2]) if re.fullmatch(r"[0-9]+(\.[0-9]*)?", words[2]) else None
            if to is None or not to.is_integer() or to <= 0:
                raise ValueError(f"{what}: amount {words[2]!r} is not a positive whole number of chips")
            amount = start[p] + int(to)
            decisions.append(Decision(p, Action(RAISE, amount)))
            contrib[p] = amount
        elif verb == "sm" and len(words) in (2, 3):
            if len(words) == 3 and words[2] != "-":
                shown = _parse_phh_cards(words[2], what)
                if shown is not None:
                    if holes[p] is not None and holes[p] != shown:
                        raise ValueError(f"{what}: shows {words[2]} but was dealt {format_cards(holes[p] or ())}")
                    holes[p] = shown
            continue
        elif verb in ("pb", "sd"):
            raise ValueError(f"{what}: {'bring-ins' if verb == 'pb' else 'draws'} are not part of Texas hold'em")
        else:
            raise ValueError(f"{what}: unknown action; players act with f, cc, cbr AMOUNT or sm [CARDS]")
        decision_actions.append(k)

    return ParsedHand(
        source=source, key=key, hand=hand, variant=variant, antes=tuple(antes), blinds=tuple(blinds),
        min_bet=numbers.get("min_bet"), small_bet=numbers.get("small_bet"), big_bet=numbers.get("big_bet"),
        max_raises=max_raises, stacks=tuple(stacks), players=tuple(players),
        holes=tuple(h or () for h in holes), board=tuple(board), decisions=tuple(decisions),
        decision_actions=tuple(decision_actions), actions=tuple(raw_actions), finishing_stacks=finishing)


def read_phhs(path: Path | str) -> list[ParsedHand]:
    """The hands of a ``.phhs`` (or single-hand ``.phh``) file; ValueError naming file, hand and field."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); PHH files are TOML") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML: {err}; fix the file (PHH is TOML)") from None
    if "variant" in data and not isinstance(data["variant"], dict):
        return [_parse_hand(data, str(path), "")]  # a single-hand .phh
    hands = []
    for key, table in data.items():
        if not isinstance(table, dict):
            raise ValueError(f"{path}: top-level key {key!r} is not a hand table; a .phhs holds tables [1], [2], ...")
        hands.append(_parse_hand(table, str(path), key))
    return hands


# ---------------------------------------------------------------------------------------
# Replaying through our rules


def game_of(parsed: ParsedHand, betting: str | None = None,
            stacks: Sequence[int] | None = None) -> GameSpec:
    """Our game for a parsed hand: its blinds, ante, stacks (or ``stacks``) and number of players.

    ``betting`` ("no-limit" / "limit") overrides the variant's. ValueError naming the field
    our rules cannot express (straddles, uneven antes, unknown stacks, more than 6 players).
    """
    where = parsed.label
    n = parsed.num_players
    betting = betting or ("limit" if parsed.variant == "FT" else "no-limit")
    if len(set(parsed.antes)) != 1:
        raise ValueError(f"{where}: field 'antes' {list(parsed.antes)}: our rules take the same ante from every seat")
    blinds = list(parsed.blinds)
    while len(blinds) > 2 and blinds[-1] == 0:
        blinds.pop()
    if len(blinds) > 2:
        raise ValueError(f"{where}: field 'blinds_or_straddles' {list(parsed.blinds)}: straddles are not "
                         "supported; our rules post a small and a big blind")
    if stacks is None:
        if any(s is None for s in parsed.stacks):
            raise ValueError(f"{where}: field 'starting_stacks' has unknown (inf) stacks; give them with --stacks")
        use = tuple(int(s or 0) for s in parsed.stacks)
    else:
        use = tuple(stacks)
        if len(use) != n:
            raise ValueError(f"--stacks: {len(use)} stacks given for the {n} players of {where}")
    try:
        if betting == "limit":
            if parsed.small_bet is None or parsed.big_bet is None:
                raise ValueError(f"{where}: limit betting needs 'small_bet' and 'big_bet'; "
                                 f"the hand is {parsed.variant!r}")
            spec = validate(GameSpec(
                name="limit-holdem", num_players=n, ante=parsed.antes[0], blinds=tuple(blinds), stacks=use,
                betting="limit", bet_sizes=(parsed.small_bet, parsed.small_bet, parsed.big_bet, parsed.big_bet),
                max_raises=parsed.max_raises or FT_MAX_RAISES), "game")
        else:
            spec = no_limit_holdem(num_players=n, stacks=use, blinds=(blinds[0], blinds[1]), ante=parsed.antes[0])
    except SpecError as err:
        raise ValueError(f"{where}: our rules cannot play this game: {err}") from None
    if betting == "no-limit":
        want = parsed.min_bet if parsed.min_bet is not None else parsed.small_bet
        if want != _min_bet(spec):
            raise ValueError(f"{where}: field 'min_bet' is {want}; our no-limit rules bet at least the big blind "
                             f"({_min_bet(spec)})")
    reason = unsupported(spec)
    if reason:
        raise ValueError(f"{where}: {reason}")
    return spec


@dataclass(frozen=True)
class PHHReplay:
    """A parsed hand paid by our referee, beside the file's result (all per seat, our seat order)."""

    payoffs: tuple[int, ...]                   # net chips won, by our rules
    finishing_stacks: tuple[int, ...]          # the game's starting stacks plus ``payoffs``
    expected: tuple[int, ...] | None           # the file's finishing stacks (None: not given)
    expected_payoffs: tuple[int, ...] | None   # the file's finishing minus starting stacks

    @property
    def agrees(self) -> bool:
        """Whether the file's chips won and lost are ours (True when it gives no finishing stacks)."""
        return self.expected_payoffs is None or self.expected_payoffs == self.payoffs


def replay_phh(parsed: ParsedHand, spec: GameSpec | None = None) -> PHHReplay:
    """Pay a parsed hand with :func:`holdem.game.referee.replay` under ``spec`` (default: :func:`game_of`).

    ValueError (one line, naming the hand and the action) when our rules find it illegal or
    unfinished.
    """
    from holdem.game.referee import replay
    from holdem.game.rules import initial_state

    spec = spec or game_of(parsed)
    if spec.num_players != parsed.num_players:
        raise ValueError(f"{parsed.label}: {parsed.num_players} players, the game has {spec.num_players}")
    order = phh_order(parsed.num_players)
    # the seats must act in our rules' order: the referee reads a betting string without seats
    state = initial_state(spec)
    for d, k in zip(parsed.decisions, parsed.decision_actions):
        what = f"{parsed.label}: actions[{k}] {parsed.actions[k]!r}"
        if state.is_terminal:
            raise ValueError(f"{what}: comes after the hand ended ({state.terminal_kind}) by our rules")
        if state.to_act != d.seat:
            raise ValueError(f"{what}: p{order.index(d.seat) + 1} acts where our rules have "
                             f"p{order.index(state.to_act) + 1} to act")
        try:
            state = state.apply(d.action)
        except ValueError as err:
            raise ValueError(f"{what}: {err}") from None
    holes = [list(h) for h in parsed.holes]
    if state.terminal_kind == "fold":
        # the cards do not decide a hand won by a fold, and files often hide the winner's:
        # the referee, which wants the cards of every seat still in, gets unused ones
        spare = iter(sorted(set(range(52)) - set(parsed.board) - {c for h in holes for c in h}))
        for p, h in enumerate(holes):
            if not h and state.active >> p & 1:
                holes[p] = [next(spare), next(spare)]
    try:
        payoffs = replay(spec, holes, list(parsed.board), parsed.betting())
    except ValueError as err:
        raise ValueError(f"{parsed.label}: {err}") from None
    expected = parsed.finishing_stacks
    net = None
    if expected is not None:
        # against the file's own starting stacks, so that other --stacks still compare what was won
        base = [s if s is not None else spec.stacks[p] for p, s in enumerate(parsed.stacks)]
        net = tuple(f - b for f, b in zip(expected, base))
    return PHHReplay(tuple(payoffs), tuple(s + x for s, x in zip(spec.stacks, payoffs)), expected, net)


__all__ = ["HOLDEM_BOARD", "PHHReplay", "PHHWriter", "ParsedHand", "game_of", "hand_to_phh", "hands_to_phhs",
           "phh_order", "read_phhs", "replay_phh", "unsupported", "write_phhs"]
