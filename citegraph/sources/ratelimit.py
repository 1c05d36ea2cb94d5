"""A thread-safe request pacer shared by a client's threads.

NCBI counts requests per rolling second (3/s without an API key, 10 with one) and answers
HTTP 429 beyond that. The pacer keeps the same count on its side, with a margin: at most
``k = floor(rate)`` requests leave in any window of ``1 + window_margin`` seconds (for a rate
below one per second, one request per ``1 / rate`` seconds). Within that, requests go as soon
as they are ready, a small gap apart (``min_gap``, a quarter of the average spacing): a crawl
that waited on an answer catches up instead of losing the slots it did not use, and a server
counting any one-second window still never sees more than ``rate``.

The window is counted from when each request was actually sent, not from when its caller left
here. With ``track_sends`` the caller's request reports its send (:func:`mark_sent`, which the
E-utilities client's connections call once the request is written) or, failing that, is
settled when the caller is done with it (:meth:`RateLimiter.settle`); a caller whose turn
depends on a request not yet sent waits for it. A thread that holds the interpreter lock or a
machine that wakes a thread late can then only make requests later, never bunch them up, so
the margin only has to cover how much later one request may be counted than another at the
server (``window_margin``, 0.08 by default: 80 ms per window; it is also what a crawl gives
up against the limit). Without ``track_sends`` a request counts as sent when its caller leaves.

With ``start_busy`` a new pacer takes the window before it as used at full rate: by the same
user's previous run, killed or interrupted a moment ago, whose requests the server still
counts. It then starts at the steady pace (the first request one average spacing after it was
made) and lets requests go closer together only once it has seen a window go by.

Callers queue, so no slots are handed out ahead of time. Callers come in lanes that take
turns: when callers of several lanes wait, the next to leave is the first to arrive of a lane
other than the one that left last (the crawl's elinks and efetches: a link answer brings the
next generation's work, so it never waits behind a queue of fetches; a fetched record brings
the parsing that keeps the CPU busy, so fetches are not starved by a long run of links
either). Every attempt, including retries, goes through it. :meth:`RateLimiter.pause` holds
every caller off, for example after a 429 with ``Retry-After``, so the whole client holds off,
not one thread.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import deque
from typing import Callable

from ..errors import ConfigError

__all__ = ["RateLimiter", "mark_sent"]

# the request this thread took a slot for and has not reported yet: (limiter, slot)
_pending = threading.local()


class _Slot:
    """One departure: when it counts from, and whether that time is final (sent)."""

    __slots__ = ("at", "sent")

    def __init__(self, at: float, sent: bool) -> None:
        self.at = at
        self.sent = sent


def mark_sent() -> None:
    """Report that this thread's request (its last :meth:`RateLimiter.acquire`) has been
    written to the network. Called by the client's connections; does nothing otherwise."""
    pending = getattr(_pending, "slot", None)
    if pending is not None:
        pending[0].settle()


class RateLimiter:
    """Paces calls to at most ``rate`` per rolling second across all threads that share it."""

    def __init__(
        self,
        rate: float,
        *,
        window_margin: float = 0.08,
        min_gap: float | None = None,
        track_sends: bool = False,
        start_busy: bool = False,
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
        #: at most this many departures in any ``window`` seconds
        self.per_window = math.floor(rate) if rate >= 1 else 1
        self.window = 1.0 + window_margin if rate >= 1 else 1.0 / rate
        #: the average spacing at full speed
        self.interval = self.window / self.per_window
        #: the least time between two departures
        self.min_gap = self.interval / 4 if min_gap is None else min_gap
        self.track_sends = track_sends
        self._clock = clock
        self._sleep = sleep
        #: called with each departure time, in order, before the next caller may leave
        self._on_departure = on_departure
        #: guards everything below; waiting callers are woken when the head of the queue leaves
        #: and when a request is reported sent
        self._state = threading.Condition(threading.Lock())
        #: (lane, arrival number) of the callers waiting to leave
        self._waiting: list[tuple[int, int]] = []
        self._arrivals = itertools.count()
        #: the lane of the last caller that left
        self._last_lane: int | None = None
        #: the last ``per_window`` departures, oldest first
        self._recent: deque[_Slot] = deque(maxlen=self.per_window)
        if start_busy:
            # as if the window before had been used at full rate (see the module's docstring)
            created = clock()
            self._recent.extend(_Slot(created - self.window + (i + 1) * self.interval, sent=True)
                                for i in range(self.per_window))
        self._paused_until = -math.inf

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate:g}, {self.per_window} per {self.window:.3f}s)"

    def _due(self) -> float:
        """When the next caller may leave (call with ``_state`` held)."""
        due = self._paused_until
        recent = self._recent
        if recent:
            due = max(due, recent[-1].at + self.min_gap)
            if len(recent) == self.per_window:
                due = max(due, recent[0].at + self.window)
        return due

    def _window_unsettled(self) -> bool:
        """The next caller's turn depends on a request not yet sent (call with ``_state`` held)."""
        return len(self._recent) == self.per_window and not self._recent[0].sent

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
        mark_sent()  # this thread's previous request (of any limiter), if it never said
        asked = self._clock()
        ticket = (lane, next(self._arrivals))
        with self._state:
            self._waiting.append(ticket)
        slept_until = -math.inf
        try:
            while True:
                with self._state:
                    while self._next() != ticket or self._window_unsettled():
                        self._state.wait()
                    now = self._clock()
                    due = self._due()  # a pause() may have come while we slept: look again
                    if due <= now or due <= slept_until:
                        # (due <= slept_until: woke early, or a test's sleep that does not sleep)
                        now = max(now, due)
                        self._waiting.remove(ticket)
                        self._last_lane = lane
                        slot = _Slot(now, sent=not self.track_sends)
                        self._recent.append(slot)
                        if self.track_sends:
                            _pending.slot = (self, slot)
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

    def settle(self) -> None:
        """This thread's request (its last :meth:`acquire`) has been sent, or never will be:
        it counts from now unless it was reported sent before."""
        pending = getattr(_pending, "slot", None)
        if pending is None or pending[0] is not self:
            return
        _pending.slot = None
        slot = pending[1]
        with self._state:
            # never earlier than the departure: a fake clock in tests may stand still
            slot.at = max(slot.at, self._clock())
            slot.sent = True
            self._state.notify_all()

    def pause(self, seconds: float) -> None:
        """Hold every caller off for ``seconds`` from now."""
        if seconds <= 0:
            return
        with self._state:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
