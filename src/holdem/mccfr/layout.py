"""Table layout: the precomputed map from an information set to its slots in flat tables.

An information set is (decision node, acting player's card bucket on the node's street).
Tables are flat 1-D arrays of *action slots* with no padding (data-oriented, as
postflop-solver stores its trees): a node with ``n`` actions owns ``buckets * n``
consecutive slots from ``slot_base[node]``, and the infoset's action ``a`` lives at

    slot_base[node] + bucket * n + a                                  (:func:`slot_of`)

Slots are ordered street by street (all preflop nodes' slots first, then the flop's, ...;
depth-first preorder within a street), so a table that keeps only the first ``k`` streets
is a prefix of the full one: a ``pluribus``-averaged run stores strategy sums for the
first betting round only, in ``street_slots[1]`` slots, with the same indexing.

Rows (one per infoset, numbered in the same order: ``row_base[node] + bucket``) remain the
unit of the optional update counters and of the lock stripes.

The kernel reads one int64 row of ``node_info`` per visited node (64 bytes, one cache
line): the columns below.

Tables of the row layout before this one (format 1-2 snapshots: ``[rows, max_actions]``,
rows in node preorder) are converted by :func:`slots_from_rows`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba import njit

from holdem.game.tree import BettingTree

PLAYER, STREET, TERMINAL, NUM_ACTIONS, FIRST_EDGE, ACTIVE, ROW_BASE, SLOT_BASE = range(8)
NODE_COLS = 8


@njit(cache=True, inline="always")
def slot_of(node_info: np.ndarray, node: int, bucket: int) -> int:
    """First slot of the infoset (``node``, ``bucket``)."""
    return node_info[node, SLOT_BASE] + bucket * node_info[node, NUM_ACTIONS]


@dataclass(frozen=True)
class TableLayout:
    """Node table for the kernel plus the infoset-to-slot map."""

    node_info: np.ndarray     # int64 [nodes, NODE_COLS]
    contrib: np.ndarray       # int32 [nodes, players]
    edge_child: np.ndarray    # int32 [edges]
    num_buckets: np.ndarray   # int64 [streets]
    street_rows: np.ndarray   # int64 [streets + 1]: rows of streets < s are rows 0 .. street_rows[s]-1
    street_slots: np.ndarray  # int64 [streets + 1]: the same for slots
    max_actions: int
    max_depth: int            # most decision nodes on one path from the root

    @property
    def num_rows(self) -> int:
        """Number of infosets."""
        return int(self.street_rows[-1])

    @property
    def num_slots(self) -> int:
        """Number of action slots (entries of a full table)."""
        return int(self.street_slots[-1])

    @property
    def row_base(self) -> np.ndarray:
        """First row of each node (-1 at terminals)."""
        return self.node_info[:, ROW_BASE]

    @property
    def slot_base(self) -> np.ndarray:
        """First slot of each node (-1 at terminals)."""
        return self.node_info[:, SLOT_BASE]

    def slots_kept(self, streets: int) -> int:
        """Length of a table that keeps the first ``streets`` streets."""
        return int(self.street_slots[min(streets, len(self.num_buckets))])

    def rows_per_street(self) -> np.ndarray:
        """Number of rows (infosets) on each street."""
        return np.diff(self.street_rows)

    def slots_per_street(self) -> np.ndarray:
        """Number of action slots on each street."""
        return np.diff(self.street_slots)

    @cached_property
    def _decision_order(self) -> np.ndarray:
        decision = np.flatnonzero(self.node_info[:, PLAYER] >= 0)
        return decision[np.argsort(self.node_info[decision, ROW_BASE], kind="stable")]

    def decision_nodes(self) -> np.ndarray:
        """Decision nodes in row order (street-major, preorder within a street)."""
        return self._decision_order

    def node_of_row(self, row: int) -> tuple[int, int]:
        """(node, bucket) of a row."""
        nodes = self._decision_order
        bases = self.node_info[nodes, ROW_BASE]
        k = int(np.searchsorted(bases, row, side="right")) - 1
        if not 0 <= row < self.num_rows:
            raise IndexError(f"row {row} out of range 0..{self.num_rows - 1}")
        node = int(nodes[k])
        return node, row - int(bases[k])

    def row_slots(self, row: int) -> np.ndarray:
        """Slot indices of a row's actions."""
        node, bucket = self.node_of_row(row)
        return self.slots(node, bucket)

    def slots(self, node: int, buckets: np.ndarray | int) -> np.ndarray:
        """Slot indices ``[len(buckets), num_actions]`` of the infosets of ``buckets`` at ``node``."""
        n = int(self.node_info[node, NUM_ACTIONS])
        b = np.asarray(buckets, dtype=np.int64)
        return int(self.node_info[node, SLOT_BASE]) + b[..., None] * n + np.arange(n)

    def node_block(self, table: np.ndarray, node: int) -> np.ndarray:
        """View ``[buckets, num_actions]`` of ``node``'s slots in a flat table."""
        n = int(self.node_info[node, NUM_ACTIONS])
        nb = int(self.num_buckets[self.node_info[node, STREET]])
        base = int(self.node_info[node, SLOT_BASE])
        if base < 0 or base + nb * n > len(table):
            raise ValueError(f"node {node} has no slots in a table of {len(table)}")
        return table[base:base + nb * n].reshape(nb, n)

    def row_actions(self) -> np.ndarray:
        """Number of actions of every row, in row order."""
        nodes = self.decision_nodes()
        return np.repeat(self.node_info[nodes, NUM_ACTIONS], self.num_buckets[self.node_info[nodes, STREET]])

    def row_streets(self) -> np.ndarray:
        """Street of every row."""
        return np.repeat(np.arange(len(self.num_buckets)), self.rows_per_street())

    def slot_rows(self) -> np.ndarray:
        """Row of every slot."""
        return np.repeat(np.arange(self.num_rows), self.row_actions())

    def table_bytes(self, bytes_per_slot: int = 4, streets: int | None = None) -> int:
        """Bytes of one table with ``bytes_per_slot`` per slot, on the first ``streets`` streets."""
        return self.slots_kept(len(self.num_buckets) if streets is None else streets) * bytes_per_slot


def build_layout(tree: BettingTree, num_buckets: np.ndarray | list[int]) -> TableLayout:
    """Assign each decision node its rows and slots (street-major); pack the node arrays."""
    num_buckets = np.asarray(num_buckets, dtype=np.int64)
    if len(num_buckets) != tree.num_streets:
        raise ValueError(f"need one bucket count per street ({tree.num_streets}), got {list(num_buckets)}")
    decision = tree.player >= 0
    street = tree.street.astype(np.int64)
    # street-major order of the decision nodes (stable: preorder within a street)
    order = np.flatnonzero(decision)
    order = order[np.argsort(street[order], kind="stable")]
    rows = num_buckets[street[order]]
    slots = rows * tree.num_actions[order].astype(np.int64)
    row_base = np.full(tree.num_nodes, -1, dtype=np.int64)
    slot_base = np.full(tree.num_nodes, -1, dtype=np.int64)
    row_base[order] = np.cumsum(rows) - rows
    slot_base[order] = np.cumsum(slots) - slots
    per_street = np.bincount(street[order], minlength=tree.num_streets)
    street_rows = np.zeros(tree.num_streets + 1, dtype=np.int64)
    street_slots = np.zeros(tree.num_streets + 1, dtype=np.int64)
    street_rows[1:] = np.cumsum(per_street * num_buckets)
    ends = np.cumsum(per_street)
    street_slots[1:] = [int(slots[:e].sum()) for e in ends]
    info = np.zeros((tree.num_nodes, NODE_COLS), dtype=np.int64)
    info[:, PLAYER] = tree.player
    info[:, STREET] = tree.street
    info[:, TERMINAL] = tree.terminal
    info[:, NUM_ACTIONS] = tree.num_actions
    info[:, FIRST_EDGE] = tree.first_edge
    info[:, ACTIVE] = tree.active
    info[:, ROW_BASE] = row_base
    info[:, SLOT_BASE] = slot_base
    return TableLayout(info, np.ascontiguousarray(tree.contrib), np.ascontiguousarray(tree.edge_child),
                       num_buckets, street_rows, street_slots, tree.max_actions, _depths(tree.parent, decision) + 1)


@njit(cache=True)
def _depths(parent: np.ndarray, decision: np.ndarray) -> int:
    """The most decision nodes above any node (the kernel's stack depth, less one)."""
    depth = np.zeros(len(parent), dtype=np.int64)
    for node in range(1, len(parent)):  # preorder: a parent comes before its children
        par = parent[node]
        depth[node] = depth[par] + (1 if decision[par] else 0)
    return int(depth.max()) if len(parent) else 0


def _row_layout_base(layout: TableLayout) -> np.ndarray:
    """Each node's first row in the row layout, which numbered rows in node preorder (-1 at
    terminals)."""
    decision = layout.node_info[:, PLAYER] >= 0
    counts = np.where(decision, layout.num_buckets[layout.node_info[:, STREET]], 0)
    return np.where(decision, np.cumsum(counts) - counts, -1)


def rows_from_row_layout(layout: TableLayout, per_row: np.ndarray) -> np.ndarray:
    """A per-row array of the row layout (e.g. update counters) in this layout's row order."""
    old = _row_layout_base(layout)
    nodes = layout.decision_nodes()
    counts = layout.num_buckets[layout.node_info[nodes, STREET]]
    first = np.repeat(old[nodes] - (np.cumsum(counts) - counts), counts)  # old row - new row, per new row
    return per_row[np.arange(layout.num_rows) + first]


@njit(cache=True)
def _rows_to_slots(node_info: np.ndarray, num_buckets: np.ndarray, old_base: np.ndarray, table: np.ndarray,
                   length: int, out: np.ndarray) -> None:
    for node in range(node_info.shape[0]):
        base = node_info[node, SLOT_BASE]
        if base < 0 or base >= length:
            continue
        n = node_info[node, NUM_ACTIONS]
        for b in range(num_buckets[node_info[node, STREET]]):
            for a in range(n):
                out[base + b * n + a] = table[old_base[node] + b, a]


def slots_from_rows(layout: TableLayout, table: np.ndarray, streets: int | None = None) -> np.ndarray:
    """A table of the row layout (``[rows, max_actions]``, rows in node preorder) as flat
    slots, keeping the first ``streets`` streets (all by default)."""
    if table.ndim != 2 or table.shape != (layout.num_rows, layout.max_actions):
        raise ValueError(f"a row-layout table of this game is {(layout.num_rows, layout.max_actions)}, "
                         f"not {table.shape}")
    length = layout.slots_kept(len(layout.num_buckets) if streets is None else streets)
    work = np.float32 if table.dtype == np.float16 else table.dtype  # (numba has no float16; exact)
    out = np.zeros(length, dtype=work)
    _rows_to_slots(layout.node_info, layout.num_buckets, _row_layout_base(layout),
                   np.ascontiguousarray(table, dtype=work), length, out)
    return out.astype(table.dtype, copy=False)
