"""Request counting for NCBI-style rate limiting: requests per client in a rolling window.

The window is half-open, ``(now - 1 s, now]``: a request exactly one second after another no
longer sees it. Every request counts, refused ones included (NCBI's 429 body reports a
``count`` above the limit, so it counts them too); a client pacing itself at R per second
is therefore never refused, and one that hammers stays refused until it slows down.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

__all__ = ["SlidingWindow"]


class SlidingWindow:
    def __init__(self, window: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> int:
        """Record one request from ``client``; returns its requests in the window, this one included."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(client, deque())
            edge = now - self.window
            while times and times[0] <= edge:
                times.popleft()
            times.append(now)
            return len(times)

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
