"""The 13x13 grid in a terminal (``query --grid``): each cell shows its hand and the letter
of its most likely action kind, on a background of that action's colour where the terminal
shows colours (24-bit ANSI), letters only otherwise."""
from __future__ import annotations

import os
import sys
from typing import Any, TextIO

KIND_LETTER = {"fold": "F", "call": "C", "raise": "R", "allin": "A"}


def supports_color(stream: TextIO) -> bool:
    """A terminal that is not 'dumb' and no NO_COLOR in the environment."""
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM", "dumb") != "dumb" \
        and "NO_COLOR" not in os.environ


def _bg(hex_color: str) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    fg = "30" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "97"
    return f"\x1b[{fg};48;2;{r};{g};{b}m"


def render_grid(spot: dict[str, Any], color: bool | None = None, stream: TextIO | None = None) -> str:
    """The grid of a spot record (:func:`holdem.report.site.spot_data`) as text."""
    stream = stream or sys.stdout
    color = supports_color(stream) if color is None else color
    actions = spot["actions"]
    where = spot["street_name"] + (f" {spot['board']}" if spot["board"] else "")
    lines = [f"{where}, history {spot['history'] or '(root)'}: {spot['seat_name']} to act, pot {spot['pot']}, "
             f"to call {spot['to_call']}"]
    for row in range(13):
        out = []
        for col in range(13):
            cell = spot["cells"][row * 13 + col]
            probs = cell["probs"]
            if probs is None:
                text = f"{cell['hand']:<4}--"
                out.append(text)
                continue
            best = max(range(len(probs)), key=lambda k: probs[k])
            text = f"{cell['hand']:<4}{KIND_LETTER[actions[best]['kind']]}{'!' if probs[best] > 0.9 else ' '}"
            out.append(f"{_bg(actions[best]['color'])}{text}\x1b[0m" if color else text)
        lines.append(" ".join(out))
    lines.append("most likely action: " + ", ".join(
        (f"{_bg(a['color'])} {KIND_LETTER[a['kind']]} \x1b[0m " if color else f"{KIND_LETTER[a['kind']]}=") + a["text"]
        for a in actions) + "  (! = above 90%, -- = blocked by the board)")
    return "\n".join(lines)
