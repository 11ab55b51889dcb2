"""Running a numba ``parallel=True`` kernel on a chosen number of numba threads."""
from __future__ import annotations

from typing import Any, Callable, TypeVar

import numba

T = TypeVar("T")


def call_with_threads(fn: Callable[..., T], threads: int, *args: Any) -> T:
    """``fn(*args)`` on ``threads`` numba threads (at most ``NUMBA_NUM_THREADS``), then the previous count again."""
    previous = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        return fn(*args)
    finally:
        numba.set_num_threads(previous)


__all__ = ["call_with_threads"]
