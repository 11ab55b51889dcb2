"""The compiled tree builder against the old Python one (tests/tree_reference.py): every array
equal, dtypes included, on the configs, the presets, edge cases and random specs."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from holdem.config import load_config
from holdem.game.spec import GameSpec, kuhn, leduc, limit_holdem, no_limit_holdem, spec_from_dict, validate
from holdem.game.tree import BettingTree, build_tree
from holdem.game.tree_builder import _round_half_even, build_arrays, count_tree
from tree_reference import reference_tree

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
SLOW_CONFIGS = {"nlhe-6max.yaml"}  # reference build ~85 s


def differences(a: BettingTree, b: BettingTree) -> list[str]:
    """Fields where the two trees differ (value, dtype or shape), with the first differing index."""
    out = []
    for f in dataclasses.fields(BettingTree):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if not isinstance(x, np.ndarray):
            if x != y:
                out.append(f"{f.name}: {x} != {y}")
        elif x.dtype != y.dtype or x.shape != y.shape:
            out.append(f"{f.name}: {x.dtype}{x.shape} != {y.dtype}{y.shape}")
        elif not np.array_equal(x, y):
            i = int(np.argwhere(x != y)[0][0])
            where = ""
            if f.name not in ("edge_child", "edge_kind", "edge_amount") and i < b.num_nodes:
                where = f" (node {i}, betting {b.betting_string(i)!r})"
            out.append(f"{f.name}[{i}]: {x[i]} != {y[i]}{where}")
    return out


def assert_same_tree(spec: GameSpec) -> BettingTree:
    tree = build_tree(spec)
    ref = reference_tree(spec)
    diff = differences(tree, ref)
    assert not diff, f"{spec}:\n" + "\n".join(diff)
    assert count_tree(spec) == (ref.num_nodes, len(ref.edge_child))
    return tree


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml") if p.name not in SLOW_CONFIGS))
def test_configs_equal_reference(name):
    assert_same_tree(load_config(CONFIGS / name).game)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", sorted(SLOW_CONFIGS))
def test_slow_configs_equal_reference(name):
    assert_same_tree(load_config(CONFIGS / name).game)


PRESETS = {
    "kuhn": kuhn,
    "kuhn-3p": lambda: spec_from_dict({"preset": "kuhn", "num_players": 3}),
    "leduc": leduc,
    "leduc-3p": lambda: spec_from_dict({"preset": "leduc", "num_players": 3, "ranks": "JQKA"}),
    "limit-holdem": limit_holdem,
    "nlhe": no_limit_holdem,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_equal_reference(name):
    assert_same_tree(PRESETS[name]())


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_nlhe_3p_equal_reference():
    assert_same_tree(no_limit_holdem(num_players=3))  # 786,519 nodes


def _nl(stacks, blinds=(1, 2), ante=0, sizes=((1.0,),), streets=4, max_raises=3, **kw) -> GameSpec:
    return validate(GameSpec(name="edge", num_players=len(stacks), stacks=tuple(stacks), blinds=tuple(blinds),
                             ante=ante, board_cards=(0, 3, 1, 1)[:streets], betting="no-limit",
                             raise_sizes=(tuple(sizes),) * streets, max_raises=(max_raises,) * streets,
                             showdown="rank", hole_cards=1, **kw))


EDGE_CASES = {
    "everyone all-in from the blinds": _nl([1, 2]),
    "big blind all-in from its blind": _nl([50, 2]),
    "big blind all-in from its blind, 3 players": _nl([50, 2, 50]),
    "big blind short of its blind (unvalidated)": GameSpec(
        name="edge", num_players=3, stacks=(50, 1, 50), blinds=(1, 2), betting="no-limit",
        raise_sizes=(((1.0,),),) * 4, max_raises=(2, 2, 2, 2)),
    "lone caller below a short big blind (unvalidated)": GameSpec(  # seat 0 faces 4 all-in, bet 5
        name="edge", num_players=3, stacks=(50, 3, 4), blinds=(2, 5), betting="no-limit",
        raise_sizes=(((1.0,),),) * 4, max_raises=(2, 2, 2, 2)),
    "small blind all-in posting": _nl([1, 40, 40]),
    "short all-in does not reopen": _nl([400, 30], sizes=((5.0,),)),
    "several short all-ins": _nl([100, 9, 12, 15, 100], sizes=((1.0,),), max_raises=4),
    "lone player calls at most the others": _nl([100, 5, 7], sizes=((0.5, 2.0),)),
    "ante only": _nl([20, 20, 20], blinds=(), ante=1),
    "ante and blinds": _nl([30, 25, 40, 35], ante=1),
    "straddle": _nl([60, 60, 60, 60], blinds=(1, 2, 4)),
    "zero small blind": _nl([30, 30, 30], blinds=(0, 2)),
    "no raise sizes: all-in only": _nl([30, 30, 30], sizes=()),
    "empty depth: all-in only": _nl([30, 30], sizes=((0.5,), ())),
    "raise depths": _nl([80, 80], sizes=((0.5, 1.0), (2.0,), (0.75,))),
    "all-in threshold 1": _nl([40, 40, 40], sizes=((0.5, 1.0, 3.0),), allin_threshold=1.0),
    "all-in threshold low": _nl([40, 40, 40], sizes=((0.5, 1.0),), allin_threshold=0.3),
    "no raises at all": _nl([40, 40, 40], max_raises=0),
    "first to act": _nl([40, 40, 40], first_to_act=(1, 2, 0, 1)),
    "one street": _nl([40, 30, 20, 10], streets=1, max_raises=4, sizes=((0.5, 1.0),)),
    "six-max short": _nl([12, 15, 9, 20, 11, 14], streets=2, max_raises=2),
    "limit, short stacks": validate(GameSpec(
        name="edge", num_players=3, stacks=(7, 12, 30), blinds=(1, 2), betting="limit", bet_sizes=(2, 4),
        max_raises=(3, 3), board_cards=(0, 3), showdown="rank", hole_cards=1)),
    "limit, uncapped-ish": validate(GameSpec(
        name="edge", num_players=2, stacks=(200, 200), blinds=(1, 2), betting="limit", bet_sizes=(2, 4, 4),
        max_raises=(6, 6, 0), board_cards=(0, 3, 1), showdown="rank", hole_cards=1)),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases_equal_reference(name):
    assert_same_tree(EDGE_CASES[name])


@pytest.mark.timeout(30)
def test_root_terminal_when_all_in_from_blinds():
    tree = build_tree(EDGE_CASES["everyone all-in from the blinds"])
    assert tree.num_nodes == 1 and tree.terminal[0] != 0 and len(tree.edge_child) == 0


FRACS = (0.125, 0.25, 0.375, 0.5, 0.75, 1.0, 1.125, 1.375, 1.5, 2.5)  # many land on x.5 chips


def random_spec(rng: np.random.Generator) -> GameSpec:
    """A random valid spec: 2-6 players, unequal stacks, limit or no-limit, 1-4 streets."""
    n = int(rng.integers(2, 7))
    streets = int(rng.integers(1, 5))
    forced_kind = int(rng.integers(0, 4))
    if forced_kind == 0:
        ante, blinds = int(rng.integers(1, 3)), ()
    elif forced_kind == 1:
        ante, blinds = 0, (1, 2)
    elif forced_kind == 2:
        ante, blinds = int(rng.integers(0, 2)), (int(rng.integers(0, 4)), int(rng.integers(1, 6)))
    else:
        ante, blinds = 0, (1, 2, 4)[:n]
    forced = [ante + (blinds[p] if p < len(blinds) else 0) for p in range(n)]
    deep = int(rng.integers(3, 60))
    stacks = tuple(max(f, 1) + int(rng.integers(0, deep)) for f in forced)
    limit = bool(rng.random() < 0.35)
    kw = {}
    if limit:
        kw["bet_sizes"] = tuple(int(rng.integers(1, 7)) for _ in range(streets))
        kw["max_raises"] = tuple(int(rng.integers(0, 5)) for _ in range(streets))
    else:
        sizes = []
        for _ in range(streets):
            depths = []
            for _ in range(int(rng.integers(0, 3))):
                k = int(rng.integers(0, 4))
                pool = list(FRACS) + [round(float(rng.uniform(0.1, 3.0)), 3)]
                depths.append(tuple(float(x) for x in rng.choice(pool, size=k, replace=False)))
            sizes.append(tuple(depths))
        kw["raise_sizes"] = tuple(sizes)
        kw["max_raises"] = tuple(int(rng.integers(0, 4)) for _ in range(streets))
        kw["allin_threshold"] = float(rng.choice([1.0, 0.9, 0.5, round(float(rng.uniform(0.2, 1.0)), 3)]))
    if rng.random() < 0.3:
        kw["first_to_act"] = tuple(int(rng.integers(0, n)) for _ in range(streets))
    return validate(GameSpec(name="random", num_players=n, stacks=stacks, blinds=blinds, ante=ante,
                             board_cards=(0, 3, 1, 1)[:streets], betting="limit" if limit else "no-limit",
                             showdown="rank", hole_cards=1, **kw))


@pytest.mark.timeout(120)
def test_random_specs_equal_reference():
    rng = np.random.default_rng(20240601)
    checked = nodes = 0
    kinds = set()
    for _ in range(2000):
        spec = random_spec(rng)
        try:
            size, _ = count_tree(spec, max_nodes=20_000)  # keep the Python reference fast
        except ValueError:
            continue
        assert_same_tree(spec)
        checked += 1
        nodes += size
        kinds.add((spec.betting, spec.num_players))
        if checked == 600:
            break
    assert checked == 600 and len(kinds) == 10  # limit and no-limit, 2 to 6 players
    assert nodes > 600 * 500  # not only trivial trees


@pytest.mark.timeout(30)
def test_round_half_even_like_python():
    xs = [0.5, 1.5, 2.5, 3.5, 4.5, 7.5, 1e6 + 0.5, 2.4999999999999996, 2.5000000000000004, 0.0, 3.0, 6.49,
          6.51, 2.0**52 + 1, 2.0**53]
    xs += list(np.random.default_rng(0).uniform(0, 1e4, 1000).round(1))
    for x in xs:
        assert _round_half_even(float(x)) == round(float(x)), x


@pytest.mark.timeout(30)
def test_ties_round_half_even():
    # heads-up, blinds 1/2: the button faces 2 with 1 in, pot after calling 4. 1.125 * 4 = 4.5
    # and 1.375 * 4 = 5.5: the raises go to round(6.5) = 6 and round(7.5) = 8 (not 7)
    spec = _nl([100, 100], sizes=((1.125, 1.375),), streets=1)
    tree = assert_same_tree(spec)
    labels = [tree.action_label(e) for e in range(tree.first_edge[0], tree.first_edge[0] + tree.num_actions[0])]
    assert labels == ["f", "c", "r6", "r8", "r100"]


@pytest.mark.timeout(30)
def test_dtypes_and_sizes():
    arrays = build_arrays(leduc())
    assert {k: v.dtype.name for k, v in arrays.items()} == {
        "player": "int8", "street": "int8", "terminal": "int8", "num_actions": "int8", "first_edge": "int32",
        "contrib": "int32", "active": "int32", "parent": "int32", "parent_edge": "int32", "edge_child": "int32",
        "edge_kind": "int8", "edge_amount": "int32"}
    assert count_tree(leduc()) == (len(arrays["player"]), len(arrays["edge_child"]))


@pytest.mark.timeout(30)
def test_too_big_is_refused():
    with pytest.raises(ValueError, match="more than 100 nodes"):
        count_tree(no_limit_holdem(), max_nodes=100)


@pytest.mark.timeout(120)
def test_multiway_sizes_equal_reference():
    """Fewer raise sizes with three or more players in the hand: compiled and reference agree,
    and the limit does cut sizes (not a no-op)."""
    import dataclasses

    rng = np.random.default_rng(77)
    checked = cut = 0
    for _ in range(3000):
        spec = random_spec(rng)
        if spec.betting != "no-limit" or spec.num_players < 3:
            continue
        limited = validate(dataclasses.replace(
            spec, multiway_sizes=tuple(int(rng.integers(0, 3)) for _ in range(spec.num_streets))))
        try:
            full, _ = count_tree(spec, max_nodes=20_000)
            size, _ = count_tree(limited, max_nodes=20_000)
        except ValueError:
            continue
        assert_same_tree(limited)
        assert size <= full
        checked += 1
        cut += size < full
        if checked == 200:
            break
    assert checked == 200 and cut > 50


def test_multiway_sizes_keep_old_problem_hashes():
    """A game without multiway_sizes writes no such key, so runs made before it keep their hashes."""
    from holdem.game.spec import SpecError, spec_from_dict

    assert "multiway_sizes" not in spec_from_dict("nlhe").to_dict()
    six = spec_from_dict({"preset": "nlhe", "num_players": 3, "stacks": [40] * 3, "multiway_sizes": [1, 1, 0, 0],
                          "raise_sizes": [[[0.5, 1.0]], [[0.5, 1.0]], [[0.5, 1.0]], [[0.5, 1.0]]]})
    assert six.to_dict()["multiway_sizes"] == [1, 1, 0, 0]
    with pytest.raises(SpecError, match="multiway_sizes"):
        spec_from_dict({"preset": "nlhe", "multiway_sizes": [1, 1]})
