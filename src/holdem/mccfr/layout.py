"""Table layout: the precomputed map from an information set to a table row.

An information set is (decision node, acting player's card bucket on the node's street);
its row is ``row_base[node] + bucket``. Decision nodes get consecutive blocks of rows in
node order, one row per bucket of their street, so the regret and strategy tables are dense
``[rows, max_actions]`` arrays with no hashing at train time.

The kernel reads one int64 row of ``node_info`` per visited node (64 bytes, one cache
line): the columns below.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from holdem.game.tree import BettingTree

PLAYER, STREET, TERMINAL, NUM_ACTIONS, FIRST_EDGE, ACTIVE, ROW_BASE = range(7)
NODE_COLS = 8


@dataclass(frozen=True)
class TableLayout:
    """Node table for the kernel plus the infoset-to-row map."""

    node_info: np.ndarray    # int64 [nodes, NODE_COLS]
    contrib: np.ndarray      # int32 [nodes, players]
    edge_child: np.ndarray   # int32 [edges]
    num_buckets: np.ndarray  # int64 [streets]
    num_rows: int
    max_actions: int
    max_depth: int           # most decision nodes on one path from the root

    @property
    def row_base(self) -> np.ndarray:
        """First row of each node (-1 at terminals)."""
        return self.node_info[:, ROW_BASE]

    def table_bytes(self, bytes_per_entry: int = 4) -> int:
        """Bytes of one ``[rows, max_actions]`` table."""
        return self.num_rows * self.max_actions * bytes_per_entry

    def rows_per_street(self) -> np.ndarray:
        """Number of rows (infosets) on each street."""
        decision = self.node_info[:, PLAYER] >= 0
        streets = self.node_info[decision, STREET]
        counts = np.bincount(streets, minlength=len(self.num_buckets))
        return counts * self.num_buckets

    def node_of_row(self, row: int) -> tuple[int, int]:
        """(node, bucket) of a row."""
        bases = self.node_info[:, ROW_BASE]
        decision = np.flatnonzero(bases >= 0)
        k = int(np.searchsorted(bases[decision], row, side="right")) - 1
        node = int(decision[k])
        return node, row - int(bases[node])


def build_layout(tree: BettingTree, num_buckets: np.ndarray | list[int]) -> TableLayout:
    """Assign each decision node its block of rows; pack the node arrays for the kernel."""
    num_buckets = np.asarray(num_buckets, dtype=np.int64)
    if len(num_buckets) != tree.num_streets:
        raise ValueError(f"need one bucket count per street ({tree.num_streets}), got {list(num_buckets)}")
    decision = tree.player >= 0
    rows_per_node = np.where(decision, num_buckets[tree.street.astype(np.int64)], 0)
    ends = np.cumsum(rows_per_node)
    row_base = np.where(decision, ends - rows_per_node, -1)
    info = np.zeros((tree.num_nodes, NODE_COLS), dtype=np.int64)
    info[:, PLAYER] = tree.player
    info[:, STREET] = tree.street
    info[:, TERMINAL] = tree.terminal
    info[:, NUM_ACTIONS] = tree.num_actions
    info[:, FIRST_EDGE] = tree.first_edge
    info[:, ACTIVE] = tree.active
    info[:, ROW_BASE] = row_base
    depth = np.zeros(tree.num_nodes, dtype=np.int64)
    for node in range(1, tree.num_nodes):  # preorder: a parent comes before its children
        par = tree.parent[node]
        depth[node] = depth[par] + (1 if decision[par] else 0)
    return TableLayout(info, np.ascontiguousarray(tree.contrib), np.ascontiguousarray(tree.edge_child),
                       num_buckets, int(ends[-1]) if len(ends) else 0, tree.max_actions,
                       int(depth.max()) + 1)
