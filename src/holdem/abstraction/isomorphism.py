"""Suit-isomorphic hand indexing, one street at a time (Waugh 2013 style, imperfect recall).

A hand on a street is two groups of cards: the 2 hole cards and the ``k`` board cards
(``k`` = 0, 3, 4, 5; flop+turn(+river) are ONE board group). Two hands are the same
*canonical hand* when a permutation of the four suits maps one onto the other, group by
group; the order of cards inside a group never matters. The number of canonical hands is
169 / 1,286,792 / 13,960,050 / 123,156,254 (preflop / flop / turn / river), and
:func:`index_hand` maps every hand to a dense index in ``[0, NUM_INDICES[street])``.

Canonical form
--------------
For each suit ``s`` let ``h_s`` / ``b_s`` be the 13-bit rank masks of that suit's hole /
board cards, and ``(m0, m1)`` their popcounts. The suit's *configuration* is the pair of
masks; it is numbered densely among all pairs with the same counts::

    code_s = m0 * 6 + m1                                   (18 possible codes)
    idx_s  = colex(h_s) * C(13 - m0, m1) + colex(b_s with the ranks of h_s squeezed out)

``colex`` is the colexicographic rank of a subset among subsets of the same size
(``sum C(r_i, i)`` over its sorted ranks). A suit permutation only permutes the four
``(code_s, idx_s)`` keys, so sorting them in descending order gives the canonical form.

Index layout
------------
``index = config_offset[sorted codes] + sub``.

* The sorted 4-tuple of codes is the hand's *shape* (how many hole/board cards each suit
  holds). Shapes of a street are numbered by the multiset rank of their codes and laid out
  one after the other; ``config_offset`` is the start of each shape's block.
* Within a shape, suits with equal codes form groups. A group of ``n`` suits whose code
  allows ``N`` configurations holds a multiset of ``n`` values in ``[0, N)``; it is ranked
  with the multiset combinatorial number system (ascending ``x_1 <= .. <= x_n`` ->
  ``sum C(x_t + t - 1, t)``), giving ``C(N + n - 1, n)`` values. ``sub`` is the mixed-radix
  number of the group ranks, the last group (smallest code) being the least significant.

:func:`unindex_into` inverts this and writes the canonical representative: suit 0 gets the
largest key, then suit 1, ...; hole and board cards come out sorted by card id.

The njit entry points (:func:`index_hand`, :func:`index_flat`, :func:`index_batch`,
:func:`index_postflop`, :func:`unindex_into`) do not validate their input (distinct ids in 0..51, index in range):
they are meant for hot loops. :func:`index_cards` / :func:`unindex_hand` check and raise.
"""
from __future__ import annotations

from itertools import combinations_with_replacement
from math import comb

import numpy as np
from numba import njit


NUM_INDICES = (169, 1_286_792, 13_960_050, 123_156_254)
BOARD_CARDS = (0, 3, 4, 5)
HOLE_CARDS = 2

_NUM_CODES = 18  # (m0, m1) with m0 in 0..2 hole cards and m1 in 0..5 board cards of a suit
_LANE = 16  # bits per suit lane in the packed 64-bit masks (13 ranks used)
_LANE_MASK = (1 << 13) - 1


def street_of_board(k: int) -> int:
    """Street (0 preflop, 1 flop, 2 turn, 3 river) of a board with k = 0/3/4/5 cards."""
    try:
        return BOARD_CARDS.index(k)
    except ValueError:
        raise ValueError(f"board must have 0, 3, 4 or 5 cards, got {k}") from None


def _build_tables():
    """All lookup tables; plain Python/numpy, a few milliseconds."""
    masks = np.arange(1 << 13)
    pop = np.zeros(1 << 13, np.int64)
    colex = np.zeros(1 << 13, np.int64)
    for r in range(13):
        bit = (masks >> r) & 1
        pop += bit
        # the element at rank r is the pop-th smallest (1-based) -> contributes C(r, pop)
        colex += bit * np.array([comb(r, int(p)) for p in pop])
    unrank = np.zeros((6, comb(13, 6)), np.int64)
    small = pop <= 5
    unrank[pop[small], colex[small]] = masks[small]

    m0 = np.arange(_NUM_CODES) // 6
    m1 = np.arange(_NUM_CODES) % 6
    bmul = np.array([comb(13 - a, b) for a, b in zip(m0, m1)], np.int64)
    size = np.array([comb(13, a) for a in m0], np.int64) * bmul

    def msrank(c):  # descending 4-tuple of codes -> multiset rank in [0, C(21, 4))
        return comb(c[0] + 3, 4) + comb(c[1] + 2, 3) + comb(c[2] + 1, 2) + c[3]

    def groups(c):  # (code, multiplicity) runs of a descending tuple
        out = []
        for x in c:
            if out and out[-1][0] == x:
                out[-1][1] += 1
            else:
                out.append([x, 1])
        return out

    cfg_offset = np.full(comb(_NUM_CODES + 3, 4), -1, np.int64)
    flat_offset, flat_codes, street_start = [], [], [0]
    nmax = 2  # largest N + 3 over codes that repeat in a shape (binomial table bound)
    for k in BOARD_CARDS:
        shapes = []
        for c in combinations_with_replacement(range(_NUM_CODES - 1, -1, -1), 4):
            if sum(m0[x] for x in c) == HOLE_CARDS and sum(m1[x] for x in c) == k:
                shapes.append(c)
        shapes.sort(key=msrank)
        total = 0
        for c in shapes:
            cfg_offset[msrank(c)] = total
            flat_offset.append(total)
            flat_codes.append(c)
            n_shape = 1
            for code, n in groups(c):
                n_shape *= comb(int(size[code]) + n - 1, n)
                if n > 1:
                    nmax = max(nmax, int(size[code]) + 3)
            total += n_shape
        if total != NUM_INDICES[BOARD_CARDS.index(k)]:
            raise AssertionError(f"isomorphism tables: {k}-card board gives {total} indices")
        street_start.append(len(flat_offset))

    binom = np.array([[comb(n, t) for n in range(nmax + 1)] for t in range(5)], np.int64)
    gcount = np.array([[comb(int(size[c]) + t - 1, t) for t in range(5)] for c in range(_NUM_CODES)],
                      np.int64)
    ms = np.array([[comb(max(c + t - 1, 0), t) for c in range(_NUM_CODES)] for t in range(5)], np.int64)
    # narrow dtypes keep the two per-suit tables (24 KiB together) in L1
    return (pop.astype(np.uint8), colex.astype(np.uint16), unrank, bmul, m0.astype(np.int64), m1.astype(np.int64), cfg_offset,
            np.array(flat_offset, np.int64), np.array(flat_codes, np.int64),
            np.array(street_start, np.int64), binom, gcount, ms)


(_POP, _COLEX, _UNRANK, _BMUL, _CODE_M0, _CODE_M1, _CFG_OFFSET, _FLAT_OFFSET, _FLAT_CODES,
 _STREET_START, _BINOM, _GCOUNT, _MS) = _build_tables()


@njit(cache=True)
def _suit_key(h: int, b: int) -> int:
    """(code << 16) | idx of one suit's (hole mask, board mask)."""
    m0 = _POP[h]
    m1 = _POP[b]
    # squeeze the (at most 2) hole ranks out of the board mask; with no bit left lb = 0 and
    # m = -1, so the step is a no-op and needs no branch
    hh = h
    lb = hh & -hh
    m = lb - 1
    bc = (b & m) | ((b >> 1) & ~m)
    hh = (hh ^ lb) >> 1
    lb = hh & -hh
    m = lb - 1
    bc = (bc & m) | ((bc >> 1) & ~m)
    code = m0 * 6 + m1
    return (code << 16) | (_COLEX[h] * _BMUL[code] + _COLEX[bc])


@njit(cache=True, inline="always")
def _rank_keys(k0: int, k1: int, k2: int, k3: int) -> int:
    """Index of a hand given its four suit keys, in any order."""
    # 4-element sorting network, descending
    k0, k1 = max(k0, k1), min(k0, k1)
    k2, k3 = max(k2, k3), min(k2, k3)
    k0, k2 = max(k0, k2), min(k0, k2)
    k1, k3 = max(k1, k3), min(k1, k3)
    k1, k2 = max(k1, k2), min(k1, k2)
    c0 = k0 >> 16
    c1 = k1 >> 16
    c2 = k2 >> 16
    c3 = k3 >> 16
    base = _CFG_OFFSET[_MS[4, c0] + _MS[3, c1] + _MS[2, c2] + c3]
    # groups of equal codes, scanned from the least significant (last) suit; within a group
    # the t-th smallest value x adds C(x + t - 1, t)
    t = 1
    g = k3 & 0xFFFF
    radix = 1
    sub = 0
    a = k2 & 0xFFFF
    if c2 == c3:
        t = 2
        g += _BINOM[2, a + 1]
    else:
        sub = g
        radix = _GCOUNT[c3, 1]
        g = a
    a = k1 & 0xFFFF
    if c1 == c2:
        t += 1
        g += _BINOM[t, a + t - 1]
    else:
        sub += g * radix
        radix *= _GCOUNT[c2, t]
        t = 1
        g = a
    a = k0 & 0xFFFF
    if c0 == c1:
        t += 1
        g += _BINOM[t, a + t - 1]
    else:
        sub += g * radix
        radix *= _GCOUNT[c1, t]
        g = a
    return base + sub + g * radix


@njit(cache=True, inline="always")
def _lane(bits: int, suit: int) -> int:
    return (bits >> (_LANE * suit)) & _LANE_MASK


@njit(cache=True, inline="always")
def card_bit(card: int) -> int:
    """Bit of a card id in the packed suit-lane masks (suit s in bits 16*s .. 16*s+12)."""
    c = np.int64(card)
    return np.int64(1) << ((c & 3) * _LANE + (c >> 2))


@njit(cache=True)
def _index_packed(hole_bits: int, board_bits: int) -> int:
    """Index of a hand given as packed masks (suit s in bits 16*s .. 16*s+12)."""
    return _rank_keys(_suit_key(_lane(hole_bits, 0), _lane(board_bits, 0)),
                      _suit_key(_lane(hole_bits, 1), _lane(board_bits, 1)),
                      _suit_key(_lane(hole_bits, 2), _lane(board_bits, 2)),
                      _suit_key(_lane(hole_bits, 3), _lane(board_bits, 3)))


@njit(cache=True)
def index_postflop(c0: int, c1: int, flop_bits: int, turn: int, river: int) -> tuple[int, int, int]:
    """Flop, turn and river indices of hole cards (c0, c1) on one board, given as the flop's
    packed mask and the turn and river card ids.

    The turn and river each add a card of one suit, so only that suit's key is recomputed:
    6 suit keys instead of 12 (the training hot path computes these once per player and deal).
    """
    hole_bits = card_bit(c0) | card_bit(c1)
    k0 = _suit_key(_lane(hole_bits, 0), _lane(flop_bits, 0))
    k1 = _suit_key(_lane(hole_bits, 1), _lane(flop_bits, 1))
    k2 = _suit_key(_lane(hole_bits, 2), _lane(flop_bits, 2))
    k3 = _suit_key(_lane(hole_bits, 3), _lane(flop_bits, 3))
    flop = _rank_keys(k0, k1, k2, k3)
    board_bits = flop_bits
    out_turn = 0
    for street in range(2):
        card = turn if street == 0 else river
        board_bits |= card_bit(card)
        s = card & 3
        k = _suit_key(_lane(hole_bits, s), _lane(board_bits, s))
        if s == 0:
            k0 = k
        elif s == 1:
            k1 = k
        elif s == 2:
            k2 = k
        else:
            k3 = k
        if street == 0:
            out_turn = _rank_keys(k0, k1, k2, k3)
    return flop, out_turn, _rank_keys(k0, k1, k2, k3)


@njit(cache=True)
def index_hand(hole: np.ndarray, board: np.ndarray, k: int) -> int:
    """Canonical index of (2 hole cards, first k board cards), k in {0, 3, 4, 5}; cards distinct."""
    bb = np.int64(0)
    for i in range(k):
        bb |= card_bit(board[i])
    return _index_packed(card_bit(hole[0]) | card_bit(hole[1]), bb)


@njit(cache=True)
def index_flat(cards: np.ndarray, k: int) -> int:
    """Canonical index of cards[0:2] (hole) + cards[2:2+k] (board)."""
    bb = np.int64(0)
    for i in range(2, 2 + k):
        bb |= card_bit(cards[i])
    return _index_packed(card_bit(cards[0]) | card_bit(cards[1]), bb)


@njit(cache=True)
def index_batch(hands: np.ndarray, k: int) -> np.ndarray:
    """Indices of the rows of an (n, 2+k) card array (hole first, then board)."""
    n = hands.shape[0]
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = index_flat(hands[i], k)
    return out


@njit(cache=True)
def unindex_into(street: int, index: int, out_cards: np.ndarray) -> None:
    """Write the canonical representative of `index` on `street` to out_cards[0:2+k], sorted per group."""
    lo = _STREET_START[street]
    hi = _STREET_START[street + 1]
    j = lo + np.searchsorted(_FLAT_OFFSET[lo:hi], index, side="right") - 1
    sub = index - _FLAT_OFFSET[j]
    codes = _FLAT_CODES[j]
    vals = np.empty(4, np.int64)
    i = 3
    while i >= 0:
        code = codes[i]
        s = i
        while s > 0 and codes[s - 1] == code:
            s -= 1
        n = i - s + 1
        cnt = _GCOUNT[code, n]
        r = sub % cnt
        sub //= cnt
        # unrank the multiset: the t-th smallest value x_t sits at position s + n - t
        for t in range(n, 0, -1):
            if t == 1:
                y = r
            else:
                y = np.searchsorted(_BINOM[t], r, side="right") - 1
                r -= _BINOM[t, y]
            vals[s + n - t] = y - t + 1
        i = s - 1
    hole_bits = np.int64(0)
    board_bits = np.int64(0)
    for p in range(4):
        code = codes[p]
        mul = _BMUL[code]
        h = _UNRANK[_CODE_M0[code], vals[p] // mul]
        b = _UNRANK[_CODE_M1[code], vals[p] % mul]
        # re-insert the hole ranks as gaps, lowest first, in original coordinates
        hh = h
        while hh:
            lb = hh & -hh
            m = lb - 1
            b = (b & m) | ((b & ~m) << 1)
            hh ^= lb
        hole_bits |= h << (16 * p)
        board_bits |= b << (16 * p)
    nh = 0
    nb = 2
    for r in range(13):
        for su in range(4):
            bit = np.int64(1) << (16 * su + r)
            if hole_bits & bit:
                out_cards[nh] = 4 * r + su
                nh += 1
            elif board_bits & bit:
                out_cards[nb] = 4 * r + su
                nb += 1


@njit(cache=True)
def unindex_batch(street: int, indices: np.ndarray) -> np.ndarray:
    """Canonical representatives of many indices as an (n, 2+k) uint8 array."""
    k = 0 if street == 0 else street + 2
    out = np.empty((indices.shape[0], 2 + k), np.uint8)
    buf = np.empty(2 + k, np.int64)
    for i in range(indices.shape[0]):
        unindex_into(street, indices[i], buf)
        for j in range(2 + k):
            out[i, j] = buf[j]
    return out


def _check_street(street: int) -> int:
    if not 0 <= street < 4:
        raise ValueError(f"street must be 0..3, got {street}")
    return street


def index_cards(street: int, cards) -> int:
    """Index of a hand given as 2 hole cards followed by the street's board cards (ids or text)."""
    from holdem.core.cards import parse_cards

    k = BOARD_CARDS[_check_street(street)]
    arr = np.asarray(parse_cards(cards) if isinstance(cards, str) else list(cards), np.int64)
    if arr.shape != (2 + k,):
        raise ValueError(f"street {street} needs {2 + k} cards (2 hole + {k} board), got {arr.shape[0]}")
    if arr.min() < 0 or arr.max() > 51 or len(set(arr.tolist())) != arr.shape[0]:
        raise ValueError(f"cards must be distinct ids in 0..51, got {arr.tolist()}")
    return int(index_flat(arr, k))


def unindex_hand(street: int, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Canonical (hole, board) card arrays of `index` on `street`."""
    k = BOARD_CARDS[_check_street(street)]
    if not 0 <= index < NUM_INDICES[street]:
        raise ValueError(f"index {index} out of range 0..{NUM_INDICES[street] - 1} on street {street}")
    out = np.empty(2 + k, np.int64)
    unindex_into(street, index, out)
    return out[:2].copy(), out[2:].copy()
