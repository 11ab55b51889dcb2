"""PHH hand histories (holdem.eval.phh): our files round-trip, pokerkit replays them to our
finishing stacks, the replay command's exit codes, and ``play --phh``."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from holdem.cli import replay_phh as replay_cli
from holdem.core.inputs import InputError
from holdem.eval.hands import Decision, HandRecord
from holdem.eval.phh import (PHHWriter, game_of, hand_to_phh, phh_order, read_phhs, replay_phh, unsupported,
                             write_phhs)
from holdem.game.referee import replay
from holdem.game.rules import CALL, FOLD, RAISE, Action, initial_state
from holdem.game.spec import leduc, limit_holdem, no_limit_holdem, validate

ROOT = Path(__file__).resolve().parent.parent

SPECS = [
    no_limit_holdem(2, stacks=(40, 40)),
    no_limit_holdem(2, stacks=(7, 300)),                        # a short stack against a deep one
    no_limit_holdem(2, stacks=(2, 50)),                         # the small blind's seat 0 short
    no_limit_holdem(2, stacks=(50, 2)),                         # the big blind all-in by posting
    no_limit_holdem(2, stacks=(1, 2)),                          # both all-in by the blinds: no decision
    no_limit_holdem(2, stacks=(30, 55), ante=1),
    no_limit_holdem(6, stacks=(200,) * 6),
    no_limit_holdem(6, stacks=(3, 2, 15, 40, 120, 400)),
    no_limit_holdem(6, stacks=(50, 9, 31, 4, 77, 18), ante=1),
    no_limit_holdem(3, stacks=(10, 25, 60)),
    limit_holdem(2),
    validate(replace(limit_holdem(3), stacks=(9, 30, 14))),
]
HANDS_PER_SPEC = 50


def random_record(spec, rng: np.random.Generator, hand_id: int) -> HandRecord:
    """A random legal hand of ``spec`` (folds, calls, min-raises, all-ins, any size between)."""
    cards = [int(c) for c in rng.permutation(52)]
    n = spec.num_players
    holes = tuple((cards[2 * p], cards[2 * p + 1]) for p in range(n))
    board = tuple(cards[2 * n:2 * n + 5])
    state = initial_state(spec)
    decisions = []
    while not state.is_terminal:
        legal = state.legal_actions()
        u = rng.random()
        if legal.can_fold and u < 0.15:
            action = Action(FOLD)
        elif legal.can_raise and u > 0.55:
            lo, hi = legal.min_raise_to, legal.max_raise_to
            v = rng.random()
            amount = lo if v < 0.35 else hi if v < 0.6 else int(rng.integers(lo, hi + 1))
            # limit raises are also given unsized (ACPC "r")
            action = Action(RAISE, None if spec.betting == "limit" and rng.random() < 0.5 else amount)
        else:
            action = Action(CALL)
        decisions.append(Decision(state.to_act, action))
        state = state.apply(action)
    record = HandRecord(spec, tuple(f"player {p}" for p in range(n)), holes, board, tuple(decisions), (0,) * n,
                        hand_id)
    payoffs = replay(spec, holes, record.board_shown(), record.betting())
    return replace(record, payoffs=tuple(payoffs))


def sized(record: HandRecord) -> list[tuple[int, Action]]:
    """The record's actions with unsized limit raises given their amount."""
    out = []
    for state, d in zip(record.states(), record.decisions):
        a = d.action
        if a.kind == RAISE and a.amount is None:
            a = Action(RAISE, state.legal_actions().min_raise_to)
        out.append((d.seat, a))
    return out


@pytest.fixture(scope="module")
def records() -> list[HandRecord]:
    out = []
    for k, spec in enumerate(SPECS):
        rng = np.random.default_rng(1000 + k)
        for _ in range(HANDS_PER_SPEC):
            out.append(random_record(spec, rng, len(out) + 1))
    return out


@pytest.fixture(scope="module")
def phhs(records, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("phh") / "hands.phhs"
    write_phhs(path, records)
    return path


@pytest.mark.timeout(60)
def test_random_hands_cover_the_cases(records):
    """The generated hands include what the format must get right."""
    kinds = {"preflop fold": 0, "showdown": 0, "all-in": 0, "short all-in raise": 0, "min-raise": 0,
             "no decision": 0, "unanswerable raise": 0}
    for r in records:
        final = r.final_state()
        kinds["preflop fold"] += final.terminal_kind == "fold" and final.street == 0
        kinds["showdown"] += final.terminal_kind == "showdown"
        kinds["all-in"] += any(c == s for c, s in zip(final.contrib, r.spec.stacks))
        kinds["no decision"] += not r.decisions
        kinds["unanswerable raise"] += "# holdem: r" in hand_to_phh(r)
        for state, (seat, a) in zip(r.states(), sized(r)):
            if a.kind == RAISE:
                legal = state.legal_actions()
                kinds["min-raise"] += a.amount == legal.min_raise_to < legal.max_raise_to
                kinds["short all-in raise"] += a.amount == legal.max_raise_to and \
                    a.amount - state.bet < state.last_raise
    assert all(kinds.values()), kinds


@pytest.mark.timeout(60)
def test_round_trip(records, phhs):
    parsed = read_phhs(phhs)
    assert len(parsed) == len(records)
    for r, h in zip(records, parsed):
        assert h.key == str(r.hand_id) and h.hand == r.hand_id and h.players == r.players
        assert [(d.seat, d.action) for d in h.decisions] == sized(r)
        assert h.holes == r.holes and h.board == r.board_shown()
        assert h.stacks == r.spec.stacks and h.finishing_stacks == r.finishing_stacks()
        assert h.antes == (r.spec.ante,) * r.spec.num_players
        spec = game_of(h)
        for field in ("num_players", "ante", "stacks", "betting", "first_to_act"):
            assert getattr(spec, field) == getattr(r.spec, field), (r.hand_id, field)
        assert spec.blinds == r.spec.blinds
        if r.spec.betting == "limit":
            assert spec.bet_sizes == r.spec.bet_sizes and spec.max_raises == r.spec.max_raises
        result = replay_phh(h, spec)
        assert result.agrees and result.payoffs == r.payoffs, r.hand_id


@pytest.mark.timeout(60)
def test_seats_and_amounts_by_hand(tmp_path):
    """Heads-up p1 is the big blind (seat 1); cbr is the street's raise-to, antes excluded."""
    spec = no_limit_holdem(2, stacks=(100, 200), ante=1)
    holes = ((50, 47), (23, 0))                          # seat 0 AhKs, seat 1 7s2c
    board = (2, 6, 10, 12, 28)                           # 2h3h4h 5c 9c
    # ACPC: seat 0 raises to 7 (ante 1 + 6), seat 1 to 21, seat 0 calls; flop seat 1 bets to 31,
    # seat 0 all-in for 100, seat 1 calls
    acts = [(0, Action(RAISE, 7)), (1, Action(RAISE, 21)), (0, Action(CALL)), (1, Action(RAISE, 31)),
            (0, Action(RAISE, 100)), (1, Action(CALL))]
    r = HandRecord(spec, ("small", "big"), holes, board, tuple(Decision(s, a) for s, a in acts), (0, 0), 7)
    r = replace(r, payoffs=tuple(replay(spec, holes, board, r.betting())))
    text = hand_to_phh(r)
    want = ["d dh p1 7s2c", "d dh p2 AhKs", "p2 cbr 6", "p1 cbr 20", "p2 cc", "d db 2h3h4h", "p1 cbr 10",
            "p2 cbr 79", "p1 cc", "p2 sm AhKs", "p1 sm 7s2c", "d db 5c", "d db 9c"]
    import tomllib

    data = tomllib.loads(text)
    assert data["actions"] == want
    assert data["starting_stacks"] == [200, 100] and data["players"] == ["big", "small"]
    assert data["blinds_or_straddles"] == [1, 2] and data["antes"] == [1, 1] and data["min_bet"] == 2
    assert data["finishing_stacks"] == [r.finishing_stacks()[1], r.finishing_stacks()[0]]
    # six players: p1 is seat 0 (small blind), p3 opens preflop
    six = no_limit_holdem(6, stacks=(100,) * 6)
    r6 = HandRecord(six, tuple("abcdef"), tuple((2 * p, 2 * p + 1) for p in range(6)), tuple(range(40, 45)),
                    (Decision(2, Action(RAISE, 5)),) + tuple(Decision(s, Action(FOLD)) for s in (3, 4, 5, 0, 1)),
                    (-1, -2, 3, 0, 0, 0), 1)
    data6 = tomllib.loads(hand_to_phh(r6))
    assert data6["actions"][6:] == ["p3 cbr 5", "p4 f", "p5 f", "p6 f", "p1 f", "p2 f"]
    assert data6["players"] == list("abcdef") and data6["blinds_or_straddles"] == [1, 2, 0, 0, 0, 0]
    assert phh_order(2) == (1, 0) and phh_order(6) == tuple(range(6))


def _pokerkit_final_stacks(hh) -> tuple[list[int], list[int], bool]:
    """(stacks iterating pokerkit's states, stacks applying each action strictly, a pot was split)."""
    from pokerkit.notation import parse_action
    from pokerkit.state import ChipsPushing

    last = None
    for state in hh:  # pokerkit's own replay (it would repair a history it cannot apply)
        last = state
    strict = hh.create_state()
    for action in hh.actions:  # every action must apply as written: no repairs
        if action.startswith("d db") and strict.can_burn_card():
            strict.burn_card("??")  # pokerkit burns before each board card; PHH does not list it
        parse_action(strict, action, hh.parse_value)
    assert not strict.status, "pokerkit has the hand unfinished"
    split = any(isinstance(op, ChipsPushing) and sum(1 for x in op.amounts if x) > 1 for op in strict.operations)
    return list(last.stacks), list(strict.stacks), split


@pytest.mark.timeout(120)
def test_pokerkit_replays_our_files(records, phhs):
    from pokerkit import HandHistory

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pokerkit warns on fields it does not know
        with open(phhs, "rb") as f:
            histories = list(HandHistory.load_all(f))
        assert len(histories) == len(records)
        exact = 0
        for r, hh in zip(records, histories):
            order = phh_order(r.spec.num_players)
            ours = [r.finishing_stacks()[seat] for seat in order]
            assert list(hh.finishing_stacks) == ours
            iterated, strict, split = _pokerkit_final_stacks(hh)
            assert iterated == strict, r.hand_id
            if strict == ours:
                exact += 1
            else:
                # odd chips of split side pots are shared differently (holdem.eval.phh docstring)
                assert split and sum(strict) == sum(ours), (r.hand_id, strict, ours)
                assert max(abs(a - b) for a, b in zip(strict, ours)) <= 2, (r.hand_id, strict, ours)
        assert exact >= 0.95 * len(records)


@pytest.mark.timeout(60)
def test_writer_appends_flushed_and_refuses_existing(records, tmp_path):
    path = tmp_path / "live.phhs"
    with PHHWriter(path) as w:
        for k, r in enumerate(records[:5], start=1):
            w.write(r)
            assert len(read_phhs(path)) == k  # flushed: readable while the writer is open
        with pytest.raises(ValueError, match="standard 52-card deck"):  # leaves the file whole
            w.write(HandRecord(leduc(), ("a", "b"), ((0,), (1,)), (2,), (Decision(0, Action(CALL)),
                                                                         Decision(1, Action(CALL))), (0, 0)))
    before = path.read_bytes()
    assert len(read_phhs(path)) == 5
    for make in (lambda: PHHWriter(path).open(), lambda: write_phhs(path, records[:1])):
        with pytest.raises(InputError, match="exists; pass --force") as err:
            make()
        assert "\n" not in str(err.value) and str(path) in str(err.value)
    assert path.read_bytes() == before
    with PHHWriter(path, force=True) as w:
        w.write(records[7])
    assert [h.hand for h in read_phhs(path)] == [records[7].hand_id]
    assert "52-card deck" in unsupported(replace(SPECS[0], ranks="6789TJQKA"))
    assert "not Texas Hold'em" in unsupported(replace(SPECS[0], hole_cards=4))
    assert "first_to_act" in unsupported(replace(SPECS[6], first_to_act=(0, 0, 0, 0)))
    assert all(unsupported(spec) == "" for spec in SPECS)


BAD_FILES = {
    "not TOML": ("[1]\nvariant = \n", "not valid TOML"),
    "no actions": ("[1]\nvariant = 'NT'\nantes = [0, 0]\nblinds_or_straddles = [1, 2]\nmin_bet = 2\n"
                   "starting_stacks = [40, 40]\n", "hand [1]: field 'actions' is missing"),
    "bad amount": ("[3]\nvariant = 'NT'\nantes = [0, 0]\nblinds_or_straddles = [1, 2]\nmin_bet = 2\n"
                   "starting_stacks = [40, 40]\nactions = ['d dh p1 AcKd', 'd dh p2 2c2d', 'p2 cbr lots']\n",
                   "hand [3]: actions[2] 'p2 cbr lots': amount 'lots' is not"),
    "no such player": ("[1]\nvariant = 'NT'\nantes = [0, 0]\nblinds_or_straddles = [1, 2]\nmin_bet = 2\n"
                       "starting_stacks = [40, 40]\nactions = ['d dh p3 AcKd']\n", "'p3' is not a player"),
    "omaha": ("[1]\nvariant = 'PO'\n", "field 'variant' is 'PO'"),
    "short stacks array": ("[2]\nvariant = 'NT'\nantes = [0]\nblinds_or_straddles = [1, 2]\nmin_bet = 2\n"
                           "starting_stacks = [40, 40]\nactions = []\n", "field 'antes' has 1 entries"),
    "not a table": ("variants = 3\n", "top-level key 'variants' is not a hand table"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_name_file_hand_and_field(case, tmp_path):
    text, message = BAD_FILES[case]
    path = tmp_path / "bad.phhs"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        read_phhs(path)
    assert message in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def replay_code(args: list[str]) -> int:
    """replay_phh's exit status in-process (argparse exits with SystemExit)."""
    try:
        return replay_cli.main(args)
    except SystemExit as stop:
        return int(stop.code)


@pytest.mark.timeout(120)
def test_replay_cli_exit_codes(phhs, tmp_path, capsys):
    assert replay_cli.main([str(phhs)]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines() == [f"{phhs}: {len(SPECS) * HANDS_PER_SPEC} hands, 0 mismatches, 0 illegal"]
    # a finishing stack edited: one mismatch, exit 1
    text = phhs.read_text()
    m = re.search(r"finishing_stacks = \[(\d+),", text)
    edited = tmp_path / "edited.phhs"
    edited.write_text(text[:m.start(1)] + str(int(m.group(1)) + 5) + text[m.end(1):])
    assert replay_cli.main([str(edited)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "hand [1]" in lines[0] and "1 mismatches, 0 illegal" in lines[1]
    # an action our rules refuse (a raise below the minimum): illegal, exit 1
    illegal = tmp_path / "illegal.phhs"
    illegal.write_text("[1]\nvariant = 'NT'\nantes = [0, 0]\nblinds_or_straddles = [1, 2]\nmin_bet = 2\n"
                       "starting_stacks = [40, 40]\nactions = ['d dh p1 AcKd', 'd dh p2 2c2d', 'p2 cbr 3']\n")
    assert replay_cli.main([str(illegal)]) == 1
    out = capsys.readouterr().out
    assert "below the minimum raise" in out and "0 mismatches, 1 illegal" in out
    # malformed and unplayable files, and bad flags: one line on stderr, exit 2
    malformed = tmp_path / "malformed.phhs"
    malformed.write_text("[1]\nvariant = 'NT'\nactions = 3\n")
    seven = tmp_path / "seven.phhs"
    seven.write_text("[1]\nvariant = 'NT'\nantes = [0,0,0,0,0,0,0]\nblinds_or_straddles = [1,2,0,0,0,0,0]\n"
                     "min_bet = 2\nstarting_stacks = [9,9,9,9,9,9,9]\nactions = []\n")
    for args, message in (([str(malformed)], "field 'starting_stacks'"), ([str(seven)], "num_players"),
                          ([str(tmp_path / "missing.phhs")], "no such file"),
                          ([str(phhs), "--stacks", "0"], "--stacks"),
                          ([str(phhs), "--stacks", "10", "20", "30"], "--stacks: 3 stacks given")):
        assert replay_code(args) == 2, args
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (args, err)
    # unknown (inf) starting stacks need --stacks; without finishing stacks only legality is checked
    unknown = tmp_path / "unknown.phh"
    unknown.write_text("variant = 'NT'\nantes = [0, 0]\nblinds_or_straddles = [1, 2]\nmin_bet = 2\n"
                       "starting_stacks = [inf, inf]\nactions = ['d dh p1 ????', 'd dh p2 ????', 'p2 cbr 6', 'p1 f']\n")
    assert replay_code([str(unknown)]) == 2 and "--stacks" in capsys.readouterr().err
    assert replay_code([str(unknown), "--stacks", "100"]) == 0
    assert "1 hands, 0 mismatches, 0 illegal, 1 without finishing_stacks" in capsys.readouterr().out
    # the module runs as a command
    r = subprocess.run([sys.executable, "-m", "holdem.cli.replay_phh", str(edited)], capture_output=True,
                       text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 1 and "1 mismatches" in r.stdout, r.stderr


@pytest.mark.timeout(180)
def test_play_writes_phh_that_pokerkit_loads(tmp_path):
    from pokerkit import HandHistory

    env = dict(os.environ, PYTHONUNBUFFERED="1")

    def cli(module: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", f"holdem.cli.{module}", *args], capture_output=True,
                              text=True, input=stdin, timeout=150, cwd=ROOT, env=env)

    run = tmp_path / "run"
    r = cli("train_blueprint", "--config", "configs/nlhe-hu-small-hs.yaml", "--iters", "200", "--logdir", str(run))
    assert r.returncode == 0, r.stderr
    out = tmp_path / "session.phhs"
    script = "\n".join(["r 6", "c", "allin", "c", "half", "c", "c", "k", "f", "pot", "c", "c"] + ["c"] * 40) + "\n"
    r = cli("play", "--policy", str(run), "--seed", "5", "--hands", "6", "--phh", str(out), stdin=script)
    assert r.returncode == 0, r.stderr
    assert "final session: 6 hands" in r.stdout
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with open(out, "rb") as f:
            histories = list(HandHistory.load_all(f))
    assert len(histories) == 6
    for hh in histories:
        assert sorted(hh.players) == ["bot", "you"]
        _, strict, _ = _pokerkit_final_stacks(hh)
        assert strict == list(hh.finishing_stacks)
    hands = read_phhs(out)
    score = sum(h.finishing_stacks[h.players.index("you")] - h.stacks[h.players.index("you")] for h in hands)
    assert f"final session: 6 hands, you {score:+d} chips" in r.stdout
    assert replay_cli.main([str(out)]) == 0
    # an existing file is refused before the session starts, and kept
    before = out.read_bytes()
    r = cli("play", "--policy", str(run), "--seed", "5", "--phh", str(out), stdin=script)
    assert r.returncode == 2 and "--phh" in r.stderr and r.stderr.count("\n") == 1
    assert "=== hand" not in r.stdout and out.read_bytes() == before
