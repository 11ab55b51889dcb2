"""holdem.game: game specs, the betting rules, the betting tree, payoffs and the referee."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from holdem.game.spec import GameSpec, kuhn, leduc, limit_holdem, no_limit_holdem, preset

if TYPE_CHECKING:
    from holdem.game.referee import replay


def __getattr__(name: str) -> Any:
    """Load the referee on first use: it imports numpy and numba, which specs do not need."""
    if name == "replay":
        from holdem.game.referee import replay

        return replay
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["GameSpec", "kuhn", "leduc", "limit_holdem", "no_limit_holdem", "preset", "replay"]
