"""Exact best response, expected value and exploitability for small games (Kuhn, Leduc).

A full walk of the public betting tree carries, for every possible deal at once, the
probability that chance and the other players reach the node (vectorised over deals). At a
node of the best-responding player the action values are summed per information set
(node, bucket) weighted by those probabilities and the best action is taken per set; at
other nodes the strategy is followed. Because every player's infoset is (node, own bucket),
the result is the exact best response within the card abstraction, which for the lossless
small-game abstraction is the exact best response of the game.

Exploitability follows OpenSpiel's definition: NashConv / number of players, where
NashConv = sum over players of (best-response value - value under the profile); for
two-player zero-sum games this is the mean of the two best-response values, in chips/hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numba import njit

from holdem.abstraction.deal import DealModel, deal_buckets, showdown_values
from holdem.core.payoff import hand_payoffs
from holdem.game.spec import GameSpec
from holdem.mccfr.layout import ACTIVE, FIRST_EDGE, NUM_ACTIONS, PLAYER, SLOT_BASE, STREET, TERMINAL, TableLayout

MAX_DEALS = 2_000_000
SMALL_GAME_DEALS = 100_000  # games with at most this many deals get exact exploitability while training


def enumerate_deals(spec: GameSpec) -> np.ndarray:
    """Every deal (hole cards per player, then board per street) as rows of card ids."""
    chunks = [spec.hole_cards] * spec.num_players + [b for b in spec.board_cards if b > 0]
    out: list[tuple[int, ...]] = []

    def rec(k: int, used: frozenset[int], prefix: tuple[int, ...]) -> None:
        if len(out) > MAX_DEALS:
            raise ValueError(f"game {spec.name!r} has over {MAX_DEALS} deals: exact best response is "
                             "for small games only")
        if k == len(chunks):
            out.append(prefix)
            return
        for combo in combinations([c for c in range(spec.deck_size) if c not in used], chunks[k]):
            rec(k + 1, used | set(combo), prefix + combo)

    rec(0, frozenset(), ())
    return np.array(out, dtype=np.int64)


@dataclass(frozen=True)
class DealTable:
    """Every deal with each player's buckets and showdown strengths."""

    buckets: np.ndarray  # int64 [deals, players, streets]
    values: np.ndarray   # int64 [deals, players]

    @property
    def num_deals(self) -> int:
        """Number of equally likely deals."""
        return self.buckets.shape[0]


def deal_table(spec: GameSpec, dm: DealModel) -> DealTable:
    """Buckets and showdown values of every deal, via the kernel's own functions."""
    deals = enumerate_deals(spec)
    return DealTable(*_fill(dm, deals, spec.num_streets))


@njit(cache=True)
def _fill(dm: DealModel, deals: np.ndarray, streets: int) -> tuple[np.ndarray, np.ndarray]:
    n = dm.num_players
    buckets = np.zeros((deals.shape[0], n, streets), dtype=np.int64)
    values = np.zeros((deals.shape[0], n), dtype=np.int64)
    for i in range(deals.shape[0]):
        deal_buckets(dm, deals[i], buckets[i])
        showdown_values(dm, deals[i], values[i])
    return buckets, values


@njit(cache=True)
def _terminal_values(contrib: np.ndarray, active: int, values: np.ndarray, me: int) -> np.ndarray:
    out = np.zeros(values.shape[0])
    buf = np.zeros(values.shape[1])
    for d in range(values.shape[0]):
        hand_payoffs(contrib, active, values[d], buf)
        out[d] = buf[me]
    return out


def _walk(layout: TableLayout, deals: DealTable, policy: np.ndarray, node: int, me: int,
          best_responder: int, reach: np.ndarray) -> np.ndarray:
    """Value to ``me`` per deal (not weighted by ``reach``) below ``node``."""
    info = layout.node_info[node]
    if info[TERMINAL]:
        return _terminal_values(layout.contrib[node], int(info[ACTIVE]), deals.values, me)
    p, n, fe = int(info[PLAYER]), int(info[NUM_ACTIONS]), int(info[FIRST_EDGE])
    bucket = deals.buckets[:, p, info[STREET]]
    children = layout.edge_child[fe:fe + n]
    if p == best_responder:
        vals = np.stack([_walk(layout, deals, policy, int(c), me, best_responder, reach) for c in children])
        q = np.zeros((int(layout.num_buckets[info[STREET]]), n))
        np.add.at(q, bucket, (reach * vals).T)
        best = np.argmax(q, axis=1)[bucket]
        return vals[best, np.arange(len(bucket))]
    probs = policy[info[SLOT_BASE] + bucket[:, None] * n + np.arange(n)]
    value = np.zeros(len(bucket))
    for a, child in enumerate(children):
        pa = probs[:, a]
        if pa.any():
            value += pa * _walk(layout, deals, policy, int(child), me, best_responder, reach * pa)
    return value


def expected_values(layout: TableLayout, deals: DealTable, policy: np.ndarray) -> np.ndarray:
    """Expected chips per hand for each player when everyone plays ``policy``."""
    reach = np.full(deals.num_deals, 1.0 / deals.num_deals)
    n = deals.values.shape[1]
    return np.array([float(np.mean(_walk(layout, deals, policy, 0, p, -1, reach))) for p in range(n)])


def best_response_values(layout: TableLayout, deals: DealTable, policy: np.ndarray) -> np.ndarray:
    """For each player, its expected chips when best-responding to the others' ``policy``."""
    reach = np.full(deals.num_deals, 1.0 / deals.num_deals)
    n = deals.values.shape[1]
    return np.array([float(np.mean(_walk(layout, deals, policy, 0, p, p, reach))) for p in range(n)])


def nash_conv(layout: TableLayout, deals: DealTable, policy: np.ndarray) -> float:
    """Sum over players of what a best response gains over the profile's value."""
    return float(np.sum(best_response_values(layout, deals, policy) - expected_values(layout, deals, policy)))


def exploitability(layout: TableLayout, deals: DealTable, policy: np.ndarray) -> float:
    """NashConv divided by the number of players (chips per hand)."""
    return nash_conv(layout, deals, policy) / deals.values.shape[1]
