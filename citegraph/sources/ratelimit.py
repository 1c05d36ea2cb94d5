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
next one back instead of letting the two bunch up. Callers queue, so no slots are handed out
ahead of time. Callers come in lanes that take turns: when callers of several lanes wait, the
next to leave is the first to arrive of a lane other than the one that left last (the crawl's
elinks and efetches: a link answer brings the next generation's work, so it never waits behind
a queue of fetches; a fetched record brings the parsing that keeps the CPU busy, so fetches are
not starved by a long run of links either). Every attempt, including retries, goes through
it. :meth:`RateLimiter.pause` holds every caller off, for example after a 429 with
``Retry-After``, so the whole client holds off, not one thread.
"""

from __future__ import annotations

import itertools
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
        #: guards everything below; waiting callers are woken when the head of the queue leaves
        self._state = threading.Condition(threading.Lock())
        #: (lane, arrival number) of the callers waiting to leave
        self._waiting: list[tuple[int, int]] = []
        self._arrivals = itertools.count()
        #: the lane of the last caller that left
        self._last_lane: int | None = None
        self._last_departure = -math.inf
        self._paused_until = -math.inf

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate:g}, interval={self.interval:.4f}s)"

    def _due(self) -> float:
        """When the next caller may leave (call with ``_state`` held)."""
        return max(self._last_departure + self.interval, self._paused_until)

    def next_free_in(self) -> float:
        """Seconds until a caller arriving now could leave, if no one else were waiting."""
        with self._state:
            return max(0.0, self._due() - self._clock())

    def _next(self) -> tuple[int, int]:
        """The waiting caller whose turn it is (call with ``_state`` held)."""
        return min(self._waiting, key=lambda ticket: (ticket[0] == self._last_lane, ticket[1]))

    def acquire(self, lane: int = 0) -> float:
        """Block until this caller may send one request; return the seconds waited. Waiting
        callers of different lanes take turns, in arrival order within a lane."""
        asked = self._clock()
        ticket = (lane, next(self._arrivals))
        with self._state:
            self._waiting.append(ticket)
        slept_until = -math.inf
        try:
            while True:
                with self._state:
                    while self._next() != ticket:
                        self._state.wait()
                    now = self._clock()
                    due = self._due()  # a pause() may have come while we slept: look again
                    if due <= now or due <= slept_until:
                        # (due <= slept_until: woke early, or a test's sleep that does not sleep)
                        now = max(now, due)
                        self._waiting.remove(ticket)
                        self._last_lane = lane
                        self._last_departure = now
                        if self._on_departure is not None:
                            self._on_departure(now)
                        self._state.notify_all()
                        return now - asked
                # sleep outside the lock: a caller of another lane may get the turn meanwhile
                self._sleep(due - now)
                slept_until = due
        except BaseException:  # e.g. Ctrl-C while waiting: leave the queue to the others
            with self._state:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                    self._state.notify_all()
            raise

    def pause(self, seconds: float) -> None:
        """Hold every caller off for ``seconds`` from now."""
        if seconds <= 0:
            return
        with self._state:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
