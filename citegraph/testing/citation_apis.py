"""iCite, Europe PMC and the OpenCitations Index on the local E-utilities server's port.

:class:`CitationApis` is what an :class:`~citegraph.testing.eutils_server.EutilsServer`
hands the requests below these paths to (its ``apis`` attribute):

=================  ===================================================  ============================
API                path                                                 endpoints
=================  ===================================================  ============================
``icite``          ``/icite/api/pubs?pmids=...``, ``/icite/api/pubs/N`` ``icite/pubs``
``europepmc``      ``/europepmc/webservices/rest/{SRC}/{id}/citations``  ``europepmc/citations``,
                   (and ``/references``)                                ``europepmc/references``
``opencitations``  ``/opencitations/index/v2/citations/pmid:N``          ``opencitations/citations``,
                   (and ``/references/...``; ``doi:`` ids too)          ``opencitations/references``
=================  ===================================================  ============================

The answers come from the server's corpus (:mod:`citegraph.testing.citation_answers`). Around
them, as for E-utilities: a rate limit per API and client (:attr:`CitationApis.rate_limits`,
requests in any one-second window; HTTP 429 beyond, with the server's ``retry_after``), the
server's latency, and its faults, drawn from the server's :class:`~.faults.FaultPlan` per
endpoint and request or forced with ``server.force("icite/pubs", [...])``. The fault kinds
mean what they mean for E-utilities, in the API's terms: ``5xx``, ``429``, ``reset``,
``truncate`` (a JSON body cut short), ``html200``, ``stall``; ``error200`` is Europe PMC's
``errCode`` answer (the other two APIs have no documented error-with-200 shape, so there it
is no fault); ``short`` is no fault here (a left-out paper or link could not be told from
one the service does not have). Requests and faults are counted in the server's statistics
under the endpoint names above.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter, deque
from typing import Any, Callable, Iterable

from .citation_answers import ANSWERS, CorpusFacts, europepmc_error
from .endpoints import Query
from .faults import Fault, canonical_params, checked_kinds
from .outcome import Outcome, error_page
from .ratelimit import SlidingWindow

__all__ = ["CitationApis", "ENDPOINTS", "APIS", "route", "count_by_api"]

#: API -> path prefix on the server
APIS = {
    "icite": "/icite/api/",
    "europepmc": "/europepmc/webservices/rest/",
    "opencitations": "/opencitations/index/v2/",
}
ENDPOINTS = tuple(ANSWERS)
_ICITE = re.compile(r"/icite/api/pubs(?:/(?P<pmid>[^/]+))?/?")
_EUROPEPMC = re.compile(r"/europepmc/webservices/rest/(?P<source>[A-Za-z]+)/(?P<id>[^/]+)/(?P<list>citations|references)/?")
_OPENCITATIONS = re.compile(r"/opencitations/index/v2/(?P<list>citations|references)/(?P<id>[^/]+)/?")


def route(path: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(endpoint name, the path's parameters as query pairs) for a path of one of the APIs,
    or None."""
    match = _ICITE.fullmatch(path)
    if match:
        return "icite/pubs", [("pmids", match["pmid"])] if match["pmid"] else []
    match = _EUROPEPMC.fullmatch(path)
    if match:
        return f"europepmc/{match['list']}", [("source", match["source"]), ("id", match["id"]),
                                              ("list", match["list"])]
    match = _OPENCITATIONS.fullmatch(path)
    if match:
        return f"opencitations/{match['list']}", [("id", match["id"]), ("list", match["list"])]
    return None


def count_by_api(by_endpoint: dict[str, int]) -> dict[str, int]:
    """Requests per API (``eutils`` for the E-utilities endpoints) from counts per endpoint."""
    counts: Counter = Counter({"eutils": 0, **{api: 0 for api in APIS}})
    for name, n in by_endpoint.items():
        counts[name.split("/", 1)[0] if "/" in name else "eutils"] += n
    return dict(counts)


class CitationApis:
    """The three APIs of one server: routing, rate limits, faults; answers from its corpus."""

    def __init__(self, server: Any) -> None:
        self.server = server
        #: API -> requests allowed per client in any one-second window (None: no limit)
        self.rate_limits: dict[str, int | None] = dict.fromkeys(APIS)
        #: what the rate limit windows tell time by (a test may set a fake clock)
        self.clock: Callable[[], float] = time.monotonic
        #: api -> (corpus, coverage, the facts of the corpus as the api sees it)
        self._facts: dict[str, tuple[object, object, CorpusFacts]] = {}
        self._windows = {api: SlidingWindow(clock=lambda: self.clock()) for api in APIS}
        self._forced: dict[str, deque[str]] = {}
        self._seen: Counter = Counter()
        self._lock = threading.Lock()

    def urls(self) -> dict[str, str]:
        """The base URLs to give :class:`~citegraph.config.Settings` (``icite_url``,
        ``europepmc_url``, ``opencitations_url``) once the server is started."""
        base = f"http://{self.server.host}:{self.server.port}"
        return {f"{api}_url": base + prefix for api, prefix in APIS.items()}

    @staticmethod
    def serves(path: str) -> bool:
        return any(path.startswith(prefix) for prefix in APIS.values())

    def force(self, endpoint: str, kinds: Iterable[str]) -> None:
        """Make the next requests to ``endpoint`` fail with ``kinds``, one kind per request."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        kinds = checked_kinds(kinds)
        with self._lock:
            self._forced.setdefault(endpoint, deque()).extend(kinds)

    def handle(self, path: str, params: list[tuple[str, str]], client_ip: str) -> "Outcome":
        """Answer one request: rate limit, fault, answer, latency (and count it in the server's
        statistics)."""

        server = self.server
        routed = route(path)
        if routed is None:
            out = Outcome("", 404, json.dumps({"error": "not found"}).encode(), "application/json")
            server._count(out)
            return out
        name, path_params = routed
        api = name.split("/", 1)[0]
        params = path_params + list(params)  # the path's values come first: they win
        count = self._windows[api].hit(client_ip)
        limit = self.rate_limits.get(api)
        if limit is not None and count > limit:
            out = self._too_many(name)
        else:
            out = self._answer(name, params, self._next_fault(name, params))
        if limit is not None:
            out.headers["X-RateLimit-Limit"] = str(limit)
            out.headers["X-RateLimit-Remaining"] = str(max(0, limit - count))
        server._count(out)
        return out

    def _too_many(self, name: str) -> "Outcome":

        out = Outcome(name, 429, json.dumps({"error": "Too Many Requests"}).encode(), "application/json")
        if self.server.retry_after is not None:
            out.headers["Retry-After"] = f"{self.server.retry_after:g}"
        return out

    def _next_fault(self, name: str, params: list[tuple[str, str]]) -> Fault | None:
        with self._lock:
            queue = self._forced.get(name)
            if queue:
                digest = hashlib.blake2b(repr((name, canonical_params(params))).encode(), digest_size=8)
                return Fault(queue.popleft(), int.from_bytes(digest.digest(), "big"), forced=True)
            plan = self.server.faults
            if not plan.rates:
                return None
            signature = (name, canonical_params(params))
            nth = self._seen[signature]
            self._seen[signature] = nth + 1
        return plan.draw(name, params, nth)

    def _answer(self, name: str, params: list[tuple[str, str]], fault: Fault | None) -> "Outcome":

        server = self.server
        kind = fault.kind if fault else None
        if kind == "short" or (kind == "error200" and not name.startswith("europepmc/")):
            kind = None  # no such failure for this API (see the module's docstring)
        if kind == "429":
            out = self._too_many(name)
        elif kind in ("5xx", "html200"):
            out = error_page(name, kind, fault.token)  # type: ignore[union-attr]
        elif kind == "error200":
            out = Outcome(name, 200, europepmc_error(), "application/json")
        else:
            out, kind = server._served(
                name, lambda: ANSWERS[name](self._corpus_facts(name.split("/", 1)[0]), Query(params)),
                fault if kind else None)
        return server._finished(out, name, kind)

    def _corpus_facts(self, api: str) -> CorpusFacts:
        """The facts of the corpus as ``api`` sees it (see the server's ``coverage``)."""
        corpus, coverage = self.server.corpus, self.server.coverage
        with self._lock:
            held = self._facts.get(api)
            if held is None or held[0] is not corpus or held[1] is not coverage:
                held = self._facts[api] = (corpus, coverage, CorpusFacts(coverage.view(corpus, api)))
            return held[2]
