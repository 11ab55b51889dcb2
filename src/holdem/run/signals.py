"""Signals during a run: SIGINT/SIGTERM/SIGHUP become a stop request the loop checks.

Before the run directory is claimed (:meth:`StopFlag.arm`) there is nothing to save: a
signal there is counted, and the next :meth:`StopFlag.checkpoint` (between the start-up
phases, and in ``arm``) raises KeyboardInterrupt: the command exits 130 having written
nothing. (Raising from the handler itself would land anywhere, inside numba's compiler or
a finaliser, and print tracebacks; :meth:`StopFlag.raising` allows it for code written to
be interrupted, such as building a bucket file.) Once armed, the first signal starts an
orderly stop: running batches finish (or, after a grace period, are cut with their
finished iterations counted), and the final snapshot is written. Later signals cannot
break that: the handler never raises, it only counts, and from the second
signal on the engine waits a shorter grace period for running batches (:attr:`hurry`). No
number of signals, at any moment, skips the final snapshot; SIGKILL is the way to leave
without one (the last periodic snapshot stays).
"""
from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Any, Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopFlag:
    """Counts SIGINT/SIGTERM/SIGHUP; the loop stops when :attr:`signal` is set."""

    def __init__(self, armed: bool = True):
        self.signal: int | None = None  # the first signal received (once armed)
        self.count = 0
        self.armed = armed
        self.raise_now = False  # inside raising(): the first signal raises KeyboardInterrupt
        self.previous: dict[int, Any] = {}

    def checkpoint(self) -> None:
        """Before arming: raise KeyboardInterrupt if a signal came (nothing to save yet)."""
        if self.count and not self.armed:
            raise KeyboardInterrupt

    def arm(self) -> None:
        """From now on a signal only requests a stop (there is finished work to save)."""
        self.armed = True
        if self.count and self.signal is None:  # only signals from before arming: leave
            self.armed = False
            raise KeyboardInterrupt

    @contextmanager
    def raising(self) -> Iterator[None]:
        """Before arming: a signal raises KeyboardInterrupt at once inside this block."""
        self.checkpoint()
        self.raise_now = True
        try:
            yield
        finally:
            self.raise_now = False

    @property
    def hurry(self) -> bool:
        """A second signal: shorten the wait for running batches (never skip the snapshot)."""
        return self.count >= 2

    def is_set(self) -> bool:
        """Whether a stop was requested."""
        return self.signal is not None

    def __enter__(self) -> "StopFlag":
        return self.install()

    def install(self) -> "StopFlag":
        """Route the stop signals here until :meth:`__exit__` puts the previous handlers back."""
        for sig in STOP_SIGNALS:
            # a signal ignored by whoever started us stays ignored (a shell's background job
            # ignores Ctrl-C; nohup, SIGHUP), as Python itself does at start-up
            if signal.getsignal(sig) is not signal.SIG_IGN:
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        # nothing else here: the handler runs between any two bytecodes of the main thread
        # (even inside a print), so it must neither raise nor write
        self.count += 1
        if not self.armed:
            if self.raise_now:
                self.raise_now = False  # once: a second signal must not break the unwinding
                raise KeyboardInterrupt
            return
        if self.signal is None:
            self.signal = signum

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
