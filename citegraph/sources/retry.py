"""When to retry a request to a remote source, and how long to wait first.

Pure functions, no I/O: the E-utilities client decides *what* failed; this module says
whether that failure is worth another attempt and how long to back off.

- :func:`backoff_delay`: exponential backoff with full jitter
  (``uniform(0, min(cap, base * 2**(n-1)))`` after the n-th failure).
- :func:`parse_retry_after`: a ``Retry-After`` header (seconds or HTTP-date) in seconds.
- :func:`looks_temporary`: whether an error *message* from NCBI reads like a passing problem
  ("Resource temporarily unavailable", "Search Backend failed", ...) rather than a refusal
  ("Invalid db name specified", "Empty ID list").
- :func:`wrapped_backend_status`: the 502/503/504 that NCBI sometimes wraps in an HTTP 400 body.
"""

from __future__ import annotations

import random
import re
import time
from email.utils import parsedate_to_datetime

__all__ = ["backoff_delay", "parse_retry_after", "looks_temporary", "wrapped_backend_status"]

_TEMPORARY = re.compile(
    r"temporar|unavailable|try (again|later)|timed? ?out|timeout|backend|busy|overload"
    r"|too many|rate limit|cannot connect|can't connect|unable to connect|connection"
    r"|server error|internal error|gateway|\b50[0-4]\b|unable to obtain query"
    r"|error forwarding|address table is empty|supplied id parameter is empty",
    re.IGNORECASE,
)

_BACKEND_STATUS = re.compile(r"\b(50[0234])\b|bad gateway|service unavailable|gateway time-?out", re.IGNORECASE)
_BACKEND_WORDS = {"bad gateway": 502, "service unavailable": 503}


def backoff_delay(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after the ``failures``-th consecutive failure (1-based), full jitter."""
    if failures < 1 or base <= 0:
        return 0.0
    ceiling = min(cap, base * (2 ** min(failures - 1, 62)))
    return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from ``now`` (wall clock), or None when absent or unreadable.

    Accepts delta-seconds (``"2"``, ``"1.5"``) and an HTTP-date
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``); a date in the past gives 0.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN -> None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:  # RFC 9110 dates are always GMT
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def looks_temporary(message: str) -> bool:
    """True when an E-utilities error message describes a passing problem on NCBI's side."""
    return bool(_TEMPORARY.search(message or ""))


def wrapped_backend_status(body: bytes | str) -> int | None:
    """The 5xx status a 400 response body reports for NCBI's backend, if it reports one."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    match = _BACKEND_STATUS.search(text[:4096])
    if not match:
        return None
    if match.group(1):
        return int(match.group(1))
    return _BACKEND_WORDS.get(match.group(0).lower(), 504)
