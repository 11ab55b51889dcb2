"""Shared CLI plumbing: bad input becomes one clear line on stderr and exit status 2.

Exit codes of every command: 0 done (for training also: stopped by a signal or the time
budget, with the final snapshot written), 1 a failure during the work (e.g. a worker
failure with ``--on-worker-failure stop``; the finished work is saved), 2 bad input (one
line naming the file/key/flag and the fix; nothing was started or written), 3 a stall
found by ``monitor --fail-on-stall``, 130 interrupted before any work had started.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, NoReturn

from holdem.core import numba_cache
from holdem.core.inputs import InputError, parse_number

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class ArgumentParser(argparse.ArgumentParser):
    """argparse with a one-line error (the culprit and a pointer to --help, no usage dump)."""

    def error(self, message: str) -> NoReturn:
        """Print one line and exit 2."""
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def number(integer: bool = False, **rules: Any) -> Callable[[str], Any]:
    """An argparse ``type`` that accepts only numbers within ``rules`` (see holdem.core.inputs)."""
    def convert(text: str) -> Any:
        try:
            return parse_number("value", text, integer=integer, **rules)
        except InputError as e:
            raise argparse.ArgumentTypeError(str(e).removeprefix("value: ")) from None
    convert.__name__ = "integer" if integer else "number"
    return convert


def run_cli(main: Callable[[], int]) -> int:
    """Call ``main``; turn expected user errors into 'holdem: error: ...' and exit 2."""
    numba_cache.configure()  # before anything imports a kernel

    try:
        return main()
    except ValueError as e:  # InputError (every refusal of ours) is one
        print(f"holdem: error: {_one_line(str(e))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:  # a file that cannot be read or written: name it
        where = f"{e.filename}: " if e.filename else ""
        print(f"holdem: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("holdem: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _one_line(text: str) -> str:
    return " ".join(text.split())
