"""Signals during a run: SIGINT/SIGTERM/SIGHUP become a stop request the loop checks."""
from __future__ import annotations

import signal
from typing import Any


class StopFlag:
    """Turns SIGINT/SIGTERM/SIGHUP into a flag the loop checks between (and during) batches."""

    def __init__(self):
        self.signal: int | None = None
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> "StopFlag":
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop waiting
        self.signal = signum

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
