"""A clock for pacing tests: time passes only when the paced caller sleeps, and at once.

Hand the same :class:`VirtualClock` to the client (``clock=clock, sleep=clock.sleep``) and to
the local server (``clock=clock``): the server then counts its rolling window in the time the
client's rate limiter paced itself by, and a test of pacing takes no wall time. Only one
thread may sleep on it (the paced one); any thread may read it.
"""

from __future__ import annotations

import threading

__all__ = ["VirtualClock"]


class VirtualClock:
    """Seconds since an arbitrary start; :meth:`sleep` moves them on instead of waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.start = start
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        """Pass ``seconds`` of virtual time (a negative or zero wait passes none)."""
        with self._lock:
            self._now += max(0.0, seconds)

    @property
    def elapsed(self) -> float:
        """Virtual seconds passed since the start."""
        return self() - self.start
