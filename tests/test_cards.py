"""Card ids, parsing and formatting."""
from __future__ import annotations

import random

import numpy as np
import pytest

from holdem.core.cards import (
    NUM_CARDS,
    RANKS,
    SUITS,
    card_rank,
    card_suit,
    format_card,
    format_cards,
    make_card,
    parse_card,
    parse_cards,
)


def test_constants_and_id_layout():
    assert RANKS == "23456789TJQKA"
    assert SUITS == "cdhs"
    assert NUM_CARDS == 52
    assert parse_card("2c") == 0
    assert parse_card("2d") == 1
    assert parse_card("3c") == 4
    assert parse_card("Ah") == 50
    assert parse_card("As") == 51
    assert parse_card("Tc") == 32
    assert card_rank(50) == 12 and card_suit(50) == 2
    assert make_card(12, 3) == 51


def test_round_trip_every_card():
    texts = [format_card(c) for c in range(NUM_CARDS)]
    assert len(set(texts)) == NUM_CARDS
    for c, t in enumerate(texts):
        assert parse_card(t) == c
        assert t == RANKS[c // 4] + SUITS[c % 4]
    assert parse_cards("".join(texts)) == list(range(NUM_CARDS))


def test_format_cards_concatenates():
    assert format_cards([50, 47]) == "AhKs"
    assert format_cards([]) == ""
    assert format_cards(np.array([0, 51])) == "2cAs"


@pytest.mark.parametrize(
    "text",
    ["AhKs", "Ah Ks", "ah,ks", "AH KS", " Ah ,  Ks ", "aH\tkS", "Ah, Ks"],
)
def test_parse_separators_and_case(text):
    assert parse_cards(text) == [50, 47]


def test_parse_ten_spellings():
    assert parse_card("10h") == parse_card("Th") == 34
    assert parse_cards("10hJh") == [34, 38]
    assert parse_cards("tc 10d") == [32, 33]


def test_parse_empty_is_empty():
    assert parse_cards("") == []
    assert parse_cards("  , ") == []


def test_random_round_trip():
    rng = random.Random(7)
    for _ in range(200):
        cards = rng.sample(range(NUM_CARDS), rng.randint(0, 9))
        text = format_cards(cards)
        assert parse_cards(text) == cards
        assert parse_cards(" ".join(format_card(c) for c in cards)) == cards


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("AhAh", "duplicate card Ah in 'AhAh'"),
        ("Ah Ks ah", "duplicate card Ah"),
        ("10hTh", "duplicate card Th"),
        ("Xh", "unknown rank 'X'"),
        ("1h", "unknown rank '1'"),
        ("Ax", "unknown suit 'x'"),
        ("AhKz", "unknown suit 'z' in card 'Kz'"),
        ("AhK", "odd length"),
        ("AhK", "'K'"),
        ("Ah K Qd", "incomplete card 'K'"),
    ],
)
def test_parse_errors_name_the_bad_token(text, fragment):
    with pytest.raises(ValueError) as info:
        parse_cards(text)
    msg = str(info.value)
    assert fragment in msg
    assert "\n" not in msg


def test_parse_card_needs_exactly_one():
    with pytest.raises(ValueError, match="exactly one card"):
        parse_card("AhKs")
    with pytest.raises(ValueError, match="exactly one card"):
        parse_card("")


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError):
        parse_cards([50, 47])  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 52, 100])
def test_format_rejects_out_of_range(bad):
    with pytest.raises(ValueError, match="out of range"):
        format_card(bad)


def test_format_rejects_non_integers():
    with pytest.raises(TypeError):
        format_card(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        make_card(13, 0)
