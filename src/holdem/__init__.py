"""holdem: shared-memory, numba-compiled Monte Carlo CFR for Texas Hold'em blueprints."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _numba_cache_dir() -> str:
    """Kernels compile once per machine into the user cache, so every worker process (and every
    later run) only loads them. numba invalidates a cached function only when its own file
    changes, not when a function it calls does; the directory is therefore keyed by the
    stat of every source file of the package, so any change recompiles everything."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}".encode())
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "holdem" / "numba"
    return str(base / h.hexdigest()[:16])


if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = _numba_cache_dir()

__version__ = "0.1.0"

_LAZY = {"parse_cards": "holdem.cards", "format_cards": "holdem.cards", "evaluate": "holdem.evaluator",
         "evaluate_batch": "holdem.evaluator", "category_name": "holdem.evaluator"}


def __getattr__(name: str):
    """``from holdem import parse_cards, evaluate, evaluate_batch`` without importing numba eagerly."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'holdem' has no attribute {name!r}")
