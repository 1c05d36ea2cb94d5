"""A thread-safe request pacer shared by a client's threads.

NCBI counts requests per rolling second (3/s without an API key, 10 with one) and answers
HTTP 429 beyond that. Requests therefore leave one at a time, ``(1 + window_margin) / k``
seconds apart with ``k = floor(rate)``, so any ``k + 1`` consecutive requests span at least
``1 + window_margin`` seconds and a server counting any one-second window never sees more
than ``rate`` of them, even when arrivals jitter by up to ``window_margin`` seconds. (For a
rate below one per second the spacing is simply ``1 / rate``.) The margin is 15% (150 ms per
window) by default: it is also what a crawl loses against the limit, so it is kept small
(10% let a 429 through now and then when the crawl's own threads held the interpreter lock
between leaving here and sending).

The spacing is measured from the moment the previous caller actually left, not from the
moment it was due: a thread that wakes late (a busy machine, the interpreter lock) pushes the
next one back instead of letting the two bunch up. Callers queue on a turnstile, so no slots
are handed out ahead of time. Every attempt, including retries, goes through it.
:meth:`RateLimiter.pause` holds every caller off, for example after a 429 with
``Retry-After``, so the whole client holds off, not one thread.
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
        window_margin: float = 0.15,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_departure: Callable[[float], None] | None = None,
    ) -> None:
        if not rate > 0 or math.isinf(rate):
            raise ConfigError(f"rate must be a positive number of requests per second, not {rate!r}")
        if window_margin < 0:
            raise ConfigError("window_margin must not be negative")
        self.rate = float(rate)
        self.window_margin = window_margin
        per_window = math.floor(rate) if rate >= 1 else rate
        #: seconds between two consecutive departures
        self.interval = (1.0 + window_margin) / per_window if rate >= 1 else 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        #: called with each departure time, in order, before the next caller may leave
        self._on_departure = on_departure
        #: held by the caller whose turn it is, while it waits for its moment
        self._turnstile = threading.Lock()
        #: guards the two times below (pause() may come from any thread at any moment)
        self._state = threading.Lock()
        self._last_departure = -math.inf
        self._paused_until = -math.inf

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate:g}, interval={self.interval:.4f}s)"

    def _due(self) -> float:
        with self._state:
            return max(self._last_departure + self.interval, self._paused_until)

    def next_free_in(self) -> float:
        """Seconds until a caller arriving now could leave, if no one else were waiting."""
        return max(0.0, self._due() - self._clock())

    def acquire(self) -> float:
        """Block until this caller may send one request; return the seconds waited."""
        asked = self._clock()
        with self._turnstile:
            slept_until = -math.inf
            while True:  # a pause() may arrive while we sleep: look again on waking
                now = self._clock()
                due = self._due()
                if due <= now:
                    break
                if due <= slept_until:  # woke early (or a test's sleep that does not sleep)
                    now = due
                    break
                self._sleep(due - now)
                slept_until = due
            with self._state:
                self._last_departure = now
            if self._on_departure is not None:
                self._on_departure(now)
        return now - asked

    def pause(self, seconds: float) -> None:
        """Hold every caller off for ``seconds`` from now."""
        if seconds <= 0:
            return
        with self._state:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
