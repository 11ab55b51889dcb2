"""Table-driven numba evaluator for 5-, 6- and 7-card poker hands.

Value encoding
--------------
A hand value is a non-negative ``int`` below 2**16::

    value = (category << CATEGORY_SHIFT) | sub        # CATEGORY_SHIFT = K = 12

``category`` is 0..8 (high card, one pair, two pair, three of a kind, straight, flush,
full house, four of a kind, straight flush) and ``sub`` is the dense rank of the best five
cards within that category (0 = weakest). Higher value = stronger hand; equal hands (split
pots) get exactly equal values; suits never break ties; A-2-3-4-5 is the lowest straight.
All 2,598,960 five-card hands map to the 7,462 distinct values; ``value >> 12`` is the
category.

How it works
------------
Each card has a 64-bit key ``CARD_KEYS[c] = RANK_KEYS[rank] << 16 | 1 << 4 * suit``, so the
sum of the keys of a hand carries

* in bits 0..15 one 4-bit counter per suit: adding 3 to every counter sets a counter's top
  bit exactly when that suit has 5 or more cards (a flush; counters never exceed 7);
* in bits 16.. the sum of the rank keys. ``RANK_KEYS`` were found by a greedy search so that
  every multiset of at most 7 ranks (each rank at most 4 times) has a distinct sum, below
  2**25. The 73,775 sums ``r`` of 5-, 6- and 7-card multisets are packed by row
  displacement into a 2**17-entry table:
  ``RANK_VALUES[(r + RANK_DISPLACE[r >> ROW_SHIFT]) & (2**TABLE_BITS - 1)]``. Both tables
  together are about 400 KB and stay in L2.

Flushes (about 3% of random 7-card hands) take a second path: the 13-bit rank mask of the
flush suit indexes ``FLUSH_VALUES`` (8,192 entries). With at most 7 cards a flush excludes
quads and full houses, so flush/straight flush is then the best hand.

Numba-callable kernels (for other ``@njit`` code): :func:`eval5`, :func:`eval6`,
:func:`eval7` taking card ids as separate integer arguments, and :func:`eval7_arr`
``(cards, offset)`` reading seven consecutive ids. They do not validate their input (they
are the inner loop of the solver); the Python entry points :func:`evaluate` and
:func:`evaluate_batch` do. The tables are module-level arrays that numba freezes into the
compiled code as constants, so a caller's on-disk numba cache embeds them too; the cache
directory is keyed by the package's source files (see holdem.core.numba_cache), so a change here
recompiles every caller.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

from holdem.core.cards import NUM_CARDS, format_card, parse_cards

CATEGORY_SHIFT = 12
CATEGORY_NAMES = (
    "high card",
    "one pair",
    "two pair",
    "three of a kind",
    "straight",
    "flush",
    "full house",
    "four of a kind",
    "straight flush",
)
HIGH_CARD, ONE_PAIR, TWO_PAIR, THREE_OF_A_KIND, STRAIGHT = 0, 1, 2, 3, 4
FLUSH, FULL_HOUSE, FOUR_OF_A_KIND, STRAIGHT_FLUSH = 5, 6, 7, 8

# Greedy search (smallest key keeping all sums of <= 7 ranks, multiplicity <= 4, distinct);
# _build_tables re-checks the distinctness, so a wrong edit here fails loudly at import.
RANK_KEYS = np.array(
    [1, 5, 24, 112, 521, 2247, 9244, 30823, 103066, 250154, 667453, 1526359, 3453520],
    dtype=np.int64,
)
SUIT_SHIFT = 16  # rank-key sum lives above the four 4-bit suit counters
ROW_SHIFT = 9  # 512-wide rows: 35,925 int32 displacements (140 KB)
TABLE_BITS = 17  # 131,072 uint16 values (256 KB) for 73,775 keys; both tables fit in L2
_TABLE_MASK = (1 << TABLE_BITS) - 1
_FLUSH_PROBE = 0x3333  # +3 per suit counter: top bit of a counter set <=> count >= 5
_FLUSH_BITS = 0x8888

_B = 13  # base of the raw tie-break score used while building the tables


@njit(cache=True)
def _raw(cat, a, b, c, d, e):
    # Lexicographic score of (category, tie-break ranks); only used to order hands at build time.
    return ((((cat * _B + a) * _B + b) * _B + c) * _B + d) * _B + e


@njit(cache=True)
def _straight_top(mask):
    """Rank of the highest card of the best straight in a 13-bit rank mask, or -1."""
    for top in range(12, 3, -1):
        if (mask >> (top - 4)) & 0x1F == 0x1F:
            return top
    if mask & 0x100F == 0x100F:  # A-2-3-4-5: the ace plays low, top card is the five
        return 3
    return -1


@njit(cache=True)
def _top_ranks(mask, skip1, skip2, n, out):
    """Fill out[:n] with the n highest ranks in mask other than skip1/skip2 (rest stay 0)."""
    k = 0
    for r in range(12, -1, -1):
        if k == n:
            break
        if (mask >> r) & 1 and r != skip1 and r != skip2:
            out[k] = r
            k += 1


@njit(cache=True)
def _raw_from_counts(cnt):
    """Raw score of the best non-flush five-card hand in a rank-count vector (5..7 cards)."""
    mask = 0
    quad = -1
    t1 = -1
    t2 = -1
    p1 = -1
    p2 = -1
    for r in range(12, -1, -1):
        c = cnt[r]
        if c > 0:
            mask |= 1 << r
        if c == 4:
            quad = r
        elif c == 3:
            if t1 < 0:
                t1 = r
            elif t2 < 0:
                t2 = r
        elif c == 2:
            if p1 < 0:
                p1 = r
            elif p2 < 0:
                p2 = r
    k = np.zeros(5, np.int64)
    if quad >= 0:
        _top_ranks(mask, quad, -1, 1, k)
        return _raw(FOUR_OF_A_KIND, quad, k[0], 0, 0, 0)
    if t1 >= 0 and (t2 >= 0 or p1 >= 0):
        return _raw(FULL_HOUSE, t1, max(t2, p1), 0, 0, 0)
    st = _straight_top(mask)
    if st >= 0:
        return _raw(STRAIGHT, st, 0, 0, 0, 0)
    if t1 >= 0:
        _top_ranks(mask, t1, -1, 2, k)
        return _raw(THREE_OF_A_KIND, t1, k[0], k[1], 0, 0)
    if p2 >= 0:
        # a third pair's rank is just a kicker candidate like any single card
        _top_ranks(mask, p1, p2, 1, k)
        return _raw(TWO_PAIR, p1, p2, k[0], 0, 0)
    if p1 >= 0:
        _top_ranks(mask, p1, -1, 3, k)
        return _raw(ONE_PAIR, p1, k[0], k[1], k[2], 0)
    _top_ranks(mask, -1, -1, 5, k)
    return _raw(HIGH_CARD, k[0], k[1], k[2], k[3], k[4])


@njit(cache=True)
def _raw_from_flush_mask(mask):
    """Raw score of the best five cards among >= 5 suited ranks (a flush or straight flush)."""
    st = _straight_top(mask)
    if st >= 0:
        return _raw(STRAIGHT_FLUSH, st, 0, 0, 0, 0)
    k = np.zeros(5, np.int64)
    _top_ranks(mask, -1, -1, 5, k)
    return _raw(FLUSH, k[0], k[1], k[2], k[3], k[4])


@njit(cache=True)
def _enumerate_rank_multisets(keys):
    """All multisets of <= 7 ranks (each rank <= 4 times): key sums, sizes, count vectors."""
    cap = 80000  # 76,175 multisets of size 0..7 exist
    sums = np.zeros(cap, np.int64)
    sizes = np.zeros(cap, np.int64)
    counts = np.zeros((cap, 13), np.int64)
    n = 1  # the empty multiset
    for r in range(13):
        m = n
        for i in range(n):
            for c in range(1, min(4, 7 - sizes[i]) + 1):
                sums[m] = sums[i] + c * keys[r]
                sizes[m] = sizes[i] + c
                counts[m] = counts[i]
                counts[m, r] = c
                m += 1
        n = m
    return sums[:n], sizes[:n], counts[:n]


@njit(cache=True)
def _raw_scores(counts):
    """_raw_from_counts for every row of a (n, 13) count array."""
    out = np.empty(counts.shape[0], np.int64)
    for i in range(counts.shape[0]):
        out[i] = _raw_from_counts(counts[i])
    return out


@njit(cache=True)
def _flush_raw_scores(masks):
    """_raw_from_flush_mask for every mask."""
    out = np.empty(masks.shape[0], np.int64)
    for i in range(masks.shape[0]):
        out[i] = _raw_from_flush_mask(masks[i])
    return out


@njit(cache=True)
def _row_displace(grouped, start, order, shift, table_bits):
    """Displacements such that (key + disp[key >> shift]) & (2**table_bits - 1) is injective.

    ``grouped`` holds the keys sorted, ``start[row]:start[row + 1]`` the keys of one row of
    2**shift consecutive values, ``order`` the rows fullest first. Each row gets one
    displacement; every row starts probing at its own pseudo-random point, so free slots stay
    evenly spread and probes succeed quickly (hash-and-displace; the build takes milliseconds).
    """
    size = 1 << table_bits
    mask = size - 1
    occupied = np.zeros(size, np.bool_)
    disp = np.zeros(len(start) - 1, np.int32)
    for row in order:
        if start[row + 1] == start[row]:
            break
        # odd multiplier (~2**16 / golden ratio): scatters the rows' first probes over the table
        d = (row * 40503) & mask
        placed = False
        for _ in range(size):
            placed = True
            for j in range(start[row], start[row + 1]):
                if occupied[(grouped[j] + d) & mask]:
                    placed = False
                    break
            if placed:
                break
            d = (d + 1) & mask
        if not placed:
            raise ValueError("row displacement failed: table too small")
        disp[row] = d
        for j in range(start[row], start[row + 1]):
            occupied[(grouped[j] + d) & mask] = True
    return disp


def _build_tables(
    keys: np.ndarray, shift: int, table_bits: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(RANK_DISPLACE, RANK_VALUES, FLUSH_VALUES) for the given rank keys; ~30 ms."""
    sums, sizes, counts = _enumerate_rank_multisets(keys)
    if len(np.unique(sums)) != len(sums):
        raise ValueError("RANK_KEYS do not give distinct sums for all rank multisets")
    sel = (sizes >= 5) & (sizes <= 7)
    rank_keys, rank_raw = sums[sel], _raw_scores(counts[sel])

    masks = np.arange(8192, dtype=np.int64)
    popcount = ((masks[:, None] >> np.arange(13)) & 1).sum(axis=1)
    flush_masks = masks[popcount >= 5]
    flush_raw = _flush_raw_scores(flush_masks)

    # The 7,462 five-card classes: 6,175 non-flush rank multisets + 1,287 suited rank masks.
    five_card = np.concatenate((rank_raw[sizes[sel] == 5], flush_raw[popcount[flush_masks] == 5]))
    classes = np.unique(five_card)
    if len(classes) != 7462:
        raise ValueError(f"found {len(classes)} five-card classes, expected 7462")
    # value = category << 12 | dense index within the category
    cats = classes // _B**5
    first_of_cat = np.searchsorted(cats, cats)
    class_values = (cats << CATEGORY_SHIFT) | (np.arange(len(classes)) - first_of_cat)

    order_keys = np.argsort(rank_keys)
    grouped = rank_keys[order_keys]
    row_counts = np.bincount(grouped >> shift)
    start = np.concatenate(([0], np.cumsum(row_counts)))
    row_order = np.argsort(-row_counts, kind="stable")
    disp = _row_displace(grouped, start, row_order, shift, table_bits)
    mask = (1 << table_bits) - 1
    values = np.zeros(1 << table_bits, np.uint16)
    slots = (rank_keys + disp[rank_keys >> shift]) & mask
    if len(np.unique(slots)) != len(slots):
        raise ValueError("row displacement is not injective")
    values[slots] = class_values[np.searchsorted(classes, rank_raw)]
    flush_values = np.zeros(8192, np.uint16)
    flush_values[flush_masks] = class_values[np.searchsorted(classes, flush_raw)]
    return disp, values, flush_values


RANK_DISPLACE, RANK_VALUES, FLUSH_VALUES = _build_tables(RANK_KEYS, ROW_SHIFT, TABLE_BITS)
CARD_KEYS = np.array(
    [(int(RANK_KEYS[c >> 2]) << SUIT_SHIFT) | (1 << (4 * (c & 3))) for c in range(NUM_CARDS)],
    dtype=np.int64,
)


# ----------------------------------------------------------------------------- kernels
# Module-level arrays are frozen into the compiled code as constants, so the kernels take
# only card ids and other @njit code can call them directly.


@njit(cache=True, inline="always")
def _flush_suit(f):
    if f & 0x8:
        return 0
    if f & 0x80:
        return 1
    if f & 0x800:
        return 2
    return 3


@njit(cache=True, inline="always")
def _suited_bit(c, suit):
    # 1 << rank when the card is of the flush suit, else 0 (branch-free)
    return np.int64((c & 3) == suit) << (c >> 2)


@njit(cache=True, inline="always")
def _rank_lookup(k):
    r = k >> SUIT_SHIFT
    return np.int32(RANK_VALUES[(r + RANK_DISPLACE[r >> ROW_SHIFT]) & _TABLE_MASK])


@njit(cache=True)
def eval7(c0, c1, c2, c3, c4, c5, c6):
    """Value of seven distinct card ids (numba-callable, unchecked)."""
    k = (
        CARD_KEYS[c0] + CARD_KEYS[c1] + CARD_KEYS[c2] + CARD_KEYS[c3]
        + CARD_KEYS[c4] + CARD_KEYS[c5] + CARD_KEYS[c6]
    )
    f = (k + _FLUSH_PROBE) & _FLUSH_BITS
    if f == 0:
        return _rank_lookup(k)
    s = _flush_suit(f)
    m = (
        _suited_bit(c0, s) | _suited_bit(c1, s) | _suited_bit(c2, s) | _suited_bit(c3, s)
        | _suited_bit(c4, s) | _suited_bit(c5, s) | _suited_bit(c6, s)
    )
    return np.int32(FLUSH_VALUES[m])


@njit(cache=True)
def eval6(c0, c1, c2, c3, c4, c5):
    """Value of six distinct card ids (numba-callable, unchecked)."""
    k = (
        CARD_KEYS[c0] + CARD_KEYS[c1] + CARD_KEYS[c2] + CARD_KEYS[c3]
        + CARD_KEYS[c4] + CARD_KEYS[c5]
    )
    f = (k + _FLUSH_PROBE) & _FLUSH_BITS
    if f == 0:
        return _rank_lookup(k)
    s = _flush_suit(f)
    m = (
        _suited_bit(c0, s) | _suited_bit(c1, s) | _suited_bit(c2, s) | _suited_bit(c3, s)
        | _suited_bit(c4, s) | _suited_bit(c5, s)
    )
    return np.int32(FLUSH_VALUES[m])


@njit(cache=True)
def eval5(c0, c1, c2, c3, c4):
    """Value of five distinct card ids (numba-callable, unchecked)."""
    k = CARD_KEYS[c0] + CARD_KEYS[c1] + CARD_KEYS[c2] + CARD_KEYS[c3] + CARD_KEYS[c4]
    if (k + _FLUSH_PROBE) & _FLUSH_BITS == 0:
        return _rank_lookup(k)
    # five suited cards: the mask is simply all five ranks
    m = (1 << (c0 >> 2)) | (1 << (c1 >> 2)) | (1 << (c2 >> 2)) | (1 << (c3 >> 2)) | (1 << (c4 >> 2))
    return np.int32(FLUSH_VALUES[m])


@njit(cache=True)
def eval7_arr(cards, offset):
    """Value of cards[offset:offset+7] (numba-callable, unchecked)."""
    o = offset
    return eval7(cards[o], cards[o + 1], cards[o + 2], cards[o + 3], cards[o + 4],
                 cards[o + 5], cards[o + 6])


@njit(cache=True)
def _batch(cards, out):
    n, w = cards.shape
    if w == 7:
        for i in range(n):
            out[i] = eval7(cards[i, 0], cards[i, 1], cards[i, 2], cards[i, 3], cards[i, 4],
                           cards[i, 5], cards[i, 6])
    elif w == 6:
        for i in range(n):
            out[i] = eval6(cards[i, 0], cards[i, 1], cards[i, 2], cards[i, 3], cards[i, 4],
                           cards[i, 5])
    else:
        for i in range(n):
            out[i] = eval5(cards[i, 0], cards[i, 1], cards[i, 2], cards[i, 3], cards[i, 4])


@njit(cache=True)
def _first_invalid_row(cards):
    """Index of the first row with an out-of-range or repeated card id, or -1."""
    n, w = cards.shape
    for i in range(n):
        seen = np.uint64(0)
        for j in range(w):
            c = np.int64(cards[i, j])
            if c < 0 or c >= 52:
                return i
            bit = np.uint64(1) << np.uint64(c)
            if seen & bit:
                return i
            seen |= bit
    return -1


# ----------------------------------------------------------------------------- Python API


def evaluate(cards: Sequence[int] | str) -> int:
    """Value of a 5-7 card hand given as card ids (or a card string); validated."""
    if isinstance(cards, str):
        cards = parse_cards(cards)
    ids = list(cards)
    if not 5 <= len(ids) <= 7:
        raise ValueError(f"a hand needs 5 to 7 cards, got {len(ids)}")
    checked: list[int] = []
    for c in ids:
        if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)):
            raise TypeError(f"card ids must be integers, got {c!r}")
        c = int(c)
        if not 0 <= c < NUM_CARDS:
            raise ValueError(f"card id {c} out of range 0..{NUM_CARDS - 1}")
        if c in checked:
            raise ValueError(f"duplicate card {format_card(c)} ({c}) in hand {ids}")
        checked.append(c)
    if len(checked) == 7:
        return int(eval7(*checked))
    if len(checked) == 6:
        return int(eval6(*checked))
    return int(eval5(*checked))


def evaluate_batch(cards: np.ndarray, check: bool = True) -> np.ndarray:
    """Values (int32) of an (n, 5|6|7) integer array of hands, one per row."""
    arr = np.asarray(cards)
    if arr.ndim != 2 or arr.shape[1] not in (5, 6, 7):
        raise ValueError(f"expected an (n, 5), (n, 6) or (n, 7) array, got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"card ids must be an integer array, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr)
    if check:
        bad = _first_invalid_row(arr)
        if bad >= 0:
            raise ValueError(
                f"row {bad} is not a valid hand (ids 0..51, no repeats): {arr[bad].tolist()}"
            )
    out = np.empty(arr.shape[0], np.int32)
    _batch(arr, out)
    return out


def hand_category(value: int) -> int:
    """Category index 0..8 (high card .. straight flush) of a hand value."""
    cat = int(value) >> CATEGORY_SHIFT
    if not 0 <= cat <= STRAIGHT_FLUSH or int(value) < 0:
        raise ValueError(f"{value} is not a hand value")
    return cat


def category_name(value: int) -> str:
    """Category name of a hand value, e.g. 'full house'."""
    return CATEGORY_NAMES[hand_category(value)]
