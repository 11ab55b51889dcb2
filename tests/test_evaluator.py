"""Hand evaluator: against an independent pure-Python reference, and exhaustive counts."""
from __future__ import annotations

import itertools
import random
from collections import Counter

import numpy as np
import pytest
from numba import njit

from holdem.core.cards import parse_cards
from holdem.core.evaluator import (
    CATEGORY_NAMES,
    CATEGORY_SHIFT,
    category_name,
    eval5,
    eval6,
    eval7,
    eval7_arr,
    evaluate,
    evaluate_batch,
    hand_category,
)

# ----------------------------------------------------------------------------- reference
# Deliberately naive and independent of the evaluator: classify five cards by rank-group
# shape, compare (category, tie-break ranks) tuples, and take the max over 5-subsets.


def ref5(cards):
    """(category, tie-break ranks) of exactly five cards; larger tuple = stronger."""
    ranks = sorted((c >> 2 for c in cards), reverse=True)
    flush = len({c & 3 for c in cards}) == 1
    counts = Counter(ranks)
    groups = sorted(counts.items(), key=lambda rc: (rc[1], rc[0]), reverse=True)
    shape = tuple(n for _, n in groups)
    ordered = tuple(r for r, _ in groups)
    top = None
    if len(counts) == 5:
        if ranks[0] - ranks[4] == 4:
            top = ranks[0]
        elif ranks == [12, 3, 2, 1, 0]:
            top = 3  # the wheel: five-high
    if top is not None and flush:
        return (8, (top,))
    if shape == (4, 1):
        return (7, ordered)
    if shape == (3, 2):
        return (6, ordered)
    if flush:
        return (5, tuple(ranks))
    if top is not None:
        return (4, (top,))
    if shape == (3, 1, 1):
        return (3, ordered)
    if shape == (2, 2, 1):
        return (2, ordered)
    if shape == (2, 1, 1, 1):
        return (1, ordered)
    return (0, ordered)


def ref_best(cards):
    """Reference value of 5..7 cards: best over all five-card subsets."""
    return max(ref5(sub) for sub in itertools.combinations(cards, 5))


def all_five_card_classes():
    """One representative hand of each of the 7,462 five-card equivalence classes."""
    hands = []
    for combo in itertools.combinations_with_replacement(range(13), 5):
        if max(Counter(combo).values()) > 4:
            continue
        # suits cycle over the whole hand: copies of a rank differ, and never five alike
        hands.append([r * 4 + i % 4 for i, r in enumerate(combo)])
    for combo in itertools.combinations(range(13), 5):
        hands.append([r * 4 for r in combo])  # all clubs
    return hands


@pytest.fixture(scope="module")
def class_table():
    """Reference tuple -> evaluator value for every five-card class (checked for order)."""
    hands = all_five_card_classes()
    values = evaluate_batch(np.array(hands, dtype=np.int64))
    refs = [ref5(h) for h in hands]
    return dict(zip(refs, (int(v) for v in values)))


def random_hands(rng, n, k):
    return [rng.sample(range(52), k) for _ in range(n)]


def v(text):
    return evaluate(parse_cards(text))


# ----------------------------------------------------------------------------- order


def test_five_card_classes_match_reference_order(class_table):
    assert len(class_table) == 7462  # representatives are pairwise distinct classes
    refs = sorted(class_table)
    values = [class_table[r] for r in refs]
    # strictly increasing in reference order: a total order identical to poker's
    assert all(a < b for a, b in zip(values, values[1:]))
    for r, val in class_table.items():
        assert val >> CATEGORY_SHIFT == r[0]
        assert hand_category(val) == r[0]
        assert category_name(val) == CATEGORY_NAMES[r[0]]
    # dense within each category: sub-ranks 0..count-1
    per_cat = Counter(r[0] for r in refs)
    assert [per_cat[c] for c in range(9)] == [1277, 2860, 858, 858, 10, 1277, 156, 156, 10]
    for cat in range(9):
        low = (1 << CATEGORY_SHIFT) - 1
        subs = sorted(val & low for r, val in class_table.items() if r[0] == cat)
        assert subs == list(range(per_cat[cat]))


@pytest.mark.parametrize("k", [5, 6, 7])
def test_random_hands_equal_reference_exactly(class_table, k):
    rng = random.Random(1000 + k)
    hands = random_hands(rng, 1500, k)
    got = evaluate_batch(np.array(hands, dtype=np.int16))
    for hand, val in zip(hands, got):
        assert val == class_table[ref_best(hand)], hand


def test_rare_categories_against_reference(class_table):
    # random deals rarely hit quads / straight flushes: build hands around them on purpose
    rng = random.Random(5)
    for _ in range(300):
        r = rng.randrange(13)
        quad = [r * 4 + s for s in range(4)]
        rest = rng.sample([c for c in range(52) if c >> 2 != r], 3)
        hand = quad + rest
        assert evaluate(hand) == class_table[ref_best(hand)]
        top = rng.randrange(3, 13)
        suit = rng.randrange(4)
        run_ranks = [12, 0, 1, 2, 3] if top == 3 else range(top - 4, top + 1)
        run = [r * 4 + suit for r in run_ranks]
        extra = rng.sample([c for c in range(52) if c not in run], 2)
        hand = run + extra
        assert hand_category(evaluate(hand)) == 8
        assert evaluate(hand) == class_table[ref_best(hand)]


def test_subset_consistency():
    rng = random.Random(11)
    for hand in random_hands(rng, 300, 7):
        v7 = evaluate(hand)
        assert v7 == max(evaluate(list(s)) for s in itertools.combinations(hand, 6))
        assert v7 == max(evaluate(list(s)) for s in itertools.combinations(hand, 5))
        six = hand[:6]
        assert evaluate(six) == max(evaluate(list(s)) for s in itertools.combinations(six, 5))


def test_order_and_suit_independence():
    rng = random.Random(3)
    for hand in random_hands(rng, 200, 7):
        base = evaluate(hand)
        shuffled = hand[:]
        rng.shuffle(shuffled)
        assert evaluate(shuffled) == base
        # relabelling suits by a permutation changes no hand's strength
        perm = rng.sample(range(4), 4)
        assert evaluate([(c & ~3) | perm[c & 3] for c in hand]) == base


# ----------------------------------------------------------------------------- hand-written


def test_wheel_is_lowest_straight():
    wheel = v("Ac 2d 3h 4s 5c")
    six_high = v("2d 3h 4s 5c 6d")
    assert category_name(wheel) == "straight"
    assert wheel < six_high
    assert wheel > v("Ac Ad Ah Kc Qd")  # any straight beats trips
    # a wheel with a six on board is a six-high straight, not a wheel
    assert v("Ac 2d 3h 4s 5c 6d 9h") == six_high


def test_steel_wheel_and_royal():
    steel = v("Ah 2h 3h 4h 5h")
    assert category_name(steel) == "straight flush"
    assert steel < v("2h 3h 4h 5h 6h")
    assert steel > v("Ac Ad Ah As Kc")
    royal = v("Ts Js Qs Ks As")
    assert royal == max(v("9s Ts Js Qs Ks"), royal)
    assert royal > v("9s Ts Js Qs Ks")
    assert v("As Ks Qs Js Ts 2c 3d") == royal
    # royal is the single highest value of all
    assert royal == (8 << CATEGORY_SHIFT) | 9


def test_broadway_straight():
    broadway = v("Tc Jd Qh Ks Ac")
    assert category_name(broadway) == "straight"
    assert broadway > v("9c Td Jh Qs Kc")
    assert broadway < v("2c 4c 6c 8c Tc")  # any flush beats any straight
    # K-A-2-3-4 does not wrap around
    assert category_name(v("Kc Ad 2h 3s 4c")) == "high card"


def test_flush_beats_straight_on_same_board():
    board = parse_cards("5h 6h 7h 8c Kd")
    straight = evaluate(board + parse_cards("9c 2s"))
    flush = evaluate(board + parse_cards("Ah 2h"))
    assert category_name(straight) == "straight"
    assert category_name(flush) == "flush"
    assert flush > straight
    # and a straight flush beats both
    assert evaluate(board + parse_cards("4h 3h")) > flush
    # the higher flush wins, decided by the highest differing card
    assert v("Ah Qh 9h 5h 3h") > v("Ah Qh 9h 5h 2h")
    assert v("Ah Kh 3h 4h 6h 8c 8d") > v("Ah Qh Jh Th 8h 2c 3d")


def test_kickers_and_split_pots():
    board = parse_cards("Ah Kd 7c 5s 2h")
    p1 = evaluate(board + parse_cards("Qc 3d"))
    p2 = evaluate(board + parse_cards("Qs 4c"))
    p3 = evaluate(board + parse_cards("Jc 3s"))
    assert p1 == p2  # both play A K Q 7 5: exact split
    assert p1 > p3
    # pair with kickers
    assert v("Ac Ad Kh 9s 3c") > v("Ac Ad Qh Js Tc")
    assert v("Ac Ad Kh 9s 3c") == v("As Ah Kc 9d 3h")
    # two pair: third pair only contributes a kicker
    assert v("Ac Ad Kc Kd Qc Qd 2h") == v("Ac Ad Kc Kd Qh")
    assert v("Ac Ad Kc Kd Qc Qd 2h") > v("Ac Ad Kc Kd Jh Tc 9d")
    # board plays: both players hold useless cards
    board = parse_cards("Tc Jd Qh Ks Ac")
    assert evaluate(board + parse_cards("2c 3d")) == evaluate(board + parse_cards("4h 2s"))
    # trips kickers
    assert v("7c 7d 7h Ac 2d") > v("7c 7d 7h Kc Qd")


def test_four_of_a_kind_kickers():
    board = parse_cards("9c 9d 9h 9s 2c")
    with_ace = evaluate(board + parse_cards("Ah 3d"))
    with_king = evaluate(board + parse_cards("Kc 3c"))
    assert with_ace > with_king
    assert category_name(with_ace) == "four of a kind"
    # the kicker on board plays for everyone
    board = parse_cards("9c 9d 9h 9s Ac")
    assert evaluate(board + parse_cards("Kd Qd")) == evaluate(board + parse_cards("2d 3d"))
    # quads plus trips: the trips rank is just the kicker
    assert v("9c 9d 9h 9s Kc Kd Kh") == v("9c 9d 9h 9s Ks")
    assert v("2c 2d 2h 2s 3c") > v("Ac Ad Ah Kc Kd")


def test_full_house_ordering():
    assert v("3c 3d 3h Kc Kd") < v("4c 4d 4h 2c 2d")  # trips rank decides first
    assert v("4c 4d 4h 3c 3d") < v("4c 4d 4h 5c 5d")
    assert v("4c 4d 4h 3c 3d") > v("Ac Kc Qc Jc 9c")  # full house beats flush
    # two sets: the higher set plus a pair from the lower one
    assert v("Kc Kd Kh 7c 7d 7h 2c") == v("Kc Kd Kh 7c 7d")
    # set plus two pairs: the higher pair completes the boat
    assert v("5c 5d 5h Qc Qd 8c 8d") == v("5c 5d 5h Qc Qd")
    assert category_name(v("5c 5d 5h Qc Qd")) == "full house"


def test_category_examples():
    examples = {
        "2c 4d 6h 8s Tc Qd 3h": "high card",
        "2c 2d 6h 8s Tc Qd 3h": "one pair",
        "2c 2d 6h 6s Tc Qd 3h": "two pair",
        "2c 2d 2h 6s Tc Qd 3h": "three of a kind",
        "2c 3d 4h 5s 6c Qd Kh": "straight",
        "2c 7c 9c Jc Kc Qd 3h": "flush",
        "2c 2d 2h 6s 6c Qd 3h": "full house",
        "2c 2d 2h 2s Tc Qd 3h": "four of a kind",
        "8d 9d Td Jd Qd 2c 2h": "straight flush",
    }
    for text, name in examples.items():
        val = v(text)
        assert category_name(val) == name, text
        assert hand_category(val) == CATEGORY_NAMES.index(name)


# ----------------------------------------------------------------------------- API


def test_evaluate_accepts_strings_numpy_and_sequences():
    hand = parse_cards("As Ks Qs Js Ts 2c 3d")
    assert evaluate("As Ks Qs Js Ts 2c 3d") == evaluate(hand)
    assert evaluate(np.array(hand, dtype=np.int8)) == evaluate(tuple(hand))
    assert isinstance(evaluate(hand), int)


@pytest.mark.parametrize(
    ("cards", "exc", "fragment"),
    [
        ([0, 1, 2, 3], ValueError, "5 to 7 cards"),
        (list(range(8)), ValueError, "5 to 7 cards"),
        ([0, 1, 2, 3, 52], ValueError, "out of range"),
        ([0, 1, 2, 3, -1], ValueError, "out of range"),
        ([0, 1, 2, 3, 3], ValueError, "duplicate card 2s"),
        ([0, 1, 2, 3, 4.0], TypeError, "integers"),
        ([0, 1, 2, 3, True], TypeError, "integers"),
    ],
)
def test_evaluate_validates(cards, exc, fragment):
    with pytest.raises(exc, match=fragment):
        evaluate(cards)


def test_evaluate_batch_shapes_dtypes_and_validation():
    rng = np.random.default_rng(0)
    hands = np.array([rng.permutation(52)[:7] for _ in range(50)])
    for dtype in (np.int8, np.uint8, np.int32, np.int64):
        out = evaluate_batch(hands.astype(dtype))
        assert out.dtype == np.int32 and out.shape == (50,)
        assert out.tolist() == [evaluate(h) for h in hands]
    assert evaluate_batch(hands[:, :5]).tolist() == [evaluate(h[:5]) for h in hands]
    assert evaluate_batch(hands[:, :6]).tolist() == [evaluate(h[:6]) for h in hands]
    assert evaluate_batch(hands[:, ::-1]).tolist() == evaluate_batch(hands).tolist()
    assert evaluate_batch(np.zeros((0, 7), np.int64)).shape == (0,)
    with pytest.raises(ValueError, match="shape"):
        evaluate_batch(hands[:, :4])
    with pytest.raises(ValueError, match="shape"):
        evaluate_batch(hands[0])
    with pytest.raises(TypeError, match="integer"):
        evaluate_batch(hands.astype(np.float64))
    bad = hands.copy()
    bad[17, 3] = bad[17, 5]
    with pytest.raises(ValueError, match="row 17"):
        evaluate_batch(bad)
    bad = hands.copy()
    bad[3, 0] = 52
    with pytest.raises(ValueError, match="row 3"):
        evaluate_batch(bad)


def test_hand_category_rejects_non_values():
    with pytest.raises(ValueError):
        hand_category(9 << CATEGORY_SHIFT)
    with pytest.raises(ValueError):
        hand_category(-1)


@njit(cache=True)
def _kernel_style(hands):
    out = np.empty((hands.shape[0], 3), np.int64)
    flat = hands.copy().reshape(-1)
    for i in range(hands.shape[0]):
        h = hands[i]
        out[i, 0] = eval7(h[0], h[1], h[2], h[3], h[4], h[5], h[6])
        out[i, 1] = eval7_arr(flat, 7 * i)
        six = eval6(h[0], h[1], h[2], h[3], h[4], h[5])
        out[i, 2] = max(six, eval5(h[2], h[3], h[4], h[5], h[6]))
    return out


def test_kernels_callable_from_njit():
    rng = np.random.default_rng(1)
    hands = np.array([rng.permutation(52)[:7] for _ in range(200)], dtype=np.int32)
    out = _kernel_style(hands)
    expect = evaluate_batch(hands)
    assert (out[:, 0] == expect).all()
    assert (out[:, 1] == expect).all()
    assert (out[:, 2] <= expect).all()


# ----------------------------------------------------------------------------- exhaustive


@njit(cache=True)
def _all_five():
    hist = np.zeros(1 << 16, np.int64)
    for a in range(48):
        for b in range(a + 1, 49):
            for c in range(b + 1, 50):
                for d in range(c + 1, 51):
                    for e in range(d + 1, 52):
                        hist[eval5(a, b, c, d, e)] += 1
    return hist


@njit(cache=True)
def _all_seven():
    hist = np.zeros(1 << 16, np.int64)
    for a in range(46):
        for b in range(a + 1, 47):
            for c in range(b + 1, 48):
                for d in range(c + 1, 49):
                    for e in range(d + 1, 50):
                        for f in range(e + 1, 51):
                            for g in range(f + 1, 52):
                                hist[eval7(a, b, c, d, e, f, g)] += 1
    return hist


@njit(cache=True)
def _all_six():
    hist = np.zeros(1 << 16, np.int64)
    for a in range(47):
        for b in range(a + 1, 48):
            for c in range(b + 1, 49):
                for d in range(c + 1, 50):
                    for e in range(d + 1, 51):
                        for f in range(e + 1, 52):
                            hist[eval6(a, b, c, d, e, f)] += 1
    return hist


def _category_counts(hist):
    return [int(hist[c << CATEGORY_SHIFT : (c + 1) << CATEGORY_SHIFT].sum()) for c in range(9)]


def test_all_five_card_hands():
    hist = _all_five()
    assert hist.sum() == 2_598_960
    assert np.count_nonzero(hist) == 7462
    assert _category_counts(hist) == [
        1_302_540, 1_098_240, 123_552, 54_912, 10_200, 5_108, 3_744, 624, 40,
    ]
    assert hist[(8 << CATEGORY_SHIFT) | 9] == 4  # royal flushes


def test_all_six_card_hands():
    hist = _all_six()
    assert hist.sum() == 20_358_520
    assert np.count_nonzero(hist) == 6_075
    counts = _category_counts(hist)
    # quads: 13 ranks x C(48, 2) others; straight flushes: 4 suits x (47 + 9 x 46)
    assert counts[7] == 13 * 1128 and counts[8] == 4 * (47 + 9 * 46)
    assert counts == [
        6_612_900, 9_730_740, 2_532_816, 732_160, 361_620, 205_792, 165_984, 14_664, 1_844,
    ]


def test_all_seven_card_hands():
    hist = _all_seven()
    assert hist.sum() == 133_784_560
    assert _category_counts(hist) == [
        23_294_460, 58_627_800, 31_433_400, 6_461_620, 6_180_020,
        4_047_644, 3_473_184, 224_848, 41_584,
    ]
    assert hist[(8 << CATEGORY_SHIFT) | 9] == 4_324  # royal flushes
    assert np.count_nonzero(hist) == 4_824
