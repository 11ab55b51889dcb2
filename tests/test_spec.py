"""Game specs and run configs: presets, overrides, and clear errors for bad input."""
from __future__ import annotations

import pytest

from holdem.config import config_from_dict, load_config
from holdem.core.inputs import InputError
from holdem.game.spec import kuhn, leduc, no_limit_holdem, preset, spec_from_dict


def test_presets_match_the_standard_rules():
    k = kuhn()
    assert (k.deck_size, k.hole_cards, k.board_cards, k.ante, k.bet_sizes, k.max_raises) == \
        (3, 1, (0,), 1, (1,), (1,))
    lg = leduc()
    assert (lg.deck_size, lg.board_cards, lg.ante, lg.bet_sizes, lg.max_raises, lg.first_to_act) == \
        (6, (0, 1), 1, (2, 4), (2, 2), (0, 0))
    nl = no_limit_holdem(num_players=6)
    assert nl.first_to_act == (2, 0, 0, 0) and nl.stacks == (400,) * 6
    assert no_limit_holdem().first_to_act == (0, 1, 1, 1)


def test_override_from_mapping():
    spec = spec_from_dict({"preset": "leduc", "bet_sizes": [2, 6]})
    assert spec.bet_sizes == (2, 6) and spec.ranks == "JQK"


@pytest.mark.parametrize("data, match", [
    ("texas", "unknown preset 'texas'"),
    ({"preset": "leduc", "bet_size": [2, 4]}, r"game.bet_size: unknown key"),
    ({"preset": "leduc", "ante": "one"}, r"game.ante: invalid value 'one'"),
    ({"preset": "leduc", "ante": True}, r"game.ante: invalid value True"),
    ({"preset": "leduc", "stacks": [13, -5]}, r"game.stacks: invalid value"),
    ({"preset": "kuhn", "num_players": 4}, r"4 cards are dealt|deck holds only 3"),
    ({"preset": "leduc", "num_players": 7}, r"num_players.*2 to 6"),
    ({"preset": "leduc", "ranks": "JQKK"}, r"game.ranks"),
    ({"preset": "leduc", "max_raises": [2]}, r"game.max_raises"),
])
def test_bad_game_input(data, match):
    with pytest.raises(InputError, match=match):
        spec_from_dict(data)


def test_unknown_preset_lists_choices():
    with pytest.raises(InputError, match="kuhn"):
        preset("nope")


@pytest.mark.parametrize("data, match", [
    ({"game": "leduc", "solver": {"use_linear_weigthing": True}}, r"solver.use_linear_weigthing: unknown key"),
    ({"game": "leduc", "solver": {"discount_interval": 0}}, r"solver.discount_interval"),
    ({"game": "leduc", "solver": {"pruning_probability": "high"}}, r"solver.pruning_probability: invalid value"),
    ({"game": "leduc", "train": {"iters": -1}}, r"train.iters: invalid value -1"),
    ({"game": "leduc", "train": {"batch_size": 1.5}}, r"train.batch_size: invalid value 1.5"),
    ({"game": "leduc", "trian": {}}, r"unknown key 'trian'"),
    ({"solver": {}}, r"missing key 'game'"),
    ({"game": "leduc", "abstraction": "kmeans"}, r"abstraction: invalid value 'kmeans'"),
])
def test_bad_run_config(data, match):
    with pytest.raises(InputError, match=match):
        config_from_dict(data)


def test_load_config_names_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("game: leduc\ntrain: {iters: lots}\n")
    with pytest.raises(InputError, match=r"bad.yaml: train.iters: invalid value 'lots'"):
        load_config(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("game: [leduc\n")
    with pytest.raises(InputError, match="broken.yaml: not valid YAML"):
        load_config(broken)
    with pytest.raises(InputError, match="missing.yaml: cannot read config"):
        load_config(tmp_path / "missing.yaml")


def test_shipped_configs_load():
    from pathlib import Path
    for path in sorted(Path(__file__).parent.parent.joinpath("configs").glob("*.yaml")):
        load_config(path)


def test_small_config_twins_differ_only_in_abstraction():
    """Tests and benchmarks use the hand-strength twin of the `make train` default config."""
    from pathlib import Path
    configs = Path(__file__).parent.parent / "configs"
    buckets = load_config(configs / "nlhe-hu-small.yaml").to_dict()
    strength = load_config(configs / "nlhe-hu-small-hs.yaml").to_dict()
    assert buckets.pop("abstraction") == {"kind": "buckets", "preset": "tiny"}
    assert strength.pop("abstraction")["kind"] == "hand-strength"
    assert buckets == strength
