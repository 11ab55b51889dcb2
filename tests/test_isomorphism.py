"""Suit-isomorphic hand indexing: sizes, exhaustive flop/preflop checks, random turn/river checks.

Two independent references: a pure-Python canonical form (lexicographically smallest
(sorted hole, sorted board) over the 24 suit permutations) and a numba one built the same
way on 52-bit card masks. Exhaustive flop check: every hand's index is in range, invariant
under a suit permutation + reordering, every index is hit, and each index is hit exactly as
often as the suit-orbit size of its representative (so the index classes ARE the orbits).
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from numba import njit

from holdem.abstraction.isomorphism import (
    BOARD_CARDS,
    NUM_INDICES,
    card_bit,
    index_batch,
    index_cards,
    index_flat,
    index_hand,
    index_postflop,
    street_of_board,
    unindex_batch,
    unindex_hand,
    unindex_into,
)
from holdem.core.cards import parse_cards

PERMS = np.array(list(itertools.permutations(range(4))), np.int64)  # 24 suit permutations
PERM_MAPS = [[(c & ~3) | int(p[c & 3]) for c in range(52)] for p in PERMS]


# ----------------------------------------------------------------------------- references
def py_canon(hole, board) -> tuple:
    """Smallest (sorted hole, sorted board) over all suit permutations: the orbit's name."""
    return min((tuple(sorted(m[c] for c in hole)), tuple(sorted(m[c] for c in board)))
               for m in PERM_MAPS)


@njit(cache=True)
def _perm_masks(cards, k, perm):
    """(hole, board) 52-bit masks of cards[0:2] / cards[2:2+k] after a suit permutation."""
    h = np.int64(0)
    b = np.int64(0)
    for i in range(2 + k):
        c = np.int64(cards[i])
        bit = np.int64(1) << (c - (c & 3) + perm[c & 3])
        if i < 2:
            h |= bit
        else:
            b |= bit
    return h, b


@njit(cache=True)
def _canon_masks(cards, k, perms):
    """Lexicographically smallest (hole mask, board mask) over the suit permutations."""
    bh, bb = _perm_masks(cards, k, perms[0])
    for p in range(1, perms.shape[0]):
        h, b = _perm_masks(cards, k, perms[p])
        if h < bh or (h == bh and b < bb):
            bh, bb = h, b
    return bh, bb


@njit(cache=True)
def _orbit_size(cards, k, perms):
    """Number of distinct hands a suit permutation maps this hand to (24 / stabiliser)."""
    h0, b0 = _perm_masks(cards, k, perms[0])  # perms[0] is the identity
    stab = 0
    for p in range(perms.shape[0]):
        h, b = _perm_masks(cards, k, perms[p])
        stab += h == h0 and b == b0
    return perms.shape[0] // stab


@njit(cache=True)
def _valid(cards, k):
    """2+k distinct card ids in 0..51."""
    m = np.int64(0)
    for i in range(2 + k):
        c = np.int64(cards[i])
        if c < 0 or c > 51 or (m >> c) & 1:
            return False
        m |= np.int64(1) << c
    return True


@njit(cache=True)
def _permuted_reordered(cards, k, perm, out):
    """Suit-permute the hand and reverse the order inside hole and inside board."""
    for i in range(2):
        c = np.int64(cards[1 - i])
        out[i] = c - (c & 3) + perm[c & 3]
    for i in range(k):
        c = np.int64(cards[2 + k - 1 - i])
        out[2 + i] = c - (c & 3) + perm[c & 3]


@njit(cache=True)
def _exhaustive(k, size, perms):
    """Index every (hole, board) hand: hit counts per index and #out-of-range / #not-invariant."""
    counts = np.zeros(size, np.uint16)
    cards = np.empty(2 + k, np.int64)
    alt = np.empty(2 + k, np.int64)
    rest = np.empty(50, np.int64)
    combo = np.empty(k, np.int64)
    bad_range = 0
    bad_perm = 0
    t = 0
    for a in range(52):
        for b in range(a + 1, 52):
            n = 0
            for c in range(52):
                if c != a and c != b:
                    rest[n] = c
                    n += 1
            for j in range(k):
                combo[j] = j
            cards[0] = a
            cards[1] = b
            while True:
                for j in range(k):
                    cards[2 + j] = rest[combo[j]]
                i = index_flat(cards, k)
                if i < 0 or i >= size:
                    bad_range += 1
                else:
                    counts[i] += 1
                _permuted_reordered(cards, k, perms[t % 24], alt)
                t += 1
                if index_flat(alt, k) != i:
                    bad_perm += 1
                # next k-combination of 0..49 in lexicographic order
                j = k - 1
                while j >= 0 and combo[j] == 50 - k + j:
                    j -= 1
                if j < 0:
                    break
                combo[j] += 1
                for jj in range(j + 1, k):
                    combo[jj] = combo[jj - 1] + 1
    return counts, bad_range, bad_perm


@njit(cache=True)
def _check_all_indices(street, k, counts, perms):
    """For every index: valid representative, round trip, hit count == orbit size. Failures."""
    cards = np.empty(2 + k, np.int64)
    bad_valid = 0
    bad_roundtrip = 0
    bad_count = 0
    for i in range(counts.shape[0]):
        unindex_into(street, i, cards)
        if not _valid(cards, k):
            bad_valid += 1
            continue
        if index_flat(cards, k) != i:
            bad_roundtrip += 1
        if counts[i] != _orbit_size(cards, k, perms):
            bad_count += 1
    return bad_valid, bad_roundtrip, bad_count


@njit(cache=True)
def _random_hand_checks(street, k, n, seed, perms):
    """Random hands: #out of range, #not invariant, #representative not isomorphic."""
    np.random.seed(seed)
    deck = np.arange(52)
    cards = np.empty(2 + k, np.int64)
    alt = np.empty(2 + k, np.int64)
    rep = np.empty(2 + k, np.int64)
    bad_range = 0
    bad_perm = 0
    bad_rep = 0
    for _ in range(n):
        for j in range(2 + k):
            r = j + np.random.randint(0, 52 - j)
            deck[j], deck[r] = deck[r], deck[j]
            cards[j] = deck[j]
        i = index_hand(cards[:2], cards[2:], k)
        if i < 0 or i >= NUM_INDICES[street]:
            bad_range += 1
            continue
        _permuted_reordered(cards, k, perms[np.random.randint(0, 24)], alt)
        # also a random rotation inside the board, so not only reversal is exercised
        if k > 0:
            s = np.random.randint(0, k)
            for j in range(k):
                rep[j] = alt[2 + (j + s) % k]
            for j in range(k):
                alt[2 + j] = rep[j]
        if index_hand(alt[:2], alt[2:], k) != i:
            bad_perm += 1
        unindex_into(street, i, rep)
        h1, b1 = _canon_masks(cards, k, perms)
        h2, b2 = _canon_masks(rep, k, perms)
        if h1 != h2 or b1 != b2:
            bad_rep += 1
    return bad_range, bad_perm, bad_rep


def _hands_from(deck, k):
    return [(h, b) for h in itertools.combinations(deck, 2)
            for b in itertools.combinations([c for c in deck if c not in h], k)]


def _compare_with_python(hands, k):
    """index equal <=> py_canon equal over the given hands; returns the number of orbits seen."""
    arr = np.array([h + b for h, b in hands], np.int64)
    idx = index_batch(arr, k)
    canon_of_idx: dict = {}
    idx_of_canon: dict = {}
    for (h, b), i in zip(hands, idx.tolist()):
        c = py_canon(h, b)
        assert canon_of_idx.setdefault(i, c) == c, f"non-isomorphic hands share index {i}"
        assert idx_of_canon.setdefault(c, i) == i, f"isomorphic hands {c} get two indices"
    return len(idx_of_canon)


# ----------------------------------------------------------------------------- tests
def test_constants():
    assert NUM_INDICES == (169, 1_286_792, 13_960_050, 123_156_254)
    assert [street_of_board(k) for k in (0, 3, 4, 5)] == [0, 1, 2, 3]
    for k in (1, 2, 6):
        with pytest.raises(ValueError):
            street_of_board(k)


@pytest.mark.timeout(60)
def test_preflop_exhaustive_against_python():
    hands = _hands_from(range(52), 0)
    assert len(hands) == 1326
    assert _compare_with_python(hands, 0) == 169
    idx = index_batch(np.array([h for h, _ in hands], np.int64), 0)
    assert set(idx.tolist()) == set(range(169))
    # pocket pairs are one class per rank; suited/offsuit differ
    assert index_cards(0, "AsAh") == index_cards(0, "AcAd") != index_cards(0, "KcKd")
    assert index_cards(0, "AsKs") == index_cards(0, "KhAh") != index_cards(0, "AsKh")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("street", [1, 2, 3])
@pytest.mark.parametrize("deck", [
    # 3 ranks x 4 suits: lots of suit symmetry, so many hands share an orbit
    [r * 4 + s for r in (0, 7, 12) for s in range(4)],
    # 6 ranks x 2 suits: more rank variety (squeezing hole ranks out of board masks)
    [r * 4 + s for r in (0, 3, 5, 8, 11, 12) for s in (1, 2)],
], ids=["3ranks", "6ranks2suits"])
def test_restricted_deck_exhaustive_against_python(street, deck):
    k = BOARD_CARDS[street]
    hands = _hands_from(deck, k)
    orbits = _compare_with_python(hands, k)
    assert orbits < len(hands)  # the check is only meaningful when classes actually merge


@pytest.mark.timeout(60)
def test_random_full_deck_against_python():
    rng = np.random.default_rng(7)
    for street, k in enumerate(BOARD_CARDS):
        hands = []
        for _ in range(1500):
            cards = rng.choice(52, 2 + k, replace=False).tolist()
            hands.append((tuple(cards[:2]), tuple(cards[2:])))
            m = PERM_MAPS[rng.integers(24)]
            hands.append((tuple(m[c] for c in cards[1::-1]), tuple(m[c] for c in cards[:1:-1])))
        _compare_with_python(hands, k)


@pytest.mark.timeout(120)
def test_flop_exhaustive():
    counts, bad_range, bad_perm = _exhaustive(3, NUM_INDICES[1], PERMS)
    assert bad_range == 0
    assert bad_perm == 0
    assert counts.min() >= 1, "some flop index is never hit"
    assert int(counts.sum(dtype=np.int64)) == 1326 * 19600
    bad_valid, bad_roundtrip, bad_count = _check_all_indices(1, 3, counts, PERMS)
    assert bad_valid == 0
    assert bad_roundtrip == 0
    assert bad_count == 0, "index classes differ from suit orbits"


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("street", [2, 3])
def test_turn_river_exhaustive(street):
    k = BOARD_CARDS[street]
    counts, bad_range, bad_perm = _exhaustive(k, NUM_INDICES[street], PERMS)
    assert bad_range == 0 and bad_perm == 0
    assert counts.min() >= 1
    assert _check_all_indices(street, k, counts, PERMS) == (0, 0, 0)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("street", [1, 2, 3])
def test_random_hands(street):
    k = BOARD_CARDS[street]
    bad_range, bad_perm, bad_rep = _random_hand_checks(street, k, 200_000, street, PERMS)
    assert (bad_range, bad_perm, bad_rep) == (0, 0, 0)


@pytest.mark.timeout(60)
def test_index_postflop_matches_index_hand():
    """The kernel's incremental flop/turn/river indexing agrees with one index per street."""
    rng = np.random.default_rng(11)
    for _ in range(20_000):
        cards = rng.choice(52, 7, replace=False)
        flop_bits = card_bit(cards[2]) | card_bit(cards[3]) | card_bit(cards[4])
        got = index_postflop(cards[0], cards[1], flop_bits, cards[5], cards[6])
        want = tuple(index_flat(cards, k) for k in (3, 4, 5))
        assert got == want, cards


@pytest.mark.timeout(60)
@pytest.mark.parametrize("street", [2, 3])
def test_unindex_roundtrip_random(street):
    k = BOARD_CARDS[street]
    size = NUM_INDICES[street]
    rng = np.random.default_rng(street)
    indices = np.concatenate([[0, 1, size - 2, size - 1], rng.integers(0, size, 200_000)]).astype(np.int64)
    reps = unindex_batch(street, indices)
    assert reps.shape == (indices.size, 2 + k)
    s = np.sort(reps.astype(np.int64), axis=1)
    assert s.max() <= 51 and (np.diff(s, axis=1) > 0).all(), "representative with repeated cards"
    np.testing.assert_array_equal(index_batch(reps, k), indices)
    # the last index is reachable and nothing maps past it
    hole, board = unindex_hand(street, size - 1)
    assert index_hand(hole, board, k) == size - 1


def test_python_helpers():
    hole, board = unindex_hand(3, 12_345_678)
    assert hole.shape == (2,) and board.shape == (5,)
    assert index_cards(3, np.concatenate([hole, board])) == 12_345_678
    # text form, any order inside a group, any suit relabelling
    assert index_cards(1, "AhKh 2c3c4d") == index_cards(1, "KsAs 4h2d3d") != index_cards(1, "AhKh 2c3c4c")
    assert index_cards(2, parse_cards("AhKd2c3c4d5s")) == index_cards(2, "KcAs5d4c3h2h")
    with pytest.raises(ValueError):
        index_cards(1, "AhKh2c3c")  # too few cards
    with pytest.raises(ValueError):
        index_cards(1, "AhAh2c3c4d")  # repeated card
    with pytest.raises(ValueError):
        unindex_hand(2, NUM_INDICES[2])
    with pytest.raises(ValueError):
        unindex_hand(4, 0)
