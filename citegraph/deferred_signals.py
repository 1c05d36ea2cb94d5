"""Holding Ctrl-C and SIGTERM back while a short piece of work must finish.

A crawl commits what has arrived in one transaction. An interrupt landing in the middle of it
would roll the transaction back, and the crawl's own view of what it had written (its queues,
the papers it had taken in) would no longer match the store. Inside :func:`signals_deferred`
the signals are noted instead of acted on; when the block ends, the handler that was in place
runs as it would have (Ctrl-C raises ``KeyboardInterrupt`` there), at a point where the store
and the crawl agree.

Only the main thread receives signals, and only it can change their handlers: elsewhere the
block runs as it is.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["signals_deferred", "DEFERRED_SIGNALS"]

DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_deferred(signals: tuple[int, ...] = DEFERRED_SIGNALS) -> Iterator[None]:
    # a handler set outside Python (None) could not be put back: leave such signals alone
    if threading.current_thread() is not threading.main_thread() or any(
            signal.getsignal(signum) is None for signum in signals):
        yield
        return
    caught: list[tuple[int, object]] = []

    def note(signum: int, frame: object) -> None:
        caught.append((signum, frame))

    previous = {signum: signal.signal(signum, note) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if caught:
            signum, frame = caught[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)  # the default action (end the process), now
