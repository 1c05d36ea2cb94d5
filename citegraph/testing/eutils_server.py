"""A local NCBI E-utilities server for tests, demos and benchmarks.

It answers ``/entrez/eutils/{efetch,elink,esearch,esummary}.fcgi`` (also without ``.fcgi``)
by GET or POST from a :class:`~citegraph.testing.corpus.Corpus`, in the byte shapes of the
real service (see :mod:`citegraph.testing.responses`), and can behave like the real service on
a bad day: a per-client rate limit answered with HTTP 429, latency, and reproducible faults
(:mod:`citegraph.testing.faults`). ``GET /_stats`` reports what it served. ``coverage``
(:class:`~citegraph.testing.coverage.Coverage`) makes the APIs know different shares of the
corpus's citations, as the real ones do (``--citedin-from pmc``, ``--coverage icite=0.9``).

    with EutilsServer(Corpus.synthetic(1000, seed=1), rate_limit=3) as server:
        requests.get(server.url + "efetch.fcgi", params={"db": "pubmed", "id": "90000001"})

Command line (``python -m citegraph.testing.eutils_server --help``): prints exactly
``listening on http://127.0.0.1:PORT`` on stdout when ready, then one line per request on
stderr. The API key never appears in a log line or in the statistics.
"""

from __future__ import annotations

import hashlib
import socket
import sys
import threading
import time
from collections import Counter, deque
from http.server import ThreadingHTTPServer
from typing import Callable, Iterable, Mapping

from . import responses
from .citation_apis import CitationApis, count_by_api
from .citation_apis import ENDPOINTS as CITATION_ENDPOINTS
from .corpus import Corpus
from .coverage import CITEDIN_FROM, COVERAGE_APIS, Coverage
from .endpoints import ENDPOINTS, Query, error_document
from .reply import Reply
from .faults import Fault, FaultPlan, canonical_params, checked_kinds
from .http_server import AppServer, RequestHandler
from .outcome import Outcome, error_page
from .ratelimit import SlidingWindow

__all__ = ["EutilsServer", "FaultLog", "main"]

PREFIX = "/entrez/eutils/"


class FaultLog(list):
    """A list of (endpoint, kind) that can also be called to get itself."""

    def __call__(self) -> list[tuple[str, str]]:
        return list(self)


class EutilsServer:
    """An E-utilities look-alike on 127.0.0.1, serving ``corpus`` from a background thread."""

    def __init__(
        self,
        corpus: Corpus,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        per_record_ms: float = 0,
        rate_limit: int | None = None,
        faults: FaultPlan | Mapping[str, float] | None = None,
        seed: int = 0,
        retry_after: float | None = None,
        stall_seconds: float = 10.0,
        log: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        coverage: Coverage | None = None,
    ) -> None:
        """``clock``: the time the rate limit's rolling window is counted in (tests pass a
        clock of their own to decide which requests fall in one window)."""
        self.corpus = corpus
        #: what each API knows of the corpus's citations (default: all of them)
        self.coverage = coverage or Coverage()
        self.host = host
        self.port = port
        self.latency_ms = latency_ms
        self.per_record_ms = per_record_ms
        self.rate_limit = rate_limit
        if faults is None or isinstance(faults, FaultPlan):
            self.faults = faults or FaultPlan({}, seed=seed)
        else:
            self.faults = FaultPlan(faults, seed=seed)
        self.retry_after = retry_after
        self.stall_seconds = stall_seconds
        self.log = log
        self._window = SlidingWindow(clock=clock)
        self._lock = threading.Lock()
        self._seen: Counter = Counter()
        self._forced: dict[str, deque[str]] = {}
        self._stats_total = 0
        self._by_endpoint: Counter = Counter({name: 0 for name in ENDPOINTS})
        self._by_status: Counter = Counter()
        self._too_many_by_api: Counter = Counter()
        self._fault_log: list[tuple[str, str]] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        #: iCite, Europe PMC and OpenCitations on the same port (see citation_apis)
        self.apis = CitationApis(self)

    # -- life cycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL, ``http://127.0.0.1:PORT/entrez/eutils/`` (valid once started)."""
        return f"http://{self.host}:{self.port}{PREFIX}"

    def start(self) -> "EutilsServer":
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        httpd = AppServer((self.host, self.port), RequestHandler)
        httpd.app = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name=f"eutils-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: the port is closed and open keep-alive connections are cut."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "EutilsServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- statistics and control -------------------------------------------------------------------
    def stats(self) -> dict:
        """``{"total": N, "by_endpoint": {...}, "by_status": {"200": N, ...}, "by_api": {"eutils": N,
        "icite": N, ...}, "429_by_api": {"eutils": N, "icite": N, ...}, "faults": {kind: N, ...}}``
        (what /_stats sends; ``faults`` counts the :attr:`fault_log`)."""
        with self._lock:
            return {
                "total": self._stats_total,
                "by_endpoint": dict(self._by_endpoint),
                "by_status": {str(k): v for k, v in sorted(self._by_status.items())},
                "by_api": count_by_api(self._by_endpoint),
                "429_by_api": {api: self._too_many_by_api.get(api, 0) for api in count_by_api({})},
                "faults": dict(Counter(kind for _, kind in self._fault_log)),
            }

    def reset_stats(self) -> None:
        with self._lock:
            self._stats_total = 0
            self._by_endpoint = Counter({name: 0 for name in ENDPOINTS})
            self._by_status = Counter()
            self._too_many_by_api = Counter()
            self._fault_log = []

    @property
    def fault_log(self) -> "FaultLog":
        """(endpoint, kind) of every fault injected since the last ``reset_stats``, in order.

        A list; calling it (``server.fault_log()``) gives the same list, for callers that
        treat it as a method.
        """
        with self._lock:
            return FaultLog(self._fault_log)

    def force(self, endpoint: str, kinds: Iterable[str]) -> None:
        """Make the next requests to ``endpoint`` (``"*"``: any endpoint) fail with ``kinds``,
        one kind per request, before any drawn fault."""
        if endpoint in CITATION_ENDPOINTS:
            return self.apis.force(endpoint, kinds)
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        kinds = checked_kinds(kinds)
        with self._lock:
            self._forced.setdefault(endpoint, deque()).extend(kinds)

    # -- request handling (no sockets: testable directly) -----------------------------------------
    def handle(self, path: str, params: list[tuple[str, str]], client_ip: str) -> Outcome:
        """Answer one request: rate limit, fault, endpoint, latency."""
        if self.apis.serves(path):
            return self.apis.handle(path, params, client_ip)
        name = path[len(PREFIX):] if path.startswith(PREFIX) else None
        if name is not None and name.endswith(".fcgi"):
            name = name[: -len(".fcgi")]
        if name not in ENDPOINTS:
            out = Outcome("", 404, b"<html><body><h1>404 Not Found</h1></body></html>\n", "text/html; charset=UTF-8")
            self._count(out)
            return out
        query = Query(params)
        api_key = query.first("api_key")
        # the key itself is never stored, only a digest of it
        client = "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:16] if api_key else client_ip
        count = self._window.hit(client)
        limit = self.rate_limit
        if limit is not None and count > limit:
            out = self._too_many(name, api_key or client_ip, count, limit or 0)
        else:
            fault = self._next_fault(name, params)
            out = self._answer(name, query, fault, api_key or client_ip, count)
        if limit is not None:
            out.headers["X-RateLimit-Limit"] = str(limit)
            out.headers["X-RateLimit-Remaining"] = str(max(0, limit - count))
            out.headers["Access-Control-Expose-Headers"] = "X-RateLimit-Limit,X-RateLimit-Remaining"
        self._count(out)
        return out

    def _too_many(self, name: str, who: str, count: int, limit: int) -> Outcome:
        out = Outcome(name, 429, responses.rate_limit_body(who, count, limit), "application/json")
        if self.retry_after is not None:
            out.headers["Retry-After"] = f"{self.retry_after:g}"
        return out

    def _next_fault(self, name: str, params: list[tuple[str, str]]) -> Fault | None:
        with self._lock:
            for key in (name, "*"):
                queue = self._forced.get(key)
                if queue:
                    kind = queue.popleft()
                    digest = hashlib.blake2b(repr((name, canonical_params(params))).encode(), digest_size=8)
                    return Fault(kind, int.from_bytes(digest.digest(), "big"), forced=True)
            if not self.faults.rates:
                return None
            signature = (name, canonical_params(params))
            nth = self._seen[signature]
            self._seen[signature] = nth + 1
        return self.faults.draw(name, params, nth)

    def _answer(self, name: str, query: Query, fault: Fault | None, who: str, count: int) -> Outcome:
        kind = fault.kind if fault else None
        if kind == "429":
            out = self._too_many(name, who, count, self.rate_limit or 3)
        elif kind in ("5xx", "html200"):
            out = error_page(name, kind, fault.token)  # type: ignore[union-attr]
        elif kind == "error200":
            out = Outcome(name, 200, error_document(name), "text/xml; charset=UTF-8")
        else:
            drop = fault.token if kind == "short" else None  # type: ignore[union-attr]
            out, kind = self._served(
                name, lambda: ENDPOINTS[name](self.coverage.view(self.corpus, "pubmed"), query, drop), fault)
        return self._finished(out, name, kind)

    def _served(self, name: str, answer: Callable[[], Reply], fault: Fault | None) -> tuple[Outcome, str | None]:
        """The outcome of the answer ``answer()`` gives (a 500 page if it raises), as ``fault``
        delivers it: cut short (``truncate``), cut off (``reset``), held back (``stall``), or as
        it is; and the fault that took effect (``short`` only when an item was left out)."""
        kind = fault.kind if fault else None
        try:
            reply = answer()
        except Exception as exc:  # a bug here must not kill the server thread silently
            reply = Reply(500, responses.server_error_page(500), "text/html")
            self._emit(f"internal error in {name}: {type(exc).__name__}: {exc}")
        out = Outcome(name, reply.status, reply.body, reply.content_type)
        out.items = reply.items
        if kind == "short" and not reply.shortened:
            kind = None  # nothing to leave out: the answer goes as it is, no fault
        if kind == "truncate" and len(reply.body) > 2:
            cut = min(len(reply.body) - 1, max(1, int(len(reply.body) * fault.fraction())))  # type: ignore[union-attr]
            out.body = reply.body[:cut]
        elif kind == "reset":
            out.reset_at = max(0, min(len(reply.body) - 1, int(len(reply.body) * fault.fraction())))  # type: ignore[union-attr]
        elif kind == "stall":
            out.delay += self.stall_seconds
        return out, kind

    def _finished(self, out: Outcome, name: str, kind: str | None) -> Outcome:
        """``out`` with its fault named, the server's latency added, and the fault logged."""
        out.fault = kind
        out.delay += (self.latency_ms + self.per_record_ms * out.items) / 1000.0
        if kind is not None:
            with self._lock:
                self._fault_log.append((name, kind))
        return out

    def _count(self, out: Outcome) -> None:
        with self._lock:
            self._stats_total += 1
            if out.endpoint:
                self._by_endpoint[out.endpoint] += 1
            self._by_status[out.status] += 1
            if out.status == 429:
                name = out.endpoint
                self._too_many_by_api[name.split("/", 1)[0] if "/" in name else "eutils"] += 1

    def _emit(self, line: str) -> None:
        if self.log is not None:
            try:
                self.log(line)
            except Exception:  # logging must never break serving
                pass

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _parse_args(argv: list[str] | None):
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m citegraph.testing.eutils_server",
        description="Serve PubMed records like NCBI's E-utilities, on 127.0.0.1.",
    )
    parser.add_argument("--corpus", nargs="+", default=[], metavar="FILE",
                        help="PubMed XML files (.xml or .xml.gz); later files replace earlier records")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N", help="add N synthetic records")
    parser.add_argument("--pmc", nargs="+", default=[], metavar="FILE",
                        help="real PMC articles (.nxml) served by efetch db=pmc (synthetic records get synthetic JATS)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the synthetic corpus and the faults")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--latency-ms", type=float, default=0, help="added to every request")
    parser.add_argument("--per-record-ms", type=float, default=0, help="added per record returned")
    parser.add_argument("--rate-limit", type=int, default=None, metavar="R",
                        help="at most R requests per client in any 1 s window (HTTP 429 beyond)")
    parser.add_argument("--retry-after", type=float, default=None, help="send Retry-After with 429s")
    parser.add_argument("--fail-rate", type=float, default=0.0, metavar="X",
                        help="probability of a fault per request, spread over the kinds")
    parser.add_argument("--faults", default="", metavar="SPEC", help="e.g. 5xx=0.1,reset=0.05,truncate=0.05")
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines")
    parser.add_argument("--api-rate-limits", default="", metavar="API=R,...",
                        help="at most R requests per client in any 1 s window to that API (icite, europepmc, "
                             "opencitations), HTTP 429 beyond")
    parser.add_argument("--citedin-from", choices=CITEDIN_FROM, default="all",
                        help="elink's cited-by lists name every citing record (all) or only those with a "
                             "PMC id (pmc, as PubMed's do)")
    parser.add_argument("--coverage", default="", metavar="SOURCE=FRACTION,...",
                        help=f"the share of the corpus's citations a source knows, the rest left out by a "
                             f"seeded hash, e.g. icite=0.9 (sources: {', '.join(COVERAGE_APIS)})")
    parser.add_argument("--prerender", action="store_true",
                        help="render every synthetic record at start (faster answers, more memory)")
    args = parser.parse_args(argv)
    if not args.corpus and not args.synthetic and not args.pmc:
        parser.error("give --corpus FILE..., --synthetic N and/or --pmc FILE...")
    if args.fail_rate and args.faults:
        parser.error("use either --fail-rate or --faults")
    limits = {}
    for part in filter(None, (p.strip() for p in args.api_rate_limits.split(","))):
        api, _, value = part.partition("=")
        if api not in ("icite", "europepmc", "opencitations") or not value.isdigit():
            parser.error(f"--api-rate-limits: {part!r} is not API=R (icite, europepmc or opencitations)")
        limits[api] = int(value)
    args.api_rate_limits = limits
    try:
        args.coverage = Coverage.from_known(args.coverage, citedin_from=args.citedin_from, seed=args.seed)
    except ValueError as exc:
        parser.error(f"--coverage: {exc}")
    return args


def main(argv: list[str] | None = None) -> int:
    import signal

    args = _parse_args(argv)
    try:
        if args.faults:
            plan = FaultPlan.parse(args.faults, seed=args.seed)
        else:
            plan = FaultPlan.uniform(args.fail_rate, seed=args.seed) if args.fail_rate else FaultPlan({}, seed=args.seed)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    corpus = Corpus.load(args.corpus) if args.corpus else Corpus()
    if args.synthetic:
        from .synthetic import SyntheticCorpus

        corpus.add_synthetic(SyntheticCorpus(args.synthetic, args.seed))
    if args.pmc:
        from .pmc_answers import add_pmc_files

        try:
            add_pmc_files(corpus, args.pmc)
        except (OSError, ValueError) as exc:
            print(f"error: --pmc: {exc}", file=sys.stderr)
            return 2
    if args.prerender:
        corpus.render_all()
    # handler threads take their arrival time (for the rate limit) as soon as they hold the
    # interpreter lock: a short switch interval keeps that prompt while responses are built
    sys.setswitchinterval(0.0005)
    info = corpus.warm().summary()
    print(f"corpus: {info['records']} records, {info['edges']} citation links "
          f"({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    server = EutilsServer(corpus, port=args.port, latency_ms=args.latency_ms, per_record_ms=args.per_record_ms,
                          rate_limit=args.rate_limit, faults=plan, retry_after=args.retry_after,
                          log=None if args.quiet else log, coverage=args.coverage)
    server.apis.rate_limits.update(args.api_rate_limits)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        server.start()
    except OSError as exc:
        print(f"error: cannot listen on {args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"listening on http://127.0.0.1:{server.port}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print("stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
