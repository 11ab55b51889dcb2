"""Shared CLI plumbing: bad input becomes one clear line on stderr and exit status 2."""
from __future__ import annotations

import sys
from typing import Callable

from holdem.core import numba_cache
from holdem.game.spec import SpecError
from holdem.run.snapshot import SnapshotError

EXIT_BAD_INPUT = 2


def run_cli(main: Callable[[], int]) -> int:
    """Call ``main``; turn expected user errors into 'holdem: error: ...' and exit 2."""
    numba_cache.configure()  # before anything imports a kernel
    from holdem.run.directory import RunError

    try:
        return main()
    except (SpecError, SnapshotError, RunError, ValueError, FileNotFoundError) as e:
        print(f"holdem: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("holdem: interrupted", file=sys.stderr)
        return 130
