"""holdem: shared-memory, numba-compiled Monte Carlo CFR for Texas Hold'em blueprints."""
from __future__ import annotations

import os
from pathlib import Path

# Kernels compile once per machine: numba's on-disk cache lives under the user cache,
# so every worker process (and every later run) only loads the compiled code.
os.environ.setdefault(
    "NUMBA_CACHE_DIR",
    str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "holdem" / "numba"),
)

__version__ = "0.1.0"
