"""NCBI E-utilities client: ``efetch``, ``elink`` and ``esearch`` over one ``requests`` session.

One :class:`EutilsClient` per process (or per crawl) is meant to be shared by the crawl's
threads: it holds the session, the rate limiter (:mod:`.ratelimit`) and thread-safe counters.

Every request carries ``tool``, ``email`` (when set) and ``api_key`` (when set); more than 200
ids go by POST, fewer by GET. Each attempt takes a slot from the rate limiter, has a connect
and read timeout, and a total deadline for the body (``2 * read_timeout`` after the headers),
so a server that drips bytes cannot hold a thread for ever. Transient failures are retried
with exponential backoff and full jitter, honouring ``Retry-After`` (see :mod:`.retry`):

- HTTP 429 and 5xx, and a 400 whose body reports a backend 502/503/504 (raised, when the
  retries run out, as ``HTTPError`` with the backend's status);
- connection refused, reset or broken mid-body, a body shorter than its Content-Length,
  connect and read timeouts, the body deadline;
- a 200 whose body is empty, an HTML page, plain text ("Resource temporarily unavailable"),
  truncated or malformed XML, or an E-utilities ``ERROR`` that reads like a passing problem.

Other 4xx and permanent ``ERROR`` messages are raised at once. After ``max_attempts`` the
last failure is raised as :class:`~citegraph.errors.NetworkError`, ``HTTPError``,
``RateLimitError`` or ``ResponseError``. No message, log line, repr or stat carries the API
key: requests' own exceptions (which quote the URL) are never chained, only described.
"""

from __future__ import annotations

import http.client
import logging
import random
import re
import threading
import time
from typing import Any, Callable, Iterable, Sequence, TypeVar

import requests
import urllib3
from lxml import etree

from .. import __version__
from ..config import Settings, redact
from ..identifiers import pmid_or_none
from ..links import CITED_IN, REFERENCES
from ..pubmed_xml import Records
from ..pubmed_xml_record import not_a_pmid
from ..errors import (
    HTTPError,
    InputError,
    NetworkError,
    ParseError,
    RateLimitError,
    ResponseError,
    SourceError,
)
from .ratelimit import RateLimiter
from .transport import SendReportingAdapter
from .retry import Failure, backoff_delay, body_failure, looks_temporary, network_failure, status_failure

__all__ = ["EutilsClient", "LinkResult", "ResponseTooLarge", "CITED_IN", "REFERENCES", "POST_ABOVE", "EFETCH_MAX_IDS",
           "MAX_RESPONSE_BYTES"]

log = logging.getLogger("citegraph.eutils")

#: more ids than this go by POST
POST_ABOVE = 200
#: efetch splits larger requests into several of this size
EFETCH_MAX_IDS = 10_000
#: the rate limiter's lanes, which take turns when requests of both wait (see RateLimiter):
#: elink and esearch answers bring more work (a crawl's next generation), efetch answers bring
#: records to parse
_LANE = {"elink": 0, "esearch": 0}

EMPTY_ARTICLE_SET = b'<?xml version="1.0" ?>\n<PubmedArticleSet></PubmedArticleSet>\n'

T = TypeVar("T")

#: the most bytes (decoded) read of one answer; a larger one is refused, never held in memory
MAX_RESPONSE_BYTES = 64 << 20

_ERROR_ELEMENT = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)
#: what may be sent as an id (any NCBI UID: the PMIDs a caller stores pass pmid_or_none)
_UID = re.compile(r"[0-9]{1,20}")
_SET_OPEN = re.compile(rb"<PubmedArticleSet[\s/>]")
_SET_CLOSE = re.compile(rb"(</PubmedArticleSet>|<PubmedArticleSet\s*/>)\s*\Z")
_NETWORK_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


class LinkResult(dict):
    """``{id: [linked ids]}`` for every id NCBI answered, plus :attr:`errors` for the rest.

    An id whose LinkSet carries an ``ERROR`` is *not* a key (so it cannot be mistaken for
    "no links"); it is in ``errors`` with NCBI's message. Every id asked for is in exactly
    one of the two.
    """

    def __init__(self, links: Iterable[tuple[str, list[str]]] | dict = (), errors: dict[str, str] | None = None):
        super().__init__(links)
        #: id -> NCBI's error message for that id
        self.errors: dict[str, str] = dict(errors or {})

    def __repr__(self) -> str:
        return f"LinkResult({dict.__repr__(self)}, errors={self.errors!r})"


class ResponseTooLarge(ResponseError):
    """An answer longer than the client's ``max_response_bytes``; asking again gives the same."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class _TooLarge(Exception):
    """Marks the failure of an over-size answer (turned into :class:`ResponseTooLarge`)."""


class EutilsClient:
    """A thread-safe client for NCBI's E-utilities (PubMed only)."""

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
        (:class:`ResponseTooLarge`) without being kept; efetch then asks for its ids in halves."""
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

    def __repr__(self) -> str:
        return f"EutilsClient({self.settings!r})"

    def __enter__(self) -> "EutilsClient":
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

    # -- public E-utilities ---------------------------------------------------------------

    def efetch(self, pmids: Sequence[str], *, parse: Callable[[bytes], T] | None = None) -> T | bytes:
        """PubMed XML for ``pmids`` (db=pubmed, retmode=xml): ``parse(body)`` or the raw bytes.

        One request, unless there are more than 10,000 ids: then the batches are fetched one
        after another, joined into one ``PubmedArticleSet`` document, and ``parse`` (if given)
        is called once on it. The body must look like a complete ``PubmedArticleSet``
        (otherwise the attempt is retried); a :class:`~citegraph.errors.ParseError` raised by
        ``parse`` also counts as a transient failure, so ``parse`` should parse eagerly. An
        answer over ``max_response_bytes`` is asked for again in two halves of the ids, each
        parsed on its own (``parse`` must then give a list: the lists are joined, see
        :meth:`~citegraph.pubmed_xml.Records.joined`); a record alone over it is left out
        (logged), and raises :class:`ResponseTooLarge` when it is the only id asked for.
        Records NCBI does not have are simply absent: comparing is the caller's job.
        """
        ids = _clean_ids(pmids, "efetch")
        if len(ids) <= EFETCH_MAX_IDS:
            if not ids:
                return parse(EMPTY_ARTICLE_SET) if parse else EMPTY_ARTICLE_SET
            return self._efetch_batch(ids, parse)
        bodies = [
            self._efetch_batch(ids[i : i + EFETCH_MAX_IDS], None) for i in range(0, len(ids), EFETCH_MAX_IDS)
        ]
        body = _join_article_sets(bodies)
        return parse(body) if parse else body

    def efetch_pmc(self, pmcids: Sequence[str], *, parse: Callable[[bytes, list[str]], list[T]]) -> list[T]:
        """PMC full text (db=pmc, JATS XML) for ``pmcids`` ("PMC123" or "123"), read by
        ``parse(body, ids)`` (``ids``: the PMC numbers that request asked for), which returns
        a list; one request for all of them.

        The body must look like a complete ``pmc-articleset`` (otherwise the attempt is
        retried), and a :class:`~citegraph.errors.ParseError` or a transient
        :class:`~citegraph.errors.ResponseError` raised by ``parse`` (say, an id missing from
        the answer) is retried like any transient failure. An answer over
        ``max_response_bytes`` is asked for again in two halves whose lists are joined; an
        article alone over it is left out (logged): the caller sees its id unanswered.
        """
        ids = _clean_pmcids(pmcids)
        if not ids:
            return []
        return self._efetch_pmc_batch(ids, parse)

    def elink(self, pmids: Sequence[str], linkname: str) -> LinkResult:
        """``{id: [linked PMIDs]}`` for ``linkname`` (``CITED_IN`` or ``REFERENCES``).

        One request with one ``id=`` per PMID, so NCBI answers one LinkSet per id. An id with
        a LinkSet but no LinkSetDb maps to ``[]``. An id whose LinkSet holds an ``ERROR`` is
        left out of the mapping and reported in ``result.errors`` (the response is retried
        first when such a message looks temporary). A top-level ``ERROR`` raises
        ``ResponseError``; an id missing from the response raises a transient
        ``ResponseError`` after the retries, never "no links".
        """
        if not linkname or not re.fullmatch(r"[a-z_]+", linkname):
            raise InputError(f"elink: not a link name: {linkname!r}")
        ids = _clean_ids(pmids, "elink")
        if not ids:
            return LinkResult()
        params = [("dbfrom", "pubmed"), ("db", "pubmed"), ("linkname", linkname)]
        params += [("id", pmid) for pmid in ids]
        return self._request(
            "elink", params, n_ids=len(ids), check=lambda body, last: _read_elink(body, ids, linkname, last)
        )

    def esearch(self, term: str, *, retmax: int = 10000, retstart: int = 0, partial: bool = False) -> list[str]:
        """PMIDs matching ``term`` (db=pubmed), at most ``retmax`` from ``retstart``.

        When NCBI reports an ``ErrorList`` (a phrase or field it did not find) it has searched
        what is left of the query, so for ``A AND B`` the ids may be unrelated: the answer is
        ``[]``. With ``partial=True`` the ids are returned anyway; that is right for OR-joined
        lookups (``"A"[doi] OR "B"[doi]``) whose hits the caller checks afterwards.
        """
        if not term or not term.strip():
            raise InputError("esearch: empty search term")
        if retmax < 0 or retstart < 0:
            raise InputError("esearch: retmax and retstart must not be negative")
        params = [("db", "pubmed"), ("term", term), ("retmax", str(retmax)), ("retstart", str(retstart))]
        return self._request(
            "esearch", params, n_ids=0, post=len(term) > 1500, check=lambda body, last: _read_esearch(body, partial)
        )

    def resolve_dois(self, dois: Sequence[str]) -> dict[str, str]:
        """``{doi: pmid}`` for the DOIs PubMed knows, keyed by the DOI exactly as given.

        One esearch ``"<doi>"[doi]`` per distinct DOI (a prefix such as ``doi:`` or
        ``https://doi.org/`` is removed first). DOIs that match no record, or more than one,
        are left out. Anything that is not a DOI (``10.<prefix>/<suffix>``) raises
        ``InputError`` before any request is sent.
        """
        if isinstance(dois, str):
            dois = [dois]
        wanted: dict[str, list[str]] = {}
        for doi in dois:
            norm = _normalize_doi(doi)
            if not re.fullmatch(r"10\.\d+(\.\d+)*/\S.*", norm):
                raise InputError(f"not a DOI: {doi!r}")
            wanted.setdefault(norm, []).append(doi)
        found: dict[str, str] = {}
        for norm, originals in wanted.items():
            pmids = self.esearch(f'"{norm.replace(chr(34), "")}"[doi]', retmax=2)
            if len(pmids) == 1:
                for original in originals:
                    found[original] = pmids[0]
            elif pmids:
                log.info("DOI %s matches %d PubMed records; left unresolved", norm, len(pmids))
        return found

    # -- one request, with retries --------------------------------------------------------

    def _efetch_batch(self, ids: list[str], parse: Callable[[bytes], T] | None) -> T | bytes:
        def check(body: bytes, last: bool) -> Any:
            _check_article_set(body)
            return _parsed(body, parse)

        params = [("db", "pubmed"), ("retmode", "xml"), ("id", ",".join(ids))]
        try:
            return self._request("efetch", params, n_ids=len(ids), check=check)
        except ResponseTooLarge:
            if len(ids) < 2:
                raise
        # each half read (and parsed) on its own: the whole is never in memory as one answer
        half = len(ids) // 2
        answers = []
        for part in (ids[:half], ids[half:]):
            try:
                answers.append(self._efetch_batch(part, parse))
            except ResponseTooLarge as exc:  # one id (more are split again): the others stay
                log.warning("%s; PMID %s is left out of the answer", self._redact(str(exc)), part[0])
        if parse is None:
            return _join_article_sets(answers) if answers else EMPTY_ARTICLE_SET
        if not answers:
            return parse(EMPTY_ARTICLE_SET)
        return Records.joined(answers)  # type: ignore[return-value]

    def _efetch_pmc_batch(self, ids: list[str], parse: Callable[[bytes, list[str]], list[T]]) -> list[T]:
        def check(body: bytes, last: bool) -> list[T]:
            _check_pmc_set(body)
            return _parsed(body, lambda data: parse(data, ids))  # type: ignore[return-value]

        params = [("db", "pmc"), ("retmode", "xml"), ("id", ",".join(ids))]
        try:
            return self._request("efetch", params, n_ids=len(ids), check=check)
        except ResponseTooLarge:
            if len(ids) < 2:
                raise
        half = len(ids) // 2
        answers: list[T] = []
        for part in (ids[:half], ids[half:]):
            try:
                answers += self._efetch_pmc_batch(part, parse)
            except ResponseTooLarge as exc:
                log.warning("%s; PMC%s is left out of the answer", self._redact(str(exc)), part[0])
        return answers

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
        params = [("tool", self.settings.tool)]
        if self.settings.email:
            params.append(("email", self.settings.email))
        if self.settings.api_key:
            params.append(("api_key", self.settings.api_key))
        return params

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


# -- response readers -------------------------------------------------------------------


def _clean_ids(ids: Sequence[str], what: str) -> list[str]:
    """Distinct PMIDs as strings, in order; anything else raises InputError."""
    if isinstance(ids, (str, int)):
        ids = [ids]  # type: ignore[list-item]
    cleaned = list(dict.fromkeys(str(i).strip() for i in ids))
    bad = [i for i in cleaned if not _UID.fullmatch(i)]
    if bad:
        raise InputError(f"{what}: not PubMed ids: {', '.join(map(repr, bad[:5]))}")
    return cleaned


def _too_large(endpoint: str, cap: int) -> Failure:
    return Failure("response", f"{endpoint}: the answer is larger than {cap:,} bytes; not read further",
                   False, cause=_TooLarge())


def _parsed(body: bytes, parse: Callable[[bytes], T] | None) -> T | bytes:
    """``parse(body)`` (``body`` itself without ``parse``); a ParseError is a transient ResponseError."""
    if parse is None:
        return body
    try:
        return parse(body)
    except ParseError as exc:
        raise ResponseError(f"efetch: the response could not be parsed: {exc}", transient=True) from exc


def _normalize_doi(doi: str) -> str:
    doi = str(doi).strip()
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)
    return doi.strip()


def _error_message(texts: Iterable[str | None]) -> str:
    return "; ".join(" ".join((t or "").split()) for t in texts) or "unspecified error"


def _check_document(body: bytes, root: str, opening: re.Pattern, closing: re.Pattern) -> None:
    """Raise ResponseError unless ``body`` looks like one complete ``root`` document (an efetch
    answer): NCBI's own error elements are named, a cut or foreign answer is transient."""
    head = body[:8192]
    if not opening.search(head):
        errors = _ERROR_ELEMENT.findall(head)
        if errors:
            message = _error_message(e.decode("utf-8", "replace") for e in errors)
            raise ResponseError(f"efetch: NCBI reports an error: {message}", transient=looks_temporary(message))
        raise ResponseError(f"efetch: the response is not a {root} document", transient=True)
    if not closing.search(body[-512:]):
        raise ResponseError(f"efetch: the response ends before </{root}> (truncated)", transient=True)


def _check_article_set(body: bytes) -> None:
    """Raise ResponseError unless ``body`` looks like one complete PubmedArticleSet document."""
    _check_document(body, "PubmedArticleSet", _SET_OPEN, _SET_CLOSE)


_PMC_OPEN = re.compile(rb"<pmc-articleset[\s/>]")
_PMC_CLOSE = re.compile(rb"(</pmc-articleset>|<pmc-articleset\s*/>)\s*\Z")
_PMCID = re.compile(r"(?:PMC)?([0-9]{1,12})", re.I)


def _clean_pmcids(ids: Sequence[str]) -> list[str]:
    """Distinct PMC numbers (digits, no "PMC"), in order; anything else raises InputError."""
    if isinstance(ids, (str, int)):
        ids = [ids]  # type: ignore[list-item]
    cleaned: dict[str, None] = {}
    bad = []
    for value in ids:
        match = _PMCID.fullmatch(str(value).strip())
        if match and int(match.group(1)) > 0:
            cleaned[str(int(match.group(1)))] = None
        else:
            bad.append(str(value))
    if bad:
        raise InputError(f"efetch: not PMC ids: {', '.join(map(repr, bad[:5]))}")
    return list(cleaned)


def _check_pmc_set(body: bytes) -> None:
    """Raise ResponseError unless ``body`` looks like one complete pmc-articleset document."""
    _check_document(body, "pmc-articleset", _PMC_OPEN, _PMC_CLOSE)


def _join_article_sets(bodies: list[bytes]) -> bytes:
    """One PubmedArticleSet holding the records of several (each already checked complete)."""
    prolog = b""
    inners: list[bytes] = []
    for i, body in enumerate(bodies):
        opening = _SET_OPEN.search(body[:8192])
        assert opening is not None  # guaranteed by _check_article_set
        open_end = body.index(b">", opening.start()) + 1
        if i == 0:
            prolog = body[: opening.start()]
        if body[:open_end].rstrip(b">").rstrip().endswith(b"/"):  # <PubmedArticleSet/>
            continue
        inners.append(body[open_end : body.rindex(b"</PubmedArticleSet>")])
    return prolog + b"<PubmedArticleSet>" + b"".join(inners) + b"</PubmedArticleSet>\n"


def _parse_xml(body: bytes, endpoint: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ResponseError(f"{endpoint}: truncated or malformed XML ({exc})", transient=True) from None


#: the linked ids of one LinkSetDb, as plain strings, in one call
_LINK_IDS = etree.XPath("Link/Id/text()", smart_strings=False)


def _read_elink(body: bytes, asked: list[str], linkname: str, last: bool) -> LinkResult:
    root = _parse_xml(body, "elink")
    top = root.findall("ERROR")
    if top:
        message = _error_message(e.text for e in top)
        raise ResponseError(f"elink: NCBI reports an error: {message}", transient=looks_temporary(message))
    if root.tag != "eLinkResult":
        raise ResponseError(f"elink: unexpected <{root.tag}> document instead of eLinkResult", transient=True)
    wanted = set(asked)
    links: dict[str, dict[str, None]] = {}
    errors: dict[str, str] = {}
    unattributed: list[str] = []
    for linkset in root.findall("LinkSet"):
        ids = [(e.text or "").strip() for e in linkset.findall("IdList/Id")]
        messages = [e.text for e in linkset.findall("ERROR")]
        if len(ids) != 1:
            if messages:
                unattributed.append(_error_message(messages))
                continue
            if not ids:
                continue
            raise ResponseError(
                f"elink: one LinkSet for {len(ids)} ids (merged answer); cannot tell which id links where",
                transient=False,
            )
        pmid = ids[0]
        if pmid not in wanted:
            log.debug("elink: ignoring LinkSet for id %s, which was not asked for", pmid)
            continue
        if messages:
            errors[pmid] = _error_message(messages)
            continue
        found = links.setdefault(pmid, {})  # a dict: ordered, and deduplicated in O(1)
        for db in linkset.findall("LinkSetDb"):
            name = (db.findtext("LinkName") or linkname).strip()
            if name != linkname:
                continue
            for linked in _LINK_IDS(db):
                pmid_linked = pmid_or_none(linked)
                if pmid_linked is not None:
                    found[pmid_linked] = None
                elif linked.strip():  # the LinkSet cannot be trusted: failed, never half-taken
                    errors[pmid] = f"the answer links it to an id that is not one ({not_a_pmid(linked)})"
                    break
    for pmid in errors:
        links.pop(pmid, None)
    missing = [i for i in asked if i not in links and i not in errors]
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        detail = f"; NCBI says: {'; '.join(unattributed)}" if unattributed else ""
        transient = looks_temporary(" ".join(unattributed)) if unattributed else True
        raise ResponseError(
            f"elink: {len(missing)} of {len(asked)} ids missing from the response ({shown}){detail}",
            transient=transient,
        )
    temporary = {i: m for i, m in errors.items() if looks_temporary(m)}
    if temporary and not last:
        raise ResponseError(f"elink: temporary errors for {len(temporary)} ids: {next(iter(temporary.values()))}")
    return LinkResult(((i, list(links[i])) for i in asked if i in links),
                      errors={i: errors[i] for i in asked if i in errors})


def _read_esearch(body: bytes, partial: bool) -> list[str]:
    root = _parse_xml(body, "esearch")
    top = root.findall("ERROR")
    if top:
        message = _error_message(e.text for e in top)
        raise ResponseError(f"esearch: NCBI reports an error: {message}", transient=looks_temporary(message))
    if root.tag != "eSearchResult":
        raise ResponseError(f"esearch: unexpected <{root.tag}> document instead of eSearchResult", transient=True)
    error_list = root.find("ErrorList")
    if error_list is not None and len(error_list):
        log.debug("esearch: NCBI did not find %s", _error_message(f"{e.tag} {e.text}" for e in error_list))
        if not partial:
            return []
    id_list = root.find("IdList")
    if id_list is None:
        if (root.findtext("Count") or "").strip() == "0":
            return []
        raise ResponseError("esearch: the response has no IdList", transient=True)
    ids = [(e.text or "").strip() for e in id_list.findall("Id") if (e.text or "").strip()]
    announced = (root.findtext("RetMax") or "").strip()  # NCBI writes the number of ids returned
    if announced.isdigit() and int(announced) != len(ids):
        raise ResponseError(f"esearch: {announced} ids announced, {len(ids)} received", transient=True)
    return ids
