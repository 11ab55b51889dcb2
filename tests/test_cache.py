"""The numba cache directory: keyed by the sources, old keys pruned when a new one appears."""
from __future__ import annotations

import os

from holdem.core import numba_cache as holdem


def test_prune_keeps_the_newest_cache_dirs(tmp_path):
    names = [f"{i:016x}" for i in range(12)]
    for age, name in enumerate(names):
        d = tmp_path / name
        (d / "sub").mkdir(parents=True)
        (d / "sub" / "f.nbi").write_bytes(b"x")
        os.utime(d, (1_000_000 - age, 1_000_000 - age))  # names[0] is the newest
    (tmp_path / "not-a-cache").mkdir()
    holdem._prune_caches(tmp_path)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == sorted(names[:holdem._CACHES_KEPT] + ["not-a-cache"])
    holdem._prune_caches(tmp_path / "missing")  # no base directory yet: nothing to do


def test_cache_dir_is_keyed_by_the_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = holdem._numba_cache_dir()
    assert first == holdem._numba_cache_dir() and first.startswith(str(tmp_path / "holdem" / "numba"))
