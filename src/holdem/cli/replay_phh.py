"""Replay PHH hand histories through our rules: ``python -m holdem.cli.replay_phh FILE.phhs
[FILE ...] [--game nlhe|limit-holdem] [--stacks N [N ...]]``.

Every hand of the files (``.phhs`` or single-hand ``.phh``, :mod:`holdem.eval.phh`) is
played by :mod:`holdem.game.rules` and paid by the referee
(:func:`holdem.game.referee.replay`); the result is compared with the file's
``finishing_stacks``. The game is taken from each hand: Hold'em with its number of
players, blinds, ante and starting stacks, no-limit for ``NT`` and limit for ``FT``.
``--game`` replays every hand with that betting instead; ``--stacks`` gives the starting
stacks (one number for every seat, or one per seat in our seat order: small blind first),
e.g. for files with unknown (``inf``) stacks; the file's chips won and lost are then compared.

Prints one line per hand whose payoff differs or that our rules find illegal, then a
summary. Exit status: 0 all hands agree, 1 some differ or are illegal, 2 bad input (an
unreadable or malformed file, a game our rules cannot play; one line naming the file,
hand and field).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from holdem.cli.common import ArgumentParser, number, run_cli

GAMES = {"nlhe": "no-limit", "limit-holdem": "limit"}


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = ArgumentParser(prog="replay_phh", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="PHH hand histories (.phhs or .phh)")
    p.add_argument("--game", choices=sorted(GAMES),
                   help="betting rules for every hand (default: each hand's variant, NT = nlhe, FT = limit-holdem)")
    p.add_argument("--stacks", nargs="+", type=number(integer=True, low=1), metavar="N",
                   help="starting stacks: one for every seat or one per seat, small blind first "
                        "(default: the file's)")
    args = p.parse_args(argv)

    def go() -> int:
        from holdem.eval.phh import game_of, read_phhs, replay_phh

        betting = GAMES[args.game] if args.game else None
        # read and check every file and game first: bad input is refused before any replay
        work = []
        for path in args.files:
            if not path.is_file():
                raise ValueError(f"{path}: {'is a directory' if path.is_dir() else 'no such file'}; "
                                 "give a .phhs or .phh file")
            hands = read_phhs(path)
            if not hands:
                raise ValueError(f"{path}: holds no hands; a .phhs holds tables [1], [2], ...")
            for hand in hands:
                stacks = None
                if args.stacks is not None:
                    stacks = args.stacks * hand.num_players if len(args.stacks) == 1 else args.stacks
                work.append((hand, game_of(hand, betting, stacks)))

        mismatches = illegal = unchecked = 0
        for hand, spec in work:
            try:
                result = replay_phh(hand, spec)
            except ValueError as err:
                illegal += 1
                print(f"illegal: {err}", flush=True)
                continue
            if result.expected is None:
                unchecked += 1
            elif not result.agrees:
                mismatches += 1
                print(f"{hand.label}: the file has finishing stacks {list(result.expected)} (won "
                      f"{list(result.expected_payoffs or ())}), our rules {list(result.finishing_stacks)} (won "
                      f"{list(result.payoffs)}); seats from the small blind", flush=True)
        files = str(args.files[0]) if len(args.files) == 1 else f"{len(args.files)} files"
        extra = f", {unchecked} without finishing_stacks (checked for legality only)" if unchecked else ""
        print(f"{files}: {len(work)} hands, {mismatches} mismatches, {illegal} illegal{extra}")
        return 1 if mismatches or illegal else 0

    return run_cli(go)


if __name__ == "__main__":
    sys.exit(main())
