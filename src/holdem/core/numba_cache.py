"""Where numba keeps compiled kernels: one directory per version of the sources.

Kernels compile once per machine into the user cache, so every worker process (and every
later run) only loads them. numba invalidates a cached function only when its own file
changes, not when a function it calls does; the directory is therefore keyed by the stat of
every source file of the package, so any change recompiles everything.

Nothing happens at import: :func:`configure` sets ``NUMBA_CACHE_DIR`` and must run before
the first module with a numba kernel is imported (the decorator picks the cache location).
Every CLI calls it first (``holdem.cli.common.run_cli``), so do the test suite and the
benchmarks; a library user calls it once at the top of a script. A ``NUMBA_CACHE_DIR``
already in the environment wins. Worker processes inherit the variable.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

_CACHES_KEPT = 8


def configure() -> str:
    """Set ``NUMBA_CACHE_DIR`` to this source version's directory (unless already set); return it."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        os.environ["NUMBA_CACHE_DIR"] = _numba_cache_dir()
    return os.environ["NUMBA_CACHE_DIR"]


def _numba_cache_dir() -> str:
    """``$XDG_CACHE_HOME/holdem/numba/<key of the sources>``; prunes old keys when it is new."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}".encode())
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "holdem" / "numba"
    path = base / h.hexdigest()[:16]
    if not path.exists():
        _prune_caches(base)
    return str(path)


def _prune_caches(base: Path) -> None:
    """Drop all but the most recently written cache directories (each source change or upgrade
    makes a new one, up to about 60 MB): called only when a new one is about to be made, so the
    directories of other checkouts in use stay (and a deleted one is simply compiled again)."""
    try:
        dirs = [d for d in base.iterdir() if d.is_dir() and re.fullmatch(r"[0-9a-f]{16}", d.name)]
        dirs.sort(key=lambda d: d.stat().st_mtime, reverse=True)
    except OSError:
        return
    for d in dirs[_CACHES_KEPT:]:
        shutil.rmtree(d, ignore_errors=True)
