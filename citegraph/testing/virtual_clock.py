"""A clock for pacing tests: time passes only when a caller sleeps, and at once.

Hand the same :class:`VirtualClock` to a client (``clock=clock, sleep=clock.sleep``) and to the
local server (``clock=clock``): the server then counts its rolling windows in the time the
client's rate limiter paced itself by, and a test of pacing takes no wall time.
"""

from __future__ import annotations

import threading

__all__ = ["VirtualClock"]


class VirtualClock:
    """Seconds that only :meth:`sleep` moves: sleeping ``s`` seconds after reading ``t`` makes
    the clock at least ``t + s`` (for every thread), and returns at once.

    Threads that sleep side by side wake at the latest of their times, so a request may be
    stamped later than the time its thread was due; a test that counts requests per window in
    this time paces them from one thread."""

    def __init__(self, start: float = 0.0) -> None:
        self.start = start
        self._now = start
        self._lock = threading.Lock()
        self._read = threading.local()

    def now(self) -> float:
        """The current time (remembered as this thread's last reading)."""
        with self._lock:
            self._read.at = self._now
            return self._now

    __call__ = now

    def sleep(self, seconds: float) -> None:
        """Pass ``seconds`` from this thread's last reading (none when it is already past)."""
        with self._lock:
            self._now = max(self._now, getattr(self._read, "at", self._now) + seconds)

    @property
    def elapsed(self) -> float:
        """Seconds passed since the start."""
        return self.now() - self.start
