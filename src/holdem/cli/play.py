"""Play heads-up against a blueprint in the terminal: ``python -m holdem.cli.play --policy RUN
[--hands N] [--seed S] [--seat 0|1|alternate] [--phh FILE [--force]]``.

The real hand follows the exact rules (:mod:`holdem.game.rules`: stacks, blinds, minimum
raises, all-ins) and is paid by the referee (:func:`holdem.game.referee.replay`). The bot
keeps the hand on its abstract tree with :class:`holdem.eval.translation.AbstractHand`:
your off-tree sizes are mapped by the pseudo-harmonic translation (Ganzfried & Sandholm
2013), and its own actions are its exact abstract sizes (the same pot fraction when the real
pot differs). It samples from its average strategy. If the hand leaves what its tree can
express (more raises than its abstraction allows), it checks/calls for the rest of the hand.

Commands (chips are ACPC totals: what you have committed in the whole hand after the raise):
``f`` fold, ``c`` or ``k`` check/call, ``r N`` or ``N`` raise to N, ``pot`` / ``half`` a pot /
half-pot raise, ``allin``, ``h`` help, ``q`` quit. Input is read line by line, so a session
can be scripted; end of input ends the session with the score.

``--phh FILE`` writes the session's hands as PHH hand histories (:mod:`holdem.eval.phh`; a
``.phhs`` file, players ``you`` and ``bot``), each hand as soon as it is finished, so quitting
or Ctrl-C keeps every finished hand. An existing FILE is refused unless ``--force``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TextIO

import numpy as np

from holdem.cli.common import ArgumentParser, number, run_cli

if TYPE_CHECKING:
    from holdem.eval.blueprint import Blueprint
    from holdem.eval.hands import Decision, HandRecord
    from holdem.eval.translation import AbstractHand
    from holdem.game.rules import Action, BettingState

STREET_NAMES = ("preflop", "flop", "turn", "river")
HELP = ("commands: f = fold, c or k = check/call, r N or N = raise to N chips committed in the hand, "
        "pot, half, allin, h = help, q = quit")


class EndOfInput(Exception):
    """stdin is exhausted or the user quit."""


def parse_command(text: str, state: BettingState) -> Action | str:
    """The action a command line asks for in ``state``, or a message saying why it cannot be played."""
    from holdem.game.rules import CALL, FOLD, RAISE, Action

    words = text.strip().lower().split()
    if not words:
        return "type a command (h for help)"
    cmd, rest = words[0], words[1:]
    legal = state.legal_actions()
    if cmd in ("f", "fold"):
        if not legal.can_fold:
            return "you are not facing a bet: check with k"
        return Action(FOLD)
    if cmd in ("c", "k", "call", "check"):
        return Action(CALL)
    amount: int | None = None
    pot_after_call = state.pot + legal.to_call
    if cmd in ("pot", "half"):
        frac = 1.0 if cmd == "pot" else 0.5
        amount = int(round(state.bet + frac * pot_after_call))
        if legal.can_raise:
            amount = min(max(amount, legal.min_raise_to), legal.max_raise_to)
    elif cmd in ("allin", "all-in", "a", "shove"):
        amount = legal.max_raise_to
    elif cmd in ("r", "raise", "b", "bet") and len(rest) == 1 and rest[0].isdigit():
        amount = int(rest[0])
    elif cmd.startswith("r") and cmd[1:].isdigit() and not rest:
        amount = int(cmd[1:])
    elif cmd.isdigit() and not rest:
        amount = int(cmd)
    else:
        return f"unknown command {text.strip()!r}; {HELP}"
    if not legal.can_raise:
        return f"you cannot raise here: {legal.no_raise_reason}"
    action = Action(RAISE, amount)
    reason = state.why_illegal(action)
    if reason:
        return (f"raise to {amount} {reason.removeprefix('is a raise, ')}; "
                f"raises go from {legal.min_raise_to} to {legal.max_raise_to} (all-in)")
    return action


def describe(action: Action, state: BettingState, you: bool = False) -> str:
    """'folds', 'checks', 'calls 4', 'raises to 18', 'goes all-in (40)' ('fold', ... for ``you``)."""
    from holdem.game.rules import FOLD, RAISE

    legal = state.legal_actions()
    if action.kind == FOLD:
        verb, rest = "fold", ""
    elif action.kind == RAISE:
        amount = action.amount if action.amount is not None else legal.max_raise_to
        if amount == state.spec.stacks[state.to_act]:
            verb, rest = "go", f" all-in ({amount})"
        else:
            # a bet opens the betting of a street; preflop the big blind is the bet
            verb, rest = ("bet" if legal.to_call == 0 and state.street > 0 else "raise"), f" to {amount}"
    else:
        verb, rest = ("call", f" {legal.to_call}") if legal.to_call else ("check", "")
    if not you:
        verb = "goes" if verb == "go" else verb + "s"
    return verb + rest


class Session:
    """One terminal session: deals hands, asks the user, plays the bot, keeps the score."""

    def __init__(self, bp: Blueprint, seed: int, seat: str, inp: TextIO, out: TextIO,
                 on_hand: Callable[[HandRecord], None] | None = None, search: Any = None):
        spec = bp.problem.spec
        self.search = search  # a holdem.search.agent.SearchAgent: the bot searches from its street on
        if spec.num_players != 2:
            raise ValueError(f"play is heads-up only; {bp.path} is a {spec.num_players}-player game")
        self.bp = bp
        self.spec = spec
        self.rng = np.random.default_rng(seed)
        self.seat = seat
        self.inp = inp
        self.out = out
        self.hands = 0
        self.score = 0
        self.deck = [r + s for r in spec.ranks for s in spec.suits]
        self.on_hand = on_hand  # sees every finished hand (e.g. a PHH writer)

    def say(self, text: str = "") -> None:
        """Print a line and flush (the session may be driven through a pipe)."""
        print(text, file=self.out, flush=True)

    def ask(self, prompt: str) -> str:
        """Next input line; EndOfInput at end of input."""
        self.out.write(prompt)
        self.out.flush()
        line = self.inp.readline()
        if not line:
            self.say()
            raise EndOfInput
        return line

    def score_line(self) -> str:
        """The running session score."""
        bb = self.score / self.spec.big_blind
        per = bb / self.hands if self.hands else 0.0
        return f"session: {self.hands} hands, you {self.score:+d} chips ({bb:+.1f} bb, {per:+.2f} bb/hand)"

    def run(self, hands: int | None) -> int:
        """Play until ``hands`` hands (None: until end of input or quit); prints the score."""
        try:
            while hands is None or self.hands < hands:
                user = self.hands % 2 if self.seat == "alternate" else int(self.seat)
                self.play_hand(user)
                self.say(self.score_line())
        except EndOfInput:
            pass
        self.say(f"final {self.score_line()}")
        return 0

    def user_action(self, state: BettingState) -> Action:
        """Prompt until the user types a playable command."""
        from holdem.game.rules import Action

        legal = state.legal_actions()
        p = state.to_act
        opts = ["f" if legal.can_fold else None, f"c (call {legal.to_call})" if legal.to_call else "k (check)"]
        if legal.can_raise:
            opts.append(f"r {legal.min_raise_to}..{legal.max_raise_to}, pot, half, allin")
        prompt = (f"pot {state.pot}, to call {legal.to_call}, you have {state.stack_behind(p)} behind "
                  f"[{', '.join(o for o in opts if o)}] > ")
        while True:
            text = self.ask(prompt)
            if text.strip().lower() in ("q", "quit", "exit"):
                raise EndOfInput
            if text.strip().lower() in ("h", "help", "?"):
                self.say(HELP)
                continue
            got = parse_command(text, state)
            if isinstance(got, Action):
                return got
            self.say(got)

    def bot_action(self, state: BettingState, hand: AbstractHand, hole: str, board: str) -> Action:
        """Sample the blueprint's action at its abstract infoset; check/call when off its tree."""
        from holdem.game.rules import CALL, Action

        if not hand.in_step(state):
            return Action(CALL)
        problem = self.bp.problem
        node = hand.node
        bucket = problem.abstraction.bucket_of(int(problem.tree.street[node]), hole, board)
        n = int(problem.tree.num_actions[node])
        probs = np.maximum(self.bp.average[problem.layout.slots(node, bucket)], 0.0)
        k = int(self.rng.choice(n, p=probs / probs.sum()))
        edge = int(problem.tree.first_edge[node]) + k
        action = hand.to_real(state, edge)
        hand.advance(edge)
        return action

    def play_hand(self, user: int) -> None:
        """Deal and play one hand with the user in seat ``user``."""
        from holdem.eval.hands import Decision
        from holdem.eval.translation import AbstractHand
        from holdem.game.referee import replay
        from holdem.game.rules import initial_state

        spec = self.spec
        bot = 1 - user
        cards = [self.deck[i] for i in self.rng.permutation(len(self.deck))]
        h = spec.hole_cards
        holes = ["".join(cards[p * h:(p + 1) * h]) for p in range(2)]
        full_board = cards[2 * h:2 * h + sum(spec.board_cards)]
        ends = np.cumsum(spec.board_cards)
        hand_no = self.hands + 1
        names = {0: "small blind" if spec.blinds else "seat 0", 1: "big blind" if spec.blinds else "seat 1"}
        self.say(f"=== hand {hand_no}: you are seat {user} ({names[user]}), stacks {list(spec.stacks)} ===")
        self.say(f"your cards: {holes[user]}")
        state = initial_state(spec)
        hand = AbstractHand(self.bp.problem, self.rng)
        if self.search is not None:
            from holdem.core.cards import parse_cards

            self.search.start_hand(bot, tuple(parse_cards(holes[bot])), self.rng)
            board_ids = tuple(parse_cards("".join(full_board)))
        betting = ""
        decisions: list[Decision] = []
        street = 0
        while not state.is_terminal:
            if state.street != street:
                street = state.street
                betting += "/"
                self.say(f"--- {STREET_NAMES[street] if street < 4 else f'street {street}'}: "
                         f"board {' '.join(full_board[:ends[street]])}")
            board = "".join(full_board[:ends[street]])
            if state.to_act == user:
                action = self.user_action(state)
                text = describe(action, state, you=True)
                mapped = hand.observe(state, action)
                self.say(f"you {text}")
                if mapped is not None and action.label not in mapped[1]:
                    edge, probs = mapped
                    odds = ", ".join(f"{label} p={q:.2f}" for label, q in probs.items())
                    self.say(f"  (off its tree: the bot reads it as {self.bp.problem.tree.action_label(edge)}; "
                             f"translation {odds})")
            elif self.search is not None:
                action, _ = self.search.act(state, board_ids[:ends[street]])
                self.say(f"bot {describe(action, state)}")
            else:
                action = self.bot_action(state, hand, holes[bot], board)
                self.say(f"bot {describe(action, state)}")
            if self.search is not None:
                self.search.observe(state, action)
            decisions.append(Decision(state.to_act, action))
            state = state.apply(action)
            betting += action.label
        showdown = state.terminal_kind == "showdown"
        dealt = len(full_board) if showdown else int(ends[state.street])
        board_cards = full_board[:dealt]
        result = replay(spec, holes, "".join(board_cards), betting)
        if showdown:
            mine = holes[user] + self._category(holes[user], board_cards)
            theirs = holes[bot] + self._category(holes[bot], board_cards)
            self.say(f"showdown on {' '.join(board_cards) or '(no board)'}: you {mine}, bot {theirs}")
        won = result[user]
        who = "you win" if won > 0 else "bot wins" if won < 0 else "split pot"
        self.say(f"{who} {abs(won) if won else ''}".rstrip() + f" (betting {betting})")
        self.score += won
        self.hands += 1  # counted once finished: end of input mid-hand does not score it
        if self.on_hand is not None:
            self.on_hand(self._record(holes, full_board, decisions, result, user, hand_no))

    def _record(self, holes: list[str], board: list[str], decisions: list[Decision], payoffs: list[int], user: int,
                hand_no: int) -> HandRecord:
        """The finished hand as a :class:`HandRecord` (cards as ids of the full deck)."""
        from holdem.core.cards import parse_cards
        from holdem.eval.hands import HandRecord

        names = ("you", "bot") if user == 0 else ("bot", "you")
        return HandRecord(self.spec, names, tuple(tuple(parse_cards(h)) for h in holes),
                          tuple(parse_cards("".join(board))), tuple(decisions), tuple(payoffs), hand_no)

    def _category(self, hole: str, board: list[str]) -> str:
        if self.spec.showdown != "best-five":
            return ""
        from holdem.core.evaluator import category_name, evaluate

        return f" ({category_name(evaluate(hole + ''.join(board)))})"


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = ArgumentParser(prog="play", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", required=True, type=Path, help="run directory or snapshot directory")
    p.add_argument("--hands", type=number(integer=True, low=1), help="number of hands (default: until end of input or q)")
    p.add_argument("--seed", type=number(integer=True, low=0), default=None,
                   help="seed of the cards and the bot's choices (default: random)")
    p.add_argument("--seat", default="alternate", choices=["0", "1", "alternate"],
                   help="your seat: 0 (small blind, button), 1 (big blind) or alternate (default)")
    p.add_argument("--phh", type=Path, metavar="FILE", help="write the session's hands as PHH hand histories (.phhs)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --phh file")
    p.add_argument("--search", action="store_true", help="the bot searches (depth-limited, from the flop on)")
    p.add_argument("--search-config", type=Path, metavar="YAML", help="search settings, with --search")
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.core.files import check_output
        from holdem.eval.blueprint import load_blueprint

        if args.hands is not None and args.hands < 1:
            raise ValueError(f"--hands: invalid value {args.hands}: play at least one hand")
        if args.phh is not None:
            check_output(args.phh, args.force, "--phh")
        if args.search_config is not None and not args.search:
            raise ValueError("--search-config: give --search too")
        search = None
        if args.search:
            from holdem.search.config import load_search_config

            search_config = load_search_config(args.search_config)
        bp = load_blueprint(args.policy)
        if args.search:
            from holdem.search.agent import SearchStrategy

            try:
                search = SearchStrategy(bp, search_config).make_agent()
            except ValueError as err:
                raise ValueError(f"--search: {args.policy}: {err}") from None
        if args.phh is None:
            return Session(bp, args.seed, args.seat, sys.stdin, sys.stdout, search=search).run(args.hands)
        from holdem.eval.phh import PHHWriter, unsupported

        reason = unsupported(bp.problem.spec)
        if reason:
            raise ValueError(f"--phh: {reason}")
        with PHHWriter(args.phh, args.force, "--phh") as writer:
            return Session(bp, args.seed, args.seat, sys.stdin, sys.stdout, writer.write, search).run(args.hands)

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
