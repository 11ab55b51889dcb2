"""Iteration schedules: linear-CFR discount points (Brown & Sandholm 2019).

Pluribus discounts every 10 minutes for the first 400 minutes; we count iterations instead
of minutes so that runs are reproducible: after iteration t = k * discount_interval
(k >= 1, t <= lcfr_threshold) both tables are multiplied by k / (k + 1), which weights
iteration t's contribution roughly in proportion to t (linear CFR).
"""
from __future__ import annotations

from typing import Protocol


class _Schedule(Protocol):
    use_linear_weighting: bool
    discount_interval: int
    lcfr_threshold: int


def discount_factor(t: int, cfg: _Schedule) -> float | None:
    """Factor to apply after iteration ``t``, or None when no discount is due."""
    if not cfg.use_linear_weighting or t <= 0 or t > cfg.lcfr_threshold or t % cfg.discount_interval:
        return None
    k = t // cfg.discount_interval
    return k / (k + 1.0)


def next_stop(t: int, target: int, cfg: _Schedule) -> int:
    """Iteration at which the next batch must stop: the next discount point or ``target``."""
    if cfg.use_linear_weighting and t < cfg.lcfr_threshold:
        boundary = (t // cfg.discount_interval + 1) * cfg.discount_interval
        if boundary <= cfg.lcfr_threshold:
            return min(boundary, target)
    return target


def discount_between(t_from: int, t_to: int, cfg: _Schedule) -> float | None:
    """The product of the factors of every discount point in ``(t_from, t_to]`` (None if
    there is none): the discount a multi-node sync applies when a round spans several."""
    if not cfg.use_linear_weighting or t_to <= t_from:
        return None
    first = t_from // cfg.discount_interval + 1
    last = min(t_to, cfg.lcfr_threshold) // cfg.discount_interval
    if last < first:
        return None
    factor = 1.0
    for k in range(first, last + 1):
        factor *= k / (k + 1.0)
    return factor


def last_discount_point(t_from: int, t_to: int, cfg: _Schedule) -> int | None:
    """The last discount point in ``(t_from, t_to]``, or None."""
    if not cfg.use_linear_weighting:
        return None
    d = min(t_to, cfg.lcfr_threshold) // cfg.discount_interval * cfg.discount_interval
    return d if t_from < d else None
