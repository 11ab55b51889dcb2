"""Regret matching (Hart & Mas-Colell 2000): the current strategy is proportional to the
positive cumulative regrets, uniform when none is positive."""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.mccfr.layout import NUM_ACTIONS, SLOT_BASE, STREET, TableLayout

#: slots per chunk when a whole table's current strategy is made chunk by chunk
CHUNK_SLOTS = 1 << 24


@njit(cache=True, inline="always")
def regret_matching(regret: np.ndarray, slot: int, n: int, sigma: np.ndarray) -> None:
    """``sigma[:n]``: the current strategy of the infoset whose ``n`` slots start at ``slot``
    (float32 or int32 regrets: only their sign and ratios matter)."""
    total = 0.0
    for a in range(n):
        r = regret[slot + a]
        if r > 0.0:
            sigma[a] = r
            total += r
        else:
            sigma[a] = 0.0
    if total > 0.0:
        for a in range(n):
            sigma[a] /= total
    else:
        for a in range(n):
            sigma[a] = 1.0 / n


@njit(cache=True)
def _current_into(node_info: np.ndarray, nodes: np.ndarray, num_buckets: np.ndarray, regret: np.ndarray,
                  lo: int, out: np.ndarray) -> None:
    sigma = np.zeros(64)
    for node in nodes:
        n = node_info[node, NUM_ACTIONS]
        base = node_info[node, SLOT_BASE]
        for b in range(num_buckets[node_info[node, STREET]]):
            slot = base + b * n
            regret_matching(regret, slot, n, sigma)
            for a in range(n):
                out[slot - lo + a] = sigma[a]


def current_policy_chunks(layout: TableLayout, regret: np.ndarray):  # type: ignore[no-untyped-def]
    """Yield (first slot, float32 probabilities) of the current strategy in chunks of about
    ``CHUNK_SLOTS`` slots, whole nodes each: a blueprint-size table needs no full-size temporary."""
    nodes = layout.decision_nodes()
    if not len(nodes):
        return
    bases = layout.node_info[nodes, SLOT_BASE]
    starts = [0]
    while True:  # cut at node boundaries every CHUNK_SLOTS slots
        k = int(np.searchsorted(bases, bases[starts[-1]] + CHUNK_SLOTS, side="left"))
        if k >= len(nodes) or k == starts[-1]:
            break
        starts.append(k)
    starts.append(len(nodes))
    for i, j in zip(starts[:-1], starts[1:]):
        lo = int(bases[i])
        hi = int(bases[j]) if j < len(nodes) else layout.num_slots
        out = np.zeros(hi - lo, dtype=np.float32)
        _current_into(layout.node_info, nodes[i:j], layout.num_buckets, regret, lo, out)
        yield lo, out
