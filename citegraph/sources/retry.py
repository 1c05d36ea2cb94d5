"""What counts as a transient failure of a remote source, and how long to wait before retrying.

No I/O here: the E-utilities client sends and reads; this module turns what came back into a
:class:`Failure` (kind, message, transient or not, status, Retry-After) and says how long to
back off.

- :func:`status_failure`: an HTTP status other than 200 (429 and 5xx are transient, so is a
  400 whose body reports a backend 502/503/504; other 4xx are not).
- :func:`body_failure`: a 200 whose body is plainly not XML, or not JSON (empty, HTML page,
  plain text).
- :func:`network_failure`: a requests/urllib3/socket exception, described without its URL.
- :func:`looks_temporary`: whether an E-utilities ``ERROR`` message reads like a passing
  problem ("Resource temporarily unavailable", "Search Backend failed") or a refusal
  ("Invalid db name specified", "Empty ID list").
- :func:`backoff_delay`: exponential backoff with full jitter,
  ``uniform(0, min(cap, base * 2**(n-1)))`` after the n-th failure.
- :func:`parse_retry_after`: a ``Retry-After`` header (seconds or HTTP-date) in seconds.

Messages built here never quote a URL's query string or an error body's ``api-key`` field.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import requests
import urllib3

__all__ = [
    "Failure",
    "status_failure",
    "body_failure",
    "network_failure",
    "looks_temporary",
    "wrapped_backend_status",
    "backoff_delay",
    "parse_retry_after",
]

_TEMPORARY = re.compile(
    r"temporar|unavailable|try (again|later)|timed? ?out|timeout|backend|busy|overload"
    r"|too many|rate limit|cannot connect|can't connect|unable to connect|connection"
    r"|server error|internal error|gateway|\b50[0-4]\b|unable to obtain query"
    r"|error forwarding|address table is empty|supplied id parameter is empty|read failed|unexpectedly closed",
    re.IGNORECASE,
)
_BACKEND_STATUS = re.compile(r"\b(50[0234])\b|bad gateway|service unavailable|gateway time-?out", re.IGNORECASE)
_BACKEND_WORDS = {"bad gateway": 502, "service unavailable": 503}
_HTML = re.compile(rb"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.I | re.S)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
#: how an answer of each format may begin
_OPENINGS = {"XML": (b"<",), "JSON": (b"{", b"[")}


@dataclass
class Failure:
    """One failed attempt, described without any exception object that could quote the URL."""

    kind: str  # "network" | "http" | "response"
    message: str
    transient: bool
    status: int | None = None
    retry_after: float | None = None
    cause: BaseException | None = None


# -- classifying what came back -----------------------------------------------------------


def status_failure(status: int, headers: Mapping[str, str], body: bytes) -> Failure:
    """The failure an HTTP status other than 200 stands for."""
    retry_after = parse_retry_after(headers.get("Retry-After"))
    summary = summarize(body) or http.client.responses.get(status, "")
    if status == 429:
        return Failure("http", summary or "rate limit exceeded", True, 429, retry_after)
    if status >= 500:
        return Failure("http", summary, True, status, retry_after)
    if status == 400:
        backend = wrapped_backend_status(body)
        if backend is not None:
            return Failure("http", f"backend error {backend} sent as HTTP 400: {summary}", True, backend, retry_after)
    return Failure("http", summary, False, status)


def body_failure(endpoint: str, body: bytes, answer: str = "XML") -> Failure | None:
    """A 200 body that is plainly not an answer in the ``answer`` format, ``"XML"`` (E-utilities)
    or ``"JSON"`` (an object or a list): empty, HTML, plain text."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        return Failure("response", f"{endpoint}: empty response", True)
    if _HTML.match(head):
        return Failure("response", f"{endpoint}: HTML page instead of {answer} ({summarize(body)})", True)
    if not head.startswith(_OPENINGS[answer]):
        return Failure("response", f"{endpoint}: text instead of {answer} ({summarize(body)})", True)
    return None


def network_failure(
    endpoint: str, url: str, exc: BaseException, *, connecting: bool, connect_timeout: float, read_timeout: float
) -> Failure:
    """A transport exception as a one-line message naming the host, never the query string."""
    chain = list(_causes(exc))
    netloc = urlsplit(url).netloc
    # NewConnectionError subclasses ConnectTimeoutError in urllib3, so it goes first
    if any(isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain):
        message = f"{endpoint}: cannot connect to {netloc} ({_os_reason(chain) or 'connection failed'})"
    elif any(isinstance(e, requests.ConnectTimeout) for e in chain) or (
        connecting and any(isinstance(e, urllib3.exceptions.ConnectTimeoutError) for e in chain)
    ):
        message = f"{endpoint}: no connection to {netloc} within {connect_timeout:g} s"
    elif any(isinstance(e, (requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError)) for e in chain):
        message = f"{endpoint}: no data from {netloc} for {read_timeout:g} s (read timeout)"
    else:
        reason = _os_reason(chain) or type(exc).__name__
        message = f"{endpoint}: connection to {netloc} broken ({reason})"
    return Failure("network", message, True)


def summarize(body: bytes) -> str:
    """A short, key-free description of an error body (JSON ``error``, HTML title, first line)."""
    text = body[:4096].decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            data = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("error"):
            extra = f" (count {data['count']}, limit {data['limit']})" if "count" in data and "limit" in data else ""
            return f"{data['error']}{extra}"[:200]
        return "JSON error body"  # fields such as "api-key" are never quoted
    title = _TITLE.search(body[:4096])
    if title:
        text = title.group(1).decode("utf-8", "replace")
    text = _TAG.sub(" ", text)
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return " ".join(line.split())[:200]


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


def _causes(exc: BaseException) -> Iterable[BaseException]:
    """``exc`` and everything it wraps (cause, context, urllib3 ``reason``, exception args)."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]


def _os_reason(chain: list[BaseException]) -> str:
    for e in chain:
        if isinstance(e, OSError) and e.strerror:
            return e.strerror
    for e in chain:
        if isinstance(e, http.client.IncompleteRead):
            return "body cut short"
        if isinstance(e, http.client.RemoteDisconnected):
            return "server closed the connection"
    return ""


# -- waiting --------------------------------------------------------------------------------


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
