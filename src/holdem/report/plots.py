"""Training curves of ``metrics.jsonl`` as inline SVG (no plotting library needed)."""
from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from holdem.eval.results import metrics_of

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 460, 200, 62, 12, 10, 34
SERIES_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")

#: (title, [(series name, record key, index into a list value or None)], log scale)
CHARTS = [
    ("iterations per second", [("it/s", "iterations_per_s", None)], False),
    ("average positive regret per visited row / iterations", [("avg regret", "avg_regret", None)], True),
    ("entropy of the average strategy per street (nats)",
     [(name, "entropy_per_street", k) for k, name in enumerate(("preflop", "flop", "turn", "river"))], False),
    ("exploitability (chips per hand; exact, small games)", [("exploitability", "exploitability", None)], True),
    ("pruned share of actions", [("pruned", "pruned_share", None)], False),
]


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The records of a metrics.jsonl (a damaged line is skipped: the file is append-only)."""
    out = []
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and "iteration" in rec and "event" not in rec:
            out.append(rec)
    return out


def _value(rec: dict[str, Any], key: str, index: int | None) -> float | None:
    v = rec.get(key)
    if index is not None:
        v = v[index] if isinstance(v, list) and index < len(v) else None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"


def line_chart(title: str, series: list[tuple[str, list[tuple[float, float]]]], log: bool = False) -> str:
    """An SVG line chart of ``series`` [(name, [(x, y)])] (log y when every y > 0 and asked)."""
    pts = [p for _, s in series for p in s]
    log = log and all(y > 0 for _, y in pts)
    ty = (lambda y: math.log10(y)) if log else (lambda y: y)
    xs, ys = [x for x, _ in pts], [ty(y) for _, y in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    w, h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def px(x: float) -> float:
        return PAD_L + (x - x0) / (x1 - x0) * w

    def py(y: float) -> float:
        return PAD_T + h - (ty(y) - y0) / (y1 - y0) * h

    def label(v: float) -> str:
        return _fmt(10 ** v if log else v)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}">',
             f'<rect x="{PAD_L}" y="{PAD_T}" width="{w}" height="{h}" fill="#fafafa" stroke="#999"/>',
             f'<title>{html.escape(title)}</title>']
    for frac in (0.0, 0.5, 1.0):
        yv = y0 + frac * (y1 - y0)
        y = PAD_T + h - frac * h
        parts.append(f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                     f'font-family="sans-serif">{label(yv)}</text>')
        xv = x0 + frac * (x1 - x0)
        parts.append(f'<text x="{PAD_L + frac * w:.1f}" y="{HEIGHT - 18}" font-size="10" text-anchor="middle" '
                     f'font-family="sans-serif">{_fmt(xv)}</text>')
    parts.append(f'<text x="{PAD_L + w / 2:.1f}" y="{HEIGHT - 4}" font-size="10" text-anchor="middle" '
                 f'font-family="sans-serif">iteration{" (log y)" if log else ""}</text>')
    for k, (name, s) in enumerate(series):
        color = SERIES_COLORS[k % len(SERIES_COLORS)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in s)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{path}"/>')
        if len(series) > 1:
            parts.append(f'<text x="{PAD_L + 6 + 70 * k}" y="{PAD_T + 12}" font-size="10" fill="{color}" '
                         f'font-family="sans-serif">{html.escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def metric_charts(records: list[dict[str, Any]]) -> list[dict[str, str]]:
    """[{title, svg}] for every chart with data in ``records``."""
    out = []
    for title, spec, log in CHARTS:
        series = []
        for name, key, index in spec:
            pts = [(float(r["iteration"]), v) for r in records if (v := _value(r, key, index)) is not None]
            if pts:
                series.append((name, pts))
        if series:
            out.append({"title": title, "svg": line_chart(title, series, log)})
    return out


def eval_charts(path: Path) -> list[dict[str, str]]:
    """[{title, svg}] of ``eval_blueprint`` results (``RUN/eval.json``, e.g. with
    ``--all-snapshots --lbr fc``): LBR and match mbb/hand, exploitability, per snapshot."""
    try:
        results = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(results, list):
        return []
    mbb: dict[str, list[tuple[float, float]]] = {}
    expl: list[tuple[float, float]] = []
    for r in results:
        if not isinstance(r, dict) or not isinstance(r.get("iteration"), int):
            continue
        x = float(r["iteration"])
        if (v := _value(r, "exploitability", None)) is not None:
            expl.append((x, v))
        for name, (v, _) in metrics_of(r).items():
            if name not in ("exploitability", "NashConv") and math.isfinite(v):
                mbb.setdefault(name, []).append((x, v))
    out = []
    if mbb:
        series = [(k, sorted(v)) for k, v in mbb.items()]
        out.append({"title": "evaluation per snapshot (mbb/hand; LBR: what it wins from the blueprint)",
                    "svg": line_chart("evaluation per snapshot", series)})
    if expl:
        out.append({"title": "exploitability per snapshot (eval_blueprint)",
                    "svg": line_chart("exploitability per snapshot", [("exploitability", sorted(expl))], log=True)})
    return out
