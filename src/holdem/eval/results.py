"""Means with 95% confidence intervals (:func:`mean_ci`, for every match and LBR), and the
metrics of one ``eval_blueprint`` result (a snapshot's entry of ``RUN/eval.json``).

:func:`metrics_of` is the one reader for the table the CLI prints and the charts the report draws. Keys of a result:
``exploitability``/``nash_conv`` (small games), ``head_to_head`` (in-tree matches),
``lbr_tree`` (in-tree LBR; older files call it ``lbr`` with the numbers at the top level),
``lbr`` ({setting label: result} of LBR in the real game), ``real_match`` ({opponent:
{lineup: result}} of real-game rotation matches, lineups ``heads-up``, ``1 vs N``, ``N vs 1``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

Metric = tuple[float, float | None]  # (value, 95% CI half-width or None)


def mean_ci(values: np.ndarray) -> tuple[float, float]:
    """(mean, 95% CI half-width) of independent values (normal approximation)."""
    n = len(values)
    if n == 0:
        return float("nan"), float("inf")
    mean = float(values.mean())
    return mean, (1.96 * float(values.std(ddof=1)) / np.sqrt(n) if n > 1 else float("inf"))


def _label(name: str) -> str:
    """A rule bot's name, or the folder name of a run/snapshot."""
    return Path(name).name


def _ok(m: Any) -> bool:
    return isinstance(m, dict) and isinstance(m.get("mbb_per_hand"), (int, float))


def _aivat_columns(column: str, m: dict[str, Any]) -> dict[str, Metric]:
    """The AIVAT columns of one result (the full estimate, with the chance terms only, with
    imaginary observations), and those of its paired estimate."""
    a = m.get("aivat")
    out: dict[str, Metric] = {}
    if _ok(a):
        out[column + " AIVAT"] = (a["mbb_per_hand"], a.get("ci95_mbb"))
        for key, name in (("chance_only", " AIVAT chance"), ("imaginary", " IO")):
            if _ok(a.get(key)):
                out[column + name] = (a[key]["mbb_per_hand"], a[key].get("ci95_mbb"))
    if _ok(m.get("paired")):
        out[column + " paired"] = (m["paired"]["mbb_per_hand"], m["paired"].get("ci95_mbb"))
        out.update(_aivat_columns(column + " paired", m["paired"]))
    return out


def metrics_of(result: dict[str, Any]) -> dict[str, Metric]:
    """{column name: (value, CI)} of one result, in a stable order."""
    out: dict[str, Metric] = {}
    if isinstance(result.get("exploitability"), (int, float)):
        out["exploitability"] = (result["exploitability"], None)
    if isinstance(result.get("nash_conv"), (int, float)):
        out["NashConv"] = (result["nash_conv"], None)
    for name, m in (result.get("head_to_head") or {}).items():
        if _ok(m):
            out[f"vs {_label(name)}"] = (m["mbb_per_hand"], m.get("ci95_mbb"))
    tree = result.get("lbr_tree") or (result["lbr"] if _ok(result.get("lbr")) else None)
    if _ok(tree):
        out["LBR tree"] = (tree["mbb_per_hand"], tree.get("ci95_mbb"))
    if isinstance(result.get("lbr"), dict) and not _ok(result["lbr"]):
        for label, m in result["lbr"].items():
            if _ok(m):
                out[f"LBR {label}"] = (m["mbb_per_hand"], m.get("ci95_mbb"))
                out.update(_aivat_columns(f"LBR {label}", m))
    for name, lineups in (result.get("real_match") or {}).items():
        if not isinstance(lineups, dict):
            continue
        for lineup, m in lineups.items():
            if not _ok(m):
                continue
            column = f"real vs {_label(name)}" if lineup == "heads-up" else f"{lineup} {_label(name)}"
            out[column] = (m["mbb_per_hand"], m.get("ci95_mbb"))
            out.update(_aivat_columns(column, m))
    return out


__all__ = ["metrics_of", "Metric", "mean_ci"]
