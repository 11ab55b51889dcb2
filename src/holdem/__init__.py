"""holdem: shared-memory, numba-compiled Monte Carlo CFR for Texas Hold'em blueprints.

Importing holdem does no work: call :func:`holdem.core.numba_cache.configure` before the
first kernel is imported to keep compiled kernels in the per-version user cache (the CLIs,
tests and benchmarks do). The layers and their import rule: docs/architecture.md.
"""
from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {"parse_cards": "holdem.core.cards", "format_cards": "holdem.core.cards",
         "evaluate": "holdem.core.evaluator", "evaluate_batch": "holdem.core.evaluator",
         "category_name": "holdem.core.evaluator"}


def __getattr__(name: str):
    """``from holdem import parse_cards, evaluate, evaluate_batch`` without importing numba eagerly."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'holdem' has no attribute {name!r}")
