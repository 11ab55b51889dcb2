"""SplitMix64 random numbers for numba kernels (Steele, Lea & Flood 2014).

The whole generator state is one uint64 in a caller-owned array, so a run can save it in a
snapshot and resume the exact same stream, and each worker gets its own stream by seed.
A second word holds a key that never changes: :func:`stream_at` derives from it and a
counter (the iteration number) the start of an independent stream, so the training kernel
can draw the deal of any iteration without walking a stream to it.
"""
from __future__ import annotations

import numpy as np
from numba import njit

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def _mix(x: np.uint64) -> np.uint64:
    z = (x ^ (x >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def next_u64(state: np.ndarray) -> np.uint64:
    """Advance ``state[0]`` and return 64 random bits."""
    x = state[0] + _GAMMA
    state[0] = x
    return _mix(x)


@njit(cache=True, inline="always")
def stream_at(key: np.uint64, counter: int) -> np.uint64:
    """Start state of the stream numbered ``counter`` under ``key``.

    The start is a SplitMix64 output (a bijective hash of key + counter * gamma), so the
    streams of neighbouring counters start far apart instead of overlapping.
    """
    return _mix(key + np.uint64(counter) * _GAMMA)


@njit(cache=True, inline="always")
def next_float(state: np.ndarray) -> float:
    """Uniform float in [0, 1)."""
    return float(next_u64(state) >> _S11) * _INV53


@njit(cache=True, inline="always")
def next_below(state: np.ndarray, n: int) -> int:
    """Uniform integer in [0, n) (n small, so the modulo bias is below 2**-50)."""
    return int(next_u64(state) % np.uint64(n))


@njit(cache=True, inline="always")
def sample_index(probs: np.ndarray, n: int, rng: np.ndarray) -> int:
    """An index in ``0 .. n-1`` drawn with the probabilities ``probs[:n]``."""
    u = next_float(rng)
    acc = 0.0
    last = 0
    for a in range(n):
        p = probs[a]
        if p > 0.0:
            last = a
            acc += p
            if u < acc:
                return a
    return last  # rounding left u above the sum: the last index with positive probability


@njit(cache=True)
def sample_action(policy: np.ndarray, slot: int, n: int, rng: np.ndarray) -> int:
    """An action drawn from the ``n`` probabilities at ``policy[slot:]`` (a flat policy table)."""
    return sample_index(policy[slot:slot + n], n, rng)


def seed_state(seed: int, stream: int = 0) -> np.ndarray:
    """Fresh generator for ``seed`` and an independent ``stream`` (e.g. a worker id):
    ``[state, key]``, the key depending on the seed alone."""
    x = (int(seed) * 0x9E3779B97F4A7C15 + (int(stream) + 1) * 0xD1B54A32D192ED03) & 0xFFFFFFFFFFFFFFFF
    key = (int(seed) * 0xD1B54A32D192ED03 + 0x8BB84B93962EACC9) & 0xFFFFFFFFFFFFFFFF
    return np.array([x, key], dtype=np.uint64)
