"""One HTTP client's request loop: send, read the answer within limits, retry what is transient.

:class:`HttpClient` holds one ``requests`` session, a rate limiter (:mod:`.ratelimit`) shared
by the threads using the client, and thread-safe counters (:attr:`HttpClient.stats`). Each
attempt takes a slot from the limiter, has a connect and read timeout, and a total deadline for
the body (``2 * read_timeout`` after the headers), so a server that drips bytes cannot hold a
thread for ever; a body over ``max_response_bytes`` is refused without being kept
(:class:`ResponseTooLarge`). Transient failures are retried with exponential backoff and full
jitter, honouring ``Retry-After`` (see :mod:`.retry`); a 429 holds off the whole client.

A subclass names its service: :attr:`~HttpClient._answer_format` (what a 200 answer must look
like), :attr:`~HttpClient._post_above` (more ids than this go by POST), :meth:`_identity`
(parameters sent with every request) and :meth:`_redact` (the secrets masked). The E-utilities
client (:mod:`.eutils`) and the JSON sources' transport (:mod:`.json_client`) are its
subclasses. No message, log line, repr or stat carries a secret: requests' own exceptions
(which quote the URL) are never chained, only described.
"""

from __future__ import annotations

import http.client
import logging
import random
import threading
import time
from typing import Any, Callable, Iterable, TypeVar

import requests
import urllib3

from .. import __version__
from ..config import Settings, redact
from ..errors import HTTPError, NetworkError, ParseError, RateLimitError, ResponseError, SourceError
from .ratelimit import RateLimiter
from .retry import Failure, backoff_delay, body_failure, network_failure, status_failure
from .transport import SendReportingAdapter

__all__ = ["HttpClient", "MAX_RESPONSE_BYTES", "POST_ABOVE", "ResponseTooLarge"]

log = logging.getLogger("citegraph.eutils")

T = TypeVar("T")

#: more ids than this go by POST
POST_ABOVE = 200
#: the rate limiter's lanes, which take turns when requests of both wait (see RateLimiter):
#: elink and esearch answers bring more work (a crawl's next generation), efetch answers bring
#: records to parse
_LANE = {"elink": 0, "esearch": 0}
#: the most bytes (decoded) read of one answer; a larger one is refused, never held in memory
MAX_RESPONSE_BYTES = 64 << 20
_NETWORK_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


class ResponseTooLarge(ResponseError):
    """An answer longer than the client's ``max_response_bytes``; asking again gives the same."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class _TooLarge(Exception):
    """Marks the failure of an over-size answer (turned into :class:`ResponseTooLarge`)."""


class HttpClient:
    """A thread-safe HTTP client with rate limiting and retries (see the module's contract)."""

    #: what a 200 answer must look like before it is read (see :func:`.retry.body_failure`)
    _answer_format = "XML"
    #: requests for more ids than this go by POST
    _post_above: float = POST_ABOVE

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        max_response_bytes: int | None = None,
    ) -> None:
        """``session``: a session to use instead of the client's own (left open by ``close``);
        ``clock``/``sleep``: what the rate limiter and the backoff use to tell and pass time;
        ``rng``: the source of backoff jitter. The last three are there for tests.
        ``max_response_bytes``: the most bytes (after decompression) read of one answer
        (default :data:`MAX_RESPONSE_BYTES`); a longer one fails that request
        (:class:`ResponseTooLarge`) without being kept."""
        _redact_urllib3_logs()
        self.settings = settings
        self.max_response_bytes = MAX_RESPONSE_BYTES if max_response_bytes is None else max_response_bytes
        self._owns_session = session is None
        self._session = session if session is not None else _new_session(settings)
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        #: shared by every thread using this client
        self.limiter = RateLimiter(settings.effective_rate, track_sends=True, start_busy=True,
                                   clock=clock, sleep=sleep)
        self._lock = threading.Lock()
        self._stats: dict[str, Any] = {
            "requests": 0, "retries": 0, "failures": 0, "bytes": 0, "waited": 0.0,
            "by_endpoint": {}, "by_status": {},
        }

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this client created it (a session passed in stays open)."""
        if self._owns_session:
            self._session.close()

    @property
    def stats(self) -> dict:
        """A snapshot: ``requests`` (attempts sent), ``retries``, ``failures`` (gave up),
        ``bytes`` (received on the wire), ``waited`` (seconds spent on the rate limiter),
        ``by_endpoint`` and ``by_status`` (HTTP status as a string, or ``"network"``)."""
        with self._lock:
            snap = dict(self._stats)
            snap["by_endpoint"] = dict(self._stats["by_endpoint"])
            snap["by_status"] = dict(self._stats["by_status"])
        return snap

    # -- one request, with retries --------------------------------------------------------

    def _request(
        self,
        endpoint: str,
        params: list[tuple[str, str]],
        *,
        n_ids: int,
        check: Callable[[bytes, bool], T],
        post: bool = False,
        url: str | None = None,
    ) -> T:
        url = url or f"{self.settings.eutils_url}{endpoint}.fcgi"
        method = "POST" if post or n_ids > self._post_above else "GET"
        params = params + self._identity()
        attempts = self.settings.max_attempts
        for attempt in range(1, attempts + 1):
            waited = self.limiter.acquire(_LANE.get(endpoint, 1))
            self._count(endpoint=endpoint, waited=waited)
            started = time.monotonic()
            try:
                failure, result, status, nbytes = self._attempt(
                    method, url, endpoint, params, check, attempt == attempts)
            finally:
                self.limiter.settle()  # sent by now, or never will be
            log.debug(
                "%s %s: %d ids, attempt %d/%d -> %s, %d bytes in %.3f s%s",
                endpoint, method, n_ids, attempt, attempts, status, nbytes, time.monotonic() - started,
                f" ({self._describe(endpoint, failure)})" if failure else "",
            )
            if failure is None:
                return result
            if not failure.transient or attempt == attempts:
                break
            delay = backoff_delay(attempt, self.settings.backoff_base, self.settings.backoff_max, self._rng)
            if failure.retry_after is not None:
                if failure.retry_after > self.settings.backoff_max:
                    failure.message += f" (server asks to wait {failure.retry_after:.0f} s, longer than backoff_max)"
                    break
                delay = failure.retry_after
            self._count(retry=True)
            log.info(
                "%s; retrying in %.2f s (attempt %d/%d failed)",
                self._describe(endpoint, failure), delay, attempt, attempts,
            )
            if failure.status == 429:
                self.limiter.pause(delay)  # the whole client holds off, not only this thread
            elif delay > 0:
                self._sleep(delay)
        self._count(failed=True)
        raise self._error(failure, attempt, url)

    def _attempt(
        self, method: str, url: str, endpoint: str, params: list[tuple[str, str]],
        check: Callable[[bytes, bool], T], last: bool,
    ) -> tuple[Failure | None, Any, str, int]:
        """Send once; return (failure or None, result, status for logs, bytes received)."""
        settings = self.settings
        where = "params" if method == "GET" else "data"
        try:
            response = self._session.request(
                method, url, timeout=(settings.connect_timeout, settings.read_timeout), stream=True, **{where: params}
            )
        except _NETWORK_ERRORS as exc:
            failure = self._network_failure(endpoint, url, exc, connecting=True)
            self._count(status="network")
            return failure, None, "network", 0
        status = response.status_code
        self._count(status=str(status))
        body, failure, nbytes = self._read_body(response, endpoint, url)
        self._count(nbytes=nbytes)
        if failure is not None:
            return failure, None, str(status), nbytes
        if status != 200:
            return status_failure(status, response.headers, body), None, str(status), nbytes
        failure = body_failure(endpoint, body, self._answer_format)
        if failure is not None:
            return failure, None, "200", nbytes
        try:
            return None, check(body, last), "200", nbytes
        except ResponseError as exc:
            return Failure("response", str(exc), exc.transient, cause=exc.__cause__), None, "200", nbytes

    def _read_body(self, response: requests.Response, endpoint: str, url: str) -> tuple[bytes, Failure | None, int]:
        """The whole (decoded) body, within ``2 * read_timeout`` and checked against Content-Length.

        A body read to the end gives its connection back to the pool (keep-alive); after any
        failure the connection is closed.
        """
        limit = 2 * self.settings.read_timeout
        deadline = time.monotonic() + limit
        raw = response.raw
        chunks: list[bytes] = []
        failure = None
        cap = self.max_response_bytes
        size = 0
        expected = response.headers.get("Content-Length", "")
        if expected.isdigit() and int(expected) > cap:  # refused before a byte of it is read
            response.close()
            return b"", _too_large(endpoint, cap), 0
        try:
            if isinstance(raw, urllib3.response.HTTPResponse) and hasattr(raw, "read1"):
                # urllib3 >= 2: at most one socket read per call, so the deadline is checked often
                pieces: Iterable[bytes] = iter(lambda: raw.read1(65536, decode_content=True), b"")
            else:
                pieces = response.iter_content(65536)
            for chunk in pieces:
                chunks.append(chunk)
                size += len(chunk)
                if size > cap:
                    chunks = []
                    failure = _too_large(endpoint, cap)
                    break
                if time.monotonic() > deadline:
                    message = f"{endpoint}: response still arriving after {limit:g} s; gave up on it"
                    failure = Failure("network", message, True)
                    break
        except _NETWORK_ERRORS as exc:
            failure = self._network_failure(endpoint, url, exc, connecting=False)
        received = _tell(raw, chunks)
        if failure is None and expected.isdigit() and received < int(expected):
            failure = Failure("network", f"{endpoint}: response cut short ({received} of {expected} bytes)", True)
        release = getattr(raw, "release_conn", None)
        if failure is None and release is not None:
            release()
        else:
            response.close()
        return b"".join(chunks), failure, received

    # -- helpers ----------------------------------------------------------------------

    def _identity(self) -> list[tuple[str, str]]:
        """Parameters sent with every request (none here; a subclass adds its service's)."""
        return []

    def _redact(self, text: str) -> str:
        return redact(text, self.settings.api_key)

    def _describe(self, endpoint: str, failure: Failure) -> str:
        text = f"{endpoint}: HTTP {failure.status}: {failure.message}" if failure.kind == "http" else failure.message
        return self._redact(text)

    def _network_failure(self, endpoint: str, url: str, exc: BaseException, *, connecting: bool) -> Failure:
        timeouts = {"connect_timeout": self.settings.connect_timeout, "read_timeout": self.settings.read_timeout}
        return network_failure(endpoint, url, exc, connecting=connecting, **timeouts)

    def _error(self, failure: Failure, attempts: int, url: str) -> SourceError:
        message = failure.message + (f" (gave up after {attempts} attempts)" if attempts > 1 else "")
        message = self._redact(message)
        safe_url = self._redact(url)
        if failure.kind == "network":
            error: SourceError = NetworkError(message)
        elif failure.kind == "http" and failure.status == 429:
            error = RateLimitError(message, safe_url, failure.retry_after)
        elif failure.kind == "http":
            error = HTTPError(failure.status or 0, message, safe_url)
        elif isinstance(failure.cause, _TooLarge):
            error = ResponseTooLarge(message)
        else:
            error = ResponseError(message, transient=failure.transient)
        if isinstance(failure.cause, ParseError):
            error.__cause__ = failure.cause
        return error

    def _count(
        self, *, endpoint: str | None = None, status: str | None = None, nbytes: int = 0,
        waited: float = 0.0, retry: bool = False, failed: bool = False,
    ) -> None:
        with self._lock:
            stats = self._stats
            if endpoint is not None:
                stats["requests"] += 1
                stats["by_endpoint"][endpoint] = stats["by_endpoint"].get(endpoint, 0) + 1
            if status is not None:
                stats["by_status"][status] = stats["by_status"].get(status, 0) + 1
            stats["bytes"] += nbytes
            stats["waited"] += max(0.0, waited)
            stats["retries"] += retry
            stats["failures"] += failed


# -- transport helpers ------------------------------------------------------------------


class _RedactFilter(logging.Filter):
    """Masks ``api_key=...`` in urllib3's own log records, which quote the request URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's problem, not ours
            return True
        if "api_key=" in message.lower():
            record.msg, record.args = redact(message), None
        return True


_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.poolmanager", "urllib3.util.retry")
_REDACT_FILTER = _RedactFilter()


def _redact_urllib3_logs() -> None:
    for name in _URLLIB3_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACT_FILTER not in logger.filters:
            logger.addFilter(_REDACT_FILTER)


def _new_session(settings: Settings) -> requests.Session:
    session = requests.Session()
    adapter = SendReportingAdapter(pool_maxsize=max(10, settings.concurrency), max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"citegraph/{__version__} ({settings.tool})"
    return session


def _tell(raw: Any, chunks: list[bytes]) -> int:
    """Bytes read off the wire (before gzip decoding) when urllib3 can say, else decoded bytes."""
    try:
        return int(raw.tell())
    except Exception:  # noqa: BLE001 - any raw object without a usable tell()
        return sum(map(len, chunks))


def _too_large(endpoint: str, cap: int) -> Failure:
    return Failure("response", f"{endpoint}: the answer is larger than {cap:,} bytes; not read further",
                   False, cause=_TooLarge())
