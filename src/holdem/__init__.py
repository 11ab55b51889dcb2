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
    path = base / h.hexdigest()[:16]
    if not path.exists():
        _prune_caches(base)
    return str(path)


_CACHES_KEPT = 8


def _prune_caches(base: Path) -> None:
    """Drop all but the most recently written cache directories (each source change or upgrade
    makes a new one, up to about 60 MB): called only when a new one is about to be made, so the
    directories of other checkouts in use stay (and a deleted one is simply compiled again)."""
    import re
    import shutil

    try:
        dirs = [d for d in base.iterdir() if d.is_dir() and re.fullmatch(r"[0-9a-f]{16}", d.name)]
        dirs.sort(key=lambda d: d.stat().st_mtime, reverse=True)
    except OSError:
        return
    for d in dirs[_CACHES_KEPT:]:
        shutil.rmtree(d, ignore_errors=True)


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
