"""Strategies read from the tables: average (normalised strategy sums), current (regret
matching), uniform, and the Pluribus blueprint (average strategy in the first betting round,
the mean of current-strategy snapshots after it).

A policy is a flat float64 array over the layout's action slots (:mod:`holdem.mccfr.layout`):
the probabilities of infoset (node, bucket) are ``policy[slot_of(node, bucket) + a]``.
"""
from __future__ import annotations

import numpy as np

from holdem.mccfr.layout import TableLayout


def normalise_slots(layout: TableLayout, weights: np.ndarray) -> np.ndarray:
    """Flat weights over a prefix of the slots (negative ones count as 0) -> probabilities
    over each row's actions; all-zero rows become uniform."""
    w = np.maximum(np.asarray(weights, dtype=np.float64), 0.0)
    rows = layout.row_actions()
    length = len(w)
    # the prefix covers whole rows (it ends at a street boundary)
    k = int(np.searchsorted(np.cumsum(rows), length, side="right"))
    rows = rows[:k]
    if not len(rows):
        return w
    starts = np.cumsum(rows) - rows
    total = np.add.reduceat(w, starts)
    per_slot = np.repeat(total, rows)
    uniform = np.repeat(1.0 / rows, rows)
    return np.where(per_slot > 0, w / np.where(per_slot > 0, per_slot, 1.0), uniform)


def normalise_block(weights: np.ndarray) -> np.ndarray:
    """``[infosets, actions]`` weights (negative ones count as 0) -> probabilities per infoset;
    all-zero rows become uniform (what :func:`normalise_slots` does on a whole table)."""
    w = np.maximum(np.asarray(weights, dtype=np.float64), 0.0)
    total = w.sum(axis=-1, keepdims=True)
    return np.where(total > 0, w / np.where(total > 0, total, 1.0), 1.0 / w.shape[-1])


def average_policy(layout: TableLayout, strategy: np.ndarray) -> np.ndarray:
    """Average strategy: strategy sums normalised per row (uniform where never visited)."""
    return normalise_slots(layout, strategy)


def current_policy(layout: TableLayout, regret: np.ndarray) -> np.ndarray:
    """Current strategy: regret matching on the cumulative regrets."""
    return normalise_slots(layout, regret)


def uniform_policy(layout: TableLayout) -> np.ndarray:
    """Uniform random over each row's legal actions."""
    return normalise_slots(layout, np.zeros(layout.num_slots))


def pluribus_policy(layout: TableLayout, strategy: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Pluribus's blueprint: the average strategy (normalised sums of ``strategy``, which may
    keep the first round only) on the first betting round's slots, ``later`` (a flat policy,
    e.g. the mean of current-strategy snapshots) on every other slot."""
    first = layout.slots_kept(1)
    out = normalise_slots(layout, later).copy()
    out[:first] = average_policy(layout, strategy[:first])
    return out

