"""A lone Esc key delivered after ESCDELAY plus at most one short poll (Textual on Linux and
macOS terminals).

A terminal sends Esc as the same byte that starts every escape sequence (arrows, function keys),
so Textual waits ESCDELAY ms for more bytes. Its input thread, however, only checks that
timer when its ``select`` returns, and that waits up to 0.1 s with no input: a lone Esc
arrives up to that much later than ESCDELAY, before the browser does anything with it. Here the
input thread's selector waits at most :data:`POLL` seconds at a time, so Esc arrives ESCDELAY
ms after the key press plus at most one poll. The cost is a thread waking 50 times a second
to find nothing to do.

This reaches into Textual's driver module (its ``selectors`` global); when a Textual version
does not look as expected, :func:`install` does nothing and Esc is just slower.
"""

from __future__ import annotations

import selectors
import types

__all__ = ["install", "POLL"]

#: longest wait of the terminal input thread, seconds
POLL = 0.02


class _QuickSelector(selectors.SelectSelector):
    def select(self, timeout: float | None = None):
        return super().select(POLL if timeout is None or timeout > POLL else timeout)


def install() -> bool:
    """Shorten the input thread's wait (before the app starts); True when it was done."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # Windows
        return False
    current = getattr(linux_driver, "selectors", None)
    if current is None or not hasattr(current, "SelectSelector"):
        return False
    if current.SelectSelector is not _QuickSelector:
        namespace = types.SimpleNamespace(**{name: getattr(selectors, name) for name in dir(selectors)
                                             if not name.startswith("__")})
        namespace.SelectSelector = _QuickSelector
        linux_driver.selectors = namespace
    return True
