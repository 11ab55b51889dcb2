"""Checks of user input: one place that says what a valid number is (type, finiteness, range).

Every setting a user gives (YAML key, CLI flag) passes through :func:`check_number` or
:func:`check_optional` before any work starts; a bad value becomes an :class:`InputError`
whose message is one line naming the setting, the value and the fix.
"""
from __future__ import annotations

import math
from typing import Any

#: the largest chip count the kernels' int32 arithmetic holds with room for a whole pot
MAX_CHIPS = (1 << 31) - 1


class InputError(ValueError):
    """Bad user input; the message names the file/key/flag, the value and the fix."""


def _describe(low: float | None, high: float | None, low_open: bool, integer: bool) -> str:
    def show(x: float) -> str:
        return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:.3g}"
    kind = "an integer" if integer else "a finite number"
    noun = "integer" if integer else "finite number"
    if low is not None and low == 0 and low_open:
        head = f"use a positive {noun}"
    elif low is not None and low == 0:
        head = f"use a non-negative {noun}"
    elif low is not None:
        head = f"use {kind} {'above' if low_open else 'of at least'} {show(low)}"
    else:
        head = f"use {kind}"
    return head + (f" (at most {show(high)})" if high is not None else "")


def check_number(name: str, value: Any, *, integer: bool = False, low: float | None = None,
                 high: float | None = None, low_open: bool = False, fix: str | None = None) -> Any:
    """``value`` if it is a (finite, for floats) number in range, else InputError naming ``name``.

    ``low_open`` excludes ``low`` itself (positive numbers: ``low=0, low_open=True``).
    Booleans are not numbers here (YAML ``true`` is not an iteration count)."""
    hint = fix or _describe(low, high, low_open, integer)
    ok_type = (isinstance(value, int) if integer else isinstance(value, (int, float))) and not isinstance(value, bool)
    if not ok_type:
        raise InputError(f"{name}: invalid value {value!r}: {hint}")
    if not integer and not math.isfinite(value):
        raise InputError(f"{name}: invalid value {value!r}: {hint}")
    if low is not None and (value <= low if low_open else value < low):
        raise InputError(f"{name}: invalid value {value!r}: {hint}")
    if high is not None and value > high:
        raise InputError(f"{name}: invalid value {value!r}: {hint}")
    return value


def check_optional(name: str, value: Any, **rules: Any) -> Any:
    """:func:`check_number` unless ``value`` is None (a setting that may be left out)."""
    return None if value is None else check_number(name, value, **rules)


def parse_number(name: str, text: str, *, integer: bool = False, **rules: Any) -> Any:
    """The number written in ``text`` (a CLI value), checked like :func:`check_number`."""
    try:
        value = int(text) if integer else float(text)
    except (TypeError, ValueError):
        kind = "an integer" if integer else "a number"
        raise InputError(f"{name}: invalid value {text!r}: expected {kind}") from None
    try:
        return check_number(name, value, integer=integer, **rules)
    except InputError as e:  # name the value as the user wrote it
        raise InputError(str(e).replace(f"invalid value {value!r}", f"invalid value {text!r}", 1)) from None
