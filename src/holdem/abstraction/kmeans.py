"""k-means on 1-D histograms under the earth mover's distance (numba).

For histograms over ordered bins (strength buckets ordered from weak to strong), the earth
mover's distance with ground distance |i - j| equals the L1 distance between cumulative
distributions, so each histogram is stored as its CDF and clustering is k-means under L1 on
CDFs (Johanson et al. 2013, "Evaluating State-Space Abstractions in Extensive-Form Games",
use the same EMD for potential-aware abstraction). Centroids are the mean CDF of their
members (the usual k-means update; the exact L1 minimiser would be the coordinate-wise
median). Seeding is k-means++ on a sample with a fixed seed, so builds are reproducible.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from holdem.core.rng import next_float, seed_state


@njit(cache=True, inline="always")
def _l1(a: np.ndarray, i: int, c: np.ndarray, j: int) -> float:
    d = 0.0
    for b in range(a.shape[1]):
        d += abs(a[i, b] - c[j, b])
    return d


@njit(cache=True)
def _plusplus(points: np.ndarray, k: int, rng: np.ndarray) -> np.ndarray:
    n = points.shape[0]
    centers = np.empty((k, points.shape[1]), dtype=np.float32)
    first = min(int(next_float(rng) * n), n - 1)
    centers[0] = points[first]
    dist = np.empty(n)
    for i in range(n):
        dist[i] = _l1(points, i, centers, 0)
    for c in range(1, k):
        total = dist.sum()
        if total <= 0.0:  # fewer distinct points than k: repeat a point (empty cluster later)
            centers[c] = points[min(int(next_float(rng) * n), n - 1)]
            continue
        u = next_float(rng) * total
        acc = 0.0
        pick = n - 1
        for i in range(n):
            acc += dist[i]
            if acc >= u:
                pick = i
                break
        centers[c] = points[pick]
        for i in range(n):
            d = _l1(points, i, centers, c)
            if d < dist[i]:
                dist[i] = d
    return centers


@njit(cache=True, parallel=True)
def assign(points: np.ndarray, centers: np.ndarray, labels: np.ndarray, dist: np.ndarray) -> None:
    """Nearest center (L1) of every point, in parallel over points."""
    for i in prange(points.shape[0]):
        best = 0
        best_d = _l1(points, i, centers, 0)
        for c in range(1, centers.shape[0]):
            d = _l1(points, i, centers, c)
            if d < best_d:
                best_d = d
                best = c
        labels[i] = best
        dist[i] = best_d


@njit(cache=True)
def _update(points: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    sums = np.zeros((k, points.shape[1]))
    counts = np.zeros(k, dtype=np.int64)
    for i in range(points.shape[0]):
        counts[labels[i]] += 1
        for b in range(points.shape[1]):
            sums[labels[i], b] += points[i, b]
    return sums, counts


def fit(points: np.ndarray, k: int, seed: int = 0, iterations: int = 30, tol: float = 1e-4) -> np.ndarray:
    """k centroids (float32 CDFs) fitted to ``points`` (rows are CDFs)."""
    points = np.ascontiguousarray(points, dtype=np.float32)
    k = min(k, len(points))
    centers = _plusplus(points, k, seed_state(seed, 101))
    labels = np.zeros(len(points), dtype=np.int32)
    dist = np.zeros(len(points), dtype=np.float64)
    previous = np.inf
    for _ in range(iterations):
        assign(points, centers, labels, dist)
        sums, counts = _update(points, labels, k)
        empty = counts == 0
        centers = np.where(empty[:, None], centers, sums / np.maximum(counts, 1)[:, None]).astype(np.float32)
        if empty.any():  # re-seed empty clusters at the points farthest from their centers
            far = np.argsort(-dist)[: int(empty.sum())]
            centers[np.flatnonzero(empty)] = points[far]
        cost = float(dist.mean())
        if previous - cost <= tol * max(previous, 1e-12):
            break
        previous = cost
    return order_by_mean(centers)


def order_by_mean(centers: np.ndarray) -> np.ndarray:
    """Centroids sorted weak to strong (by the mean of their distribution): bucket ids then
    form an ordered scale, which the next street's histograms rely on."""
    # for a CDF over bins 0..B-1 the mean is B - 1 - sum(CDF[:-1]); sort by ascending mean
    means = centers.shape[1] - 1 - centers[:, :-1].sum(axis=1)
    return np.ascontiguousarray(centers[np.argsort(means, kind="stable")])
