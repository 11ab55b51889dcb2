"""Strategies read from the tables: average (normalised strategy sums), current (regret
matching), uniform, and the Pluribus blueprint (average strategy in the first betting round,
the mean of current-strategy snapshots after it)."""
from __future__ import annotations

import numpy as np

from holdem.mccfr.layout import NUM_ACTIONS, PLAYER, STREET, TableLayout


def actions_per_row(layout: TableLayout) -> np.ndarray:
    """Number of legal actions of every row's node."""
    decision = layout.node_info[:, PLAYER] >= 0
    per_node = layout.node_info[decision, NUM_ACTIONS]
    rows = layout.num_buckets[layout.node_info[decision, STREET]]
    return np.repeat(per_node, rows)


def normalise_rows(weights: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """Rows of weights (negative ones count as 0) -> probabilities over each row's ``legal``
    first actions; all-zero rows become uniform over them."""
    mask = np.arange(weights.shape[1])[None, :] < legal[:, None]
    w = np.where(mask, np.maximum(weights.astype(np.float64), 0.0), 0.0)
    total = w.sum(axis=1, keepdims=True)
    uniform = mask / legal[:, None]
    return np.where(total > 0, w / np.where(total > 0, total, 1.0), uniform)


def average_policy(layout: TableLayout, strategy: np.ndarray) -> np.ndarray:
    """Average strategy: strategy sums normalised per row (uniform where never visited)."""
    return normalise_rows(strategy, actions_per_row(layout))


def current_policy(layout: TableLayout, regret: np.ndarray) -> np.ndarray:
    """Current strategy: regret matching on the cumulative regrets."""
    return normalise_rows(regret, actions_per_row(layout))


def uniform_policy(layout: TableLayout) -> np.ndarray:
    """Uniform random over each row's legal actions."""
    return normalise_rows(np.zeros((layout.num_rows, layout.max_actions)), actions_per_row(layout))


def row_streets(layout: TableLayout) -> np.ndarray:
    """The street of every row's node."""
    decision = layout.node_info[:, PLAYER] >= 0
    streets = layout.node_info[decision, STREET]
    return np.repeat(streets, layout.num_buckets[streets])


def pluribus_policy(layout: TableLayout, strategy: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Pluribus's blueprint: the average strategy (normalised sums of ``strategy``) on rows of
    the first betting round, ``later`` (a policy table, e.g. the mean of current-strategy
    snapshots) on every other row."""
    first = (row_streets(layout) == 0)[:, None]
    return np.where(first, average_policy(layout, strategy), normalise_rows(later, actions_per_row(layout)))
