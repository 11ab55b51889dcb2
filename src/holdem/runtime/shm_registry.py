"""A registry of created segments for systems where /dev/shm cannot be listed (macOS).

One empty marker file per segment name in the user cache directory: written when a segment
is created, removed when it is unlinked, read by the orphan sweep.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path


def default_dir() -> Path:
    """``~/Library/Caches/holdem/shm`` on macOS, ``$XDG_CACHE_HOME/holdem/shm`` elsewhere."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "holdem" / "shm"


def add(directory: Path, name: str) -> None:
    """Record segment ``name``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).touch()


def remove(directory: Path, name: str) -> None:
    """Forget segment ``name`` (no error if it was not recorded)."""
    try:
        (directory / name).unlink()
    except FileNotFoundError:
        pass


def names(directory: Path) -> list[str]:
    """Every recorded name (none if the directory does not exist)."""
    try:
        return os.listdir(directory)
    except FileNotFoundError:
        return []
