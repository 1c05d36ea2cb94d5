"""A thread-safe request pacer: a token bucket of capacity one, shared by a client's threads.

NCBI counts requests per rolling second (3/s without an API key, 10/s with one) and answers
HTTP 429 beyond that. A bucket that lets bursts through would be refused, so this one holds
a single token: each call to :meth:`RateLimiter.acquire` reserves the next free slot and
sleeps until it comes, and slots are ``(1 + window_margin) / k`` seconds apart (margin 20%
by default: arrivals jitter when the machine is busy) with
``k = floor(rate)``. Any ``k + 1`` consecutive requests therefore span more than
``1 + window_margin`` seconds, so a server counting requests in any one-second window never
sees more than ``rate`` of them, even when arrivals jitter by up to ``window_margin``.
(For a rate below one per second the spacing is simply ``1 / rate``.)

Slots are reserved under a lock and slept for outside it, so waiting threads are served in
the order they asked and never block each other longer than their turn. Every attempt,
including retries, takes a slot. :meth:`RateLimiter.pause` pushes the next free slot back,
for example after a 429 with ``Retry-After``, so the whole client holds off, not one thread.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable

from ..errors import ConfigError

__all__ = ["RateLimiter"]


class RateLimiter:
    """Paces calls to at most ``rate`` per rolling second across all threads that share it."""

    def __init__(
        self,
        rate: float,
        *,
        window_margin: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0 or math.isinf(rate):
            raise ConfigError(f"rate must be a positive number of requests per second, not {rate!r}")
        if window_margin < 0:
            raise ConfigError("window_margin must not be negative")
        self.rate = float(rate)
        self.window_margin = window_margin
        per_window = math.floor(rate) if rate >= 1 else rate
        #: seconds between two consecutive slots
        self.interval = (1.0 + window_margin) / per_window if rate >= 1 else 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = -math.inf

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate:g}, interval={self.interval:.4f}s)"

    def reserve(self) -> float:
        """Take the next free slot; return how many seconds the caller must wait for it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        return slot - now

    def acquire(self) -> float:
        """Block until this caller may send one request; return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause(self, seconds: float) -> None:
        """Hold every caller off for ``seconds`` from now (slots already handed out stand)."""
        if seconds <= 0:
            return
        with self._lock:
            self._next_slot = max(self._next_slot, self._clock() + seconds)
