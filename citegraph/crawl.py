"""The crawl: breadth-first, generation by generation, from seed PMIDs through E-utilities.

Per generation the frontier is linked in batches (elink, one LinkSet per id) and the records
of newly seen PMIDs are fetched in batches (efetch). Batches run concurrently on a thread pool
while the client's rate limiter paces the requests; results are committed from this thread
only, each batch in the same transaction as the frontier change it causes (batches that arrive
together share one). A crash therefore loses at most the batches in flight, and running the
same crawl again resumes from the ``crawl_nodes`` table without refetching anything already
stored.

Linking of generation g+1 starts only once generation g is completely linked, so the
generation recorded for a paper is always its hop distance from the nearest seed; fetching
overlaps freely with linking.

Sources (``CrawlOptions.sources``, :data:`SOURCES`): ``pubmed`` (elink and the records'
reference lists; every crawl has it, the records come from PubMed); ``icite`` (the NIH Open
Citation Collection: one request for up to :data:`ICITE_BATCH` papers, answering their citing
papers, references and metrics); ``europepmc`` and ``opencitations`` (one request per paper and
direction). With iCite a link batch holds up to that many papers: elink is asked in batches of
``link_batch``, iCite once, the per-paper sources paper by paper, and the batch fails or
succeeds as a whole. With iCite the papers of the last generation, which are not linked, go
through the same stage for their iCite metrics alone. What each source reports is stored as
that source's edge (its bit in ``citations.sources``); a paper only one source reports joins
the crawl all the same; a paper outside PubMed (a preprint, a DOI only) is stored as an
external paper with what the source gave (:meth:`Store.put_external_citations`), never
followed. iCite's metrics are stored with the time they were fetched
(:meth:`Store.put_icite_metrics`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable, Protocol, Sequence

from .deferred_signals import signals_deferred
from .errors import InputError, NetworkError, ResponseError, SourceError, StoreError
from .filters import Filters, PaperRecord, fold
from .models import Article
from .parse_pool import REFERENCE_LIST_SOURCE, RecordDigest, digest_articles
from .store import PreparedArticles, Store, source_bit

__all__ = ["CrawlOptions", "CrawlProgress", "CrawlReport", "Crawler", "DIRECTIONS", "LINKNAMES", "SOURCES",
           "ICITE_BATCH", "SOURCE_ICITE", "PER_PAPER_SOURCES", "parse_sources", "crawl_sources"]

DIRECTIONS = ("cited-by", "references", "both")
LINKNAMES = {"cited-by": "pubmed_pubmed_citedin", "references": "pubmed_pubmed_refs"}
SOURCE_CITEDIN = "elink:pubmed_pubmed_citedin"
SOURCE_REFS = "elink:pubmed_pubmed_refs"
SOURCE_RECORD = REFERENCE_LIST_SOURCE
SOURCE_ICITE = "icite"
#: the sources asked paper by paper (one request per paper and direction)
PER_PAPER_SOURCES = ("europepmc", "opencitations")
_CITEDIN_BIT, _REFS_BIT, _ICITE_BIT = source_bit(SOURCE_CITEDIN), source_bit(SOURCE_REFS), source_bit(SOURCE_ICITE)
#: the citation sources a crawl can ask, in the order they are named
SOURCES = ("pubmed", "icite", "europepmc", "opencitations")
#: papers per iCite request (its documented maximum)
ICITE_BATCH = 1000
#: how the report names a reason for leaving a paper out (others are "type:NAME": NAME)
_EXCLUSION_NAMES = {"year": "year window", "": "year window"}
#: extra efetch rounds for ids a response left out before calling them unknown
_REASK_ROUNDS = 4
#: at most this many answers are written in one transaction (see _Run._complete_ready)
_ANSWERS_PER_COMMIT = 4


class EutilsLike(Protocol):
    """What the crawl needs from an E-utilities client (see sources.eutils.EutilsClient)."""

    def efetch(self, pmids: Sequence[str], *, parse: Callable[[bytes], list[Article]]) -> list[Article]: ...
    def elink(self, pmids: Sequence[str], linkname: str) -> dict[str, list[str]]: ...


class ICiteLike(Protocol):
    """What the crawl needs from an iCite client (see sources.icite.ICiteClient)."""

    def pubs(self, pmids: Iterable[int | str]) -> dict: ...


def parse_sources(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"pubmed,icite"`` (or names) as the crawl's sources, in :data:`SOURCES` order; an
    unknown name, or a list without ``pubmed``, raises :class:`InputError`."""
    names = [n.strip().lower() for n in (text.split(",") if isinstance(text, str) else text)]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise InputError(f"--sources: unknown source {unknown[0]!r} (known: {', '.join(SOURCES)})")
    if "pubmed" not in names:
        raise InputError("--sources must include pubmed: the papers' records come from PubMed")
    return tuple(n for n in SOURCES if n in names)


def crawl_sources(given: str | None, settings) -> tuple[str, ...]:
    """The sources of a crawl: ``given`` (``--sources``), else the default.

    The default is ``pubmed,icite`` when the crawl talks to the real NCBI, or when an iCite
    URL is configured (``CITEGRAPH_ICITE_URL``); with the E-utilities URL pointed elsewhere
    (a local server) and no iCite URL, it is ``pubmed`` alone: such a crawl never reaches the
    real iCite unasked. Naming ``icite`` in that case raises :class:`InputError` (set the
    iCite URL too), for the same reason.
    """
    from .config import EUROPEPMC_URL, ICITE_URL, NCBI_EUTILS_URL, OPENCITATIONS_URL

    local_eutils = settings.eutils_url != NCBI_EUTILS_URL
    icite_unset = settings.icite_url == ICITE_URL
    if given is None:
        return ("pubmed",) if local_eutils and icite_unset else ("pubmed", "icite")
    sources = parse_sources(given)
    if local_eutils:
        real = {"icite": (settings.icite_url == ICITE_URL, "CITEGRAPH_ICITE_URL", "/icite/api/"),
                "europepmc": (settings.europepmc_url == EUROPEPMC_URL, "CITEGRAPH_EUROPEPMC_URL",
                              "/europepmc/webservices/rest/"),
                "opencitations": (settings.opencitations_url == OPENCITATIONS_URL, "CITEGRAPH_OPENCITATIONS_URL",
                                  "/opencitations/index/v2/")}
        for name in sources:
            if name in real and real[name][0]:
                raise InputError(f"--sources {name}: the E-utilities URL is not NCBI's but the {name} URL is the "
                                 f"real service's; set {real[name][1]} to the one to ask (a local server's "
                                 f"{real[name][2]})")
    return sources


@dataclass(frozen=True)
class CrawlOptions:
    depth: int = 1
    direction: str = "cited-by"
    max_papers: int | None = None
    since: int | None = None
    until: int | None = None
    #: publication types whose papers are left out (not expanded), as PubMed names them
    #: ("Review", "Comment"); matched without regard to case, a paper having any of them
    exclude_types: tuple[str, ...] = ()
    fetch_batch: int = 500
    link_batch: int = 200
    #: the citation sources asked (see :data:`SOURCES`); ``pubmed`` always
    sources: tuple[str, ...] = ("pubmed",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", parse_sources(self.sources))
        # one spelling per type, in a fixed order (the selection's case rule): the same crawl whatever the order given
        records = Filters(since=self.since, until=self.until, exclude_types=self.exclude_types)
        object.__setattr__(self, "exclude_types", records.exclude_types)
        object.__setattr__(self, "_records", records)
        if self.direction not in DIRECTIONS:
            raise InputError(f"direction must be one of {', '.join(DIRECTIONS)}, not {self.direction!r}")
        if self.depth < 0:
            raise InputError("depth must be 0 or more")
        if self.max_papers is not None and self.max_papers < 1:
            raise InputError("--max-papers must be at least 1")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise InputError(f"--since {self.since} is after --until {self.until}")
        if not (1 <= self.fetch_batch <= 10_000 and 1 <= self.link_batch <= 10_000):
            raise InputError("batch sizes must be between 1 and 10,000 ids")

    def key(self, seeds: Sequence[str]) -> str:
        """What makes two crawl commands 'the same crawl' for resuming (batch sizes do not)."""
        text = json.dumps(self._key_params(seeds), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def _key_params(self, seeds: Sequence[str]) -> dict:
        params = {k: v for k, v in asdict(self).items() if k not in ("fetch_batch", "link_batch")}
        if self.exclude_types:  # matched without regard to case: "Review" and "review" are one crawl
            params["exclude_types"] = sorted({fold(t) for t in self.exclude_types})
        else:
            del params["exclude_types"]  # crawls from before the option keep their key
        if self.sources == ("pubmed",):
            del params["sources"]  # so do crawls of PubMed alone
        else:
            params["sources"] = list(self.sources)
        return {"seeds": sorted(seeds, key=int), **params}

    def in_window(self, year: int | None) -> bool:
        if year is None:
            return self.since is None and self.until is None
        return (self.since is None or year >= self.since) and (self.until is None or year <= self.until)

    @property
    def link_unit(self) -> int:
        """Papers linked together: an elink batch, or with iCite one iCite request's worth."""
        return max(self.link_batch, ICITE_BATCH) if "icite" in self.sources else self.link_batch

    @property
    def filters_records(self) -> bool:
        """Whether a paper's record decides if it is kept (a year window, excluded types)."""
        return self.since is not None or self.until is not None or bool(self.exclude_types)

    def left_out_by(self, year: int | None, publication_types: Iterable[str]) -> str | None:
        """Why a paper with this record is left out: ``"year"``, ``"type:NAME"`` (the first
        excluded type it has, as the option names it), or None when it is kept."""
        return self._records.rejects(PaperRecord(year=year, publication_types=tuple(publication_types)))


@dataclass
class CrawlProgress:
    """A snapshot passed to the progress callback after every committed batch."""

    generation: int
    members: int
    fetched: int
    pending_fetch: int
    pending_link: int
    requests: int


@dataclass
class CrawlReport:
    crawl_id: int
    #: the crawl's state when the run ended: 'complete' or 'failed' (papers failed: run it
    #: again to retry them); see citegraph.crawl_lock.CRAWL_STATES
    status: str
    seeds: list[str]
    #: how the run began: 'new', 'resumed' (an interrupted or failed crawl) or 'already
    #: complete' (nothing was asked)
    start: str = "new"
    members: int = 0
    articles_fetched: int = 0
    #: citations (distinct citing -> cited pairs) new in the store since the run began
    citations_added: int = 0
    #: sources' reports of a citation new this run, each source apart (see Store.counts)
    links_reported: int = 0
    requests: int = 0
    elapsed: float = 0.0
    generations: dict[int, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    excluded: int = 0
    #: why they were left out: {"year window": N, "Review": N, ...}
    excluded_by: dict[str, int] = field(default_factory=dict)
    over_budget: int = 0
    complete: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


class Crawler:
    """Runs one crawl against ``client`` into ``store``; never prints."""

    def __init__(self, client: EutilsLike, store: Store, *, parse: Callable[[bytes], list[Article] | list[RecordDigest]],
                 concurrency: int = 4, progress: Callable[[CrawlProgress], None] | None = None,
                 requests_made: Callable[[], int] | None = None, icite: ICiteLike | None = None,
                 europepmc=None, opencitations=None) -> None:
        """``icite``, ``europepmc``, ``opencitations``: the clients of those sources (see
        citegraph.sources), needed by crawls that ask them."""
        self.client = client
        self.icite = icite
        self.per_paper = {"europepmc": europepmc, "opencitations": opencitations}
        self.store = store
        self.parse = parse
        self.concurrency = max(1, concurrency)
        self.progress = progress
        self.requests_made = requests_made or (lambda: 0)

    # -- public ----------------------------------------------------------------------------

    def run(self, seeds: Sequence[str], options: CrawlOptions, *, again: bool = False) -> CrawlReport:
        """Crawl from ``seeds`` (PMIDs). The same seeds and options resume an interrupted or
        failed crawl; a complete one is reported as it is, without requests, unless ``again``
        is set. While it runs, the crawl is ``running`` and this process holds its lock
        (:class:`StoreError` if another process runs it); it ends ``complete``, ``failed``
        (papers failed, or an error ended it) or ``interrupted`` (KeyboardInterrupt)."""
        if not seeds:
            raise InputError("no seed PMIDs given")
        seeds = list(dict.fromkeys(str(s) for s in seeds))
        if "icite" in options.sources and self.icite is None:
            raise InputError("the icite source needs an iCite client")
        for name in PER_PAPER_SOURCES:
            if name in options.sources and self.per_paper[name] is None:
                raise InputError(f"the {name} source needs its client")
        crawl_id, state = self.store.open_crawl(options.key(seeds), seeds, asdict(options), again=again)
        start = "new" if state == "new" else "already complete" if state == "complete" else "resumed"
        report = CrawlReport(crawl_id=crawl_id, status=state, seeds=seeds, start=start)
        # the lock says a process runs the crawl (store rows alone cannot: a kill leaves 'running')
        lock = None if start == "already complete" else self.store.crawl_lock(crawl_id)
        if lock is not None:
            lock.acquire()
        ended = "failed"  # unless it completes or is interrupted
        try:
            if lock is not None:
                self.store.set_crawl_state(crawl_id, "running")
            self._run(crawl_id, seeds, options, report)
            ended = "complete" if report.complete else "failed"
            report.status = "complete" if start == "already complete" else ended
            return report
        except KeyboardInterrupt:
            ended = "interrupted"
            raise
        finally:
            if lock is not None:
                try:
                    self.store.set_crawl_state(crawl_id, ended)
                except StoreError:
                    if ended == "complete":
                        raise
                    # the row stays 'running': with the lock released it reads 'interrupted'
                finally:
                    lock.release()

    def _run(self, crawl_id: int, seeds: list[str], options: CrawlOptions, report: CrawlReport) -> None:
        started = time.monotonic()
        requests_before = self.requests_made()
        run = _Run(self, crawl_id, seeds, options, report)
        try:
            # the main thread writes every record and edge: it should not also wait for the disk
            with self.store.background_checkpoints():
                if report.start == "resumed":
                    run.retry_failed()
                elif report.start == "new":
                    run.add_discovered([(s, 0) for s in seeds])
                run.loop()
                if report.failed:
                    # one more round for what failed: a fault that outlasted the client's retries
                    report.failed.clear()
                    run.retry_failed()
                    run.loop()
        finally:
            report.requests = self.requests_made() - requests_before
            report.elapsed = time.monotonic() - started
            self.store.add_crawl_requests(crawl_id, report.requests)
        report.failed = [(p, d.split("|", 1)[-1]) for p, d in self.store.node_details(crawl_id, "failed")]
        missing_seeds = self.store.missing_pmids(seeds) - self.store.known_pmids(seeds)
        report.missing = sorted({p for p, _ in self.store.node_details(crawl_id, "missing")} | missing_seeds, key=int)
        states = self.store.node_states(crawl_id)
        report.excluded = states.get("excluded", 0)
        if report.excluded:
            # a resumed run may spell a type in another case: one count per type
            spelling: dict[str, str] = {}
            for _, detail in self.store.node_details(crawl_id, "excluded"):
                name = _EXCLUSION_NAMES.get(detail, detail.removeprefix("type:"))
                name = spelling.setdefault(name.casefold(), name)
                report.excluded_by[name] = report.excluded_by.get(name, 0) + 1
        report.citations_added = self.store.citation_count() - run.citations_before
        report.members = self.store.member_count(crawl_id)
        report.generations = self._generations(crawl_id)
        report.complete = not report.failed

    def _generations(self, crawl_id: int) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _pmid, generation in self.store.nodes(crawl_id, "done"):
            counts[generation] = counts.get(generation, 0) + 1
        return counts


class _Run:
    """The state of one crawl while it runs; its queues mirror the ``crawl_nodes`` table."""

    def __init__(self, crawler: Crawler, crawl_id: int, seeds: list[str], options: CrawlOptions,
                 report: CrawlReport) -> None:
        self.c = crawler
        self.store = crawler.store
        self.crawl_id = crawl_id
        self.seeds = set(seeds)
        self.options = options
        self.report = report
        self.generation_of: dict[str, int] = dict(self.store.nodes(crawl_id))
        self.members = self.store.member_count(crawl_id)
        self.citations_before = self.store.citation_count()
        self.to_fetch: deque[str] = deque()
        self.to_link: dict[int, deque[str]] = {}
        #: papers of each generation waiting for or undergoing efetch
        self.fetch_work: Counter[int] = Counter()
        #: reference lists of queued papers (direction references/both): they save an elink
        self.record_refs: dict[str, list[str]] = {}
        self.fetching: dict[Future, list[str]] = {}
        self.linking: dict[Future, list[str]] = {}
        #: Without a year window or excluded types, whether a cited-by paper is linked does not
        #: depend on its record, so it is linked as soon as it is discovered, while its record
        #: is fetched: generations are then linked back to back instead of waiting for efetch.
        self.eager = options.direction == "cited-by" and not options.filters_records
        #: papers of a generation below this go through the link stage: those below the depth
        #: are linked; with iCite, those of the last generation too, only to ask iCite for
        #: their metrics (nothing they link to joins the crawl)
        self.link_depth = options.depth + 1 if "icite" in options.sources else options.depth
        #: why papers were left out (pmid: "year" or "type:NAME"), written with their state
        self.left_out: dict[str, str] = {}
        #: papers whose record is still to come (state 'fetch')
        self.awaiting_record: set[str] = set()
        #: eager mode: papers awaiting their record that were already linked / failed to link
        self.linked_early: set[str] = set()
        self.link_errors: dict[str, str] = {}
        self._queue_fetch(p for p, _ in self.store.nodes(crawl_id, "fetch"))
        self._queue_links([p for p, _ in self.store.nodes(crawl_id, "link")])
        self._remember_link_flags(self.store.linked_flags(crawl_id, "fetch"))
        if self.eager:
            self._queue_links([p for p in self.awaiting_record if self._expands(p)
                               and p not in self.linked_early and p not in self.link_errors])

    # -- scheduling ------------------------------------------------------------------------

    def loop(self) -> None:
        pool = ThreadPoolExecutor(max_workers=self.c.concurrency, thread_name_prefix="citegraph-crawl")
        try:
            while True:
                self._submit(pool)
                if not self.fetching and not self.linking:
                    break
                done, _ = wait([*self.fetching, *self.linking], return_when=FIRST_COMPLETED)
                self._complete_ready(pool, list(done))
        except KeyboardInterrupt:
            # Ctrl-C: keep what has already arrived, drop what is queued, and do not wait for
            # requests in flight (they are asked again on resume)
            for future in [*self.fetching, *self.linking]:
                if future.done() and not future.cancelled() and future.exception() is None:
                    self._complete(future)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def _complete_ready(self, pool: ThreadPoolExecutor, ready: list[Future]) -> None:
        """Write the answers that have arrived, up to ``_ANSWERS_PER_COMMIT`` of them in one
        transaction, taking in those that arrive meanwhile; never waits for one.

        When answers come faster than the store takes them (10 requests/s on a small
        machine), writing two or three per commit writes the pages they share once, and the
        log and its checkpoints shrink with it. A commit still holds only answers already
        received, so a kill costs nothing more. Signals wait for the commit, so that an
        interrupt never leaves the crawl's queues ahead of the store."""
        fatal: list[Future] = []  # answers that end the crawl: the others are committed first
        written = 0
        with signals_deferred(), self.store.transaction():
            while written < _ANSWERS_PER_COMMIT:
                if not ready:
                    ready = [f for f in (*self.fetching, *self.linking) if f.done() and f not in fatal]
                    if not ready:
                        break
                future = ready.pop()
                if _ends_crawl(future):
                    fatal.append(future)
                    continue
                self._complete(future)
                written += 1
                self._submit(pool)  # keep requests going while this one writes
        if fatal:
            self._complete(fatal[0])

    def _link_generation(self) -> int | None:
        """The generation to link now: the lowest that has, or may still get, link work."""
        generations = {g for g, queue in self.to_link.items() if queue}
        generations.update(self.generation_of[batch[0]] for batch in self.linking.values())
        if not self.eager:  # a fetched paper becomes link work of its generation
            generations.update(g for g, n in self.fetch_work.items() if n and g < self.link_depth)
        return min(generations, default=None)

    def _expands(self, pmid: str) -> bool:
        """Whether the paper goes through the link stage (see ``link_depth``)."""
        return self.generation_of[pmid] < self.link_depth

    def _remember_link_flags(self, flags: dict[str, int]) -> None:
        for pmid, flag in flags.items():
            if flag == 1:
                self.linked_early.add(pmid)
            elif flag == -1:
                self.link_errors[pmid] = "elink failed"

    def _submit(self, pool: ThreadPoolExecutor) -> None:
        # keep a little more work queued than there are threads, so the limiter never idles;
        # wait for full batches while more ids are on their way: fewer requests is faster
        limit = self.c.concurrency + 2
        while len(self.fetching) + len(self.linking) < limit:
            generation = self._link_generation()
            queue = self.to_link.get(generation) if generation is not None else None
            link_ready = bool(queue) and (
                len(queue) >= self.options.link_unit or self.eager or not self.fetch_work.get(generation)
            )
            fetch_ready = bool(self.to_fetch) and (
                len(self.to_fetch) >= self.options.fetch_batch or (not self.linking and not link_ready)
            )
            if link_ready and fetch_ready:
                # both kinds waiting: keep about as many of each in flight, so fetching (and
                # the parsing it brings) runs alongside linking instead of after it, and the
                # limiter alternates them (its lanes take turns)
                link_ready = len(self.linking) <= len(self.fetching)
            if link_ready:
                batch = _take(queue, self.options.link_unit)
                refs = {p: self.record_refs.pop(p) for p in batch if p in self.record_refs}
                self.linking[pool.submit(self._link, batch, refs)] = batch
            elif fetch_ready:
                batch = _take(self.to_fetch, self.options.fetch_batch)
                self.fetching[pool.submit(self._fetch, batch)] = batch
            else:
                return

    # -- work done on pool threads: network only, no store access ---------------------------

    def _fetch(self, pmids: list[str]) -> tuple[list[RecordDigest], list[str], PreparedArticles, dict[str, str]]:
        """The batch's records, the PMIDs without one, their rows, and the PMIDs failed
        because the answer held records that cannot be stored (with why)."""
        answer = self.c.client.efetch(pmids, parse=self.c.parse)
        articles = _digests(answer)
        skipped = list(getattr(answer, "skipped", ()))
        got = {a.pmid for a in articles}
        absent = [p for p in pmids if p not in got]
        # efetch sometimes answers with fewer records than asked: ask again for the rest
        # (unless each of them may be a record the answer had that cannot be stored)
        failed: dict[str, str] = {}
        for _ in range(_REASK_ROUNDS):
            if not absent or len(absent) <= len(skipped):
                break
            try:
                answer = self.c.client.efetch(absent, parse=self.c.parse)
            except ResponseError as exc:  # those fail; what came already is kept
                failed = {p: str(exc) for p in absent}
                absent, skipped = [], []
                break
            more = _digests(answer)
            skipped = list(getattr(answer, "skipped", ()))
            articles.extend(more)
            got.update(a.pmid for a in more)
            absent = [p for p in absent if p not in got]
        asked = set(pmids)
        articles = [a for a in articles if a.pmid in asked]
        if absent and skipped:
            # a paper whose record may be one of those: failed, not missing
            why = "; ".join(map(str, skipped[:3])) + (f"; and {len(skipped) - 3} more" if len(skipped) > 3 else "")
            failed = {p: f"efetch: the answer held records that cannot be stored: {why}" for p in absent}
            absent = []
        return articles, absent, PreparedArticles(a.row for a in articles), failed

    def _link(self, pmids: list[str], record_refs: dict[str, list[str]]) -> dict[str, dict]:
        links: dict[str, dict] = {}
        if self.generation_of[pmids[0]] >= self.options.depth:  # the last generation: metrics only
            assert self.c.icite is not None
            return {"metrics": self.c.icite.pubs(pmids)}
        if self.options.direction in ("cited-by", "both"):
            links["cited-by"] = self._elink(pmids, LINKNAMES["cited-by"])
        if self.options.direction in ("references", "both"):
            ask = [p for p in pmids if not record_refs.get(p)]
            links["references"] = self._elink(ask, LINKNAMES["references"]) if ask else {}
            links["record"] = record_refs
        if "icite" in self.options.sources:
            assert self.c.icite is not None
            links["icite"] = self.c.icite.pubs(pmids)
        for name in PER_PAPER_SOURCES:
            if name in self.options.sources:
                links[name] = self._ask_per_paper(name, pmids)
        return links

    def _ask_per_paper(self, name: str, pmids: list[str]) -> dict[str, list]:
        """``{pmid: [(citing id, cited id, Europe PMC's paper or None), ...]}``: what the source
        ``name`` links each paper to in the crawl's direction (ids are ``ExternalId``; Europe
        PMC's papers give the title and year of a paper outside PubMed: see ``_external``)."""
        client = self.c.per_paper[name]
        kinds = [k for d, k in (("cited-by", "citations"), ("references", "references"))
                 if self.options.direction in (d, "both")]
        told: dict[str, list] = {}
        for pmid in pmids:
            for kind in kinds:
                answer = getattr(client, kind)(pmid)
                if hasattr(answer, "papers"):  # Europe PMC: the papers, each linked to the one asked
                    own = answer.of
                    told.setdefault(pmid, []).extend(
                        (p.id, own, p) if kind == "citations" else (own, p.id, p) for p in answer.papers)
                else:
                    told.setdefault(pmid, []).extend((link.citing, link.cited, None) for link in answer)
        return told

    def _elink(self, pmids: list[str], linkname: str) -> dict[str, list[str]]:
        """elink in batches of ``link_batch`` ids; their answers (and ``errors``) merged."""
        size = self.options.link_batch
        if len(pmids) <= size:
            return self.c.client.elink(pmids, linkname)
        merged = _Links()
        for start in range(0, len(pmids), size):
            answer = self.c.client.elink(pmids[start:start + size], linkname)
            merged.update(answer)
            merged.errors.update(getattr(answer, "errors", {}))
        return merged

    # -- committing results (main thread) ---------------------------------------------------

    def _complete(self, future: Future) -> None:
        if future in self.fetching:
            batch = self.fetching.pop(future)
            try:
                articles, absent, rows, failed = future.result()
            except NetworkError:
                raise  # the server is unreachable: stop; the batch is still 'fetch' in the store
            except SourceError as exc:
                self._fetch_done(batch)
                self._fail(batch, "fetch", exc)
                return
            self._fetch_done(batch)
            self._commit_fetch(articles, absent, rows)
            if failed:
                with self.store.transaction():
                    self._fail_in_transaction(failed, "fetch")
        else:
            batch = self.linking.pop(future)
            try:
                links = future.result()
            except NetworkError:
                raise
            except SourceError as exc:
                self._fail(batch, "link", exc)
                return
            self._commit_links(batch, links)
        self._report_progress()

    def _fail(self, batch: list[str], stage: str, exc: Exception) -> None:
        with self.store.transaction():
            self._fail_in_transaction({p: str(exc) for p in batch}, stage)

    def _fail_in_transaction(self, messages: dict[str, str], stage: str) -> None:
        # a paper whose record is still on its way keeps state 'fetch'; the failed link is
        # remembered and turns into state 'failed' when the record arrives
        pending = [p for p in messages if stage == "link" and p in self.awaiting_record]
        if pending:
            self.store.mark_linked(self.crawl_id, pending, flag=-1)
            self.link_errors.update((p, messages[p]) for p in pending)
        for pmid, message in messages.items():
            if pmid not in pending:
                self.store.set_node_state(self.crawl_id, [pmid], "failed", f"{stage}|{message}")
        self.report.failed.extend(messages.items())

    def _state_after_record(self, pmid: str, year: int | None, has_record: bool,
                            publication_types: Sequence[str] = ()) -> str:
        """Where a paper goes once we know its record (or that there is none)."""
        generation = self.generation_of[pmid]
        expand = "link" if generation < self.link_depth else "done"
        if pmid in self.seeds:
            return expand  # a seed is linked even without a record: NCBI may still link it
        if not has_record:
            return "missing"
        reason = self.options.left_out_by(year, publication_types)
        if reason is not None:
            self.left_out[pmid] = reason
            return "excluded"
        return expand

    def _note_left_out(self, pmids: Iterable[str]) -> None:
        """Write why these excluded papers were left out (in the caller's transaction)."""
        self.store.exclude_nodes(self.crawl_id, {p: self.left_out.pop(p, "year") for p in pmids})

    def _commit_fetch(self, articles: list[RecordDigest], absent: list[str], rows: PreparedArticles) -> None:
        states: dict[str, list[str]] = {}
        for article in articles:
            state = self._state_after_record(article.pmid, article.year, True, article.publication_types)
            states.setdefault(state, []).append(article.pmid)
        for pmid in absent:
            states.setdefault(self._state_after_record(pmid, None, False), []).append(pmid)
        failed_links: dict[str, str] = {}
        if self.eager:
            # these papers were queued for linking when discovered: settle what linking did
            waiting = states.pop("link", [])
            states["link"] = [p for p in waiting if p not in self.linked_early and p not in self.link_errors]
            states.setdefault("done", []).extend(p for p in waiting if p in self.linked_early)
            failed_links = {p: self.link_errors.pop(p) for p in waiting if p in self.link_errors}
            self.linked_early.difference_update(waiting)
        with self.store.transaction():
            self.store.put_articles(rows)
            self.report.links_reported += self.store.add_citation_rows(
                itertools.chain.from_iterable(a.edge_rows for a in articles))
            if absent:
                self.store.mark_missing(absent, "efetch returned no record")
            for state, pmids in states.items():
                if state == "excluded":
                    self._note_left_out(pmids)  # the state with the reason
                else:
                    self.store.set_node_state(self.crawl_id, pmids, state)
            for pmid, message in failed_links.items():
                self.store.set_node_state(self.crawl_id, [pmid], "failed", f"link|{message}")
        self.report.articles_fetched += len(articles)
        self.members -= len(states.get("missing", [])) + len(states.get("excluded", []))
        if not self.eager:
            self._queue_links(states.get("link", []), {a.pmid: a.reference_pmids for a in articles})

    def _commit_links(self, batch: list[str], links: dict[str, dict[str, list[str]]]) -> None:
        # an id whose LinkSet carried an ERROR is failed, never taken for "no links"
        errors: dict[str, str] = {}
        for result in links.values():
            errors.update(getattr(result, "errors", {}))
        icite = links.get("icite", {})
        discovered: list[tuple[str, int]] = []
        externals: list = []  # (paper, citing id, cited id, source bit) of papers outside PubMed
        if "metrics" in links:
            with self.store.transaction():
                self.store.put_icite_metrics(links["metrics"].values())
                self.store.mark_linked(self.crawl_id, batch)
                self.linked_early.update(p for p in batch if p in self.awaiting_record)
            return
        with self.store.transaction():
            if errors:
                self._fail_in_transaction({p: f"elink error: {m}" for p, m in errors.items()}, "link")
                batch = [p for p in batch if p not in errors]
            # the batch's edges as ready integer rows, written by one statement (a paper's
            # citing papers are its most numerous edges: no per-edge work beyond the row)
            now = time.time()
            rows: list[tuple[int, int, int, float]] = []
            for pmid in batch:
                citing = links.get("cited-by", {}).get(pmid, [])
                cited = links.get("references", {}).get(pmid, [])
                p = int(pmid)
                rows.extend([(c, p, _CITEDIN_BIT, now) for c in map(int, citing) if c != p])
                rows.extend([(p, c, _REFS_BIT, now) for c in map(int, cited) if c != p])
                told = _icite_links(icite.get(p), self.options.direction)
                rows.extend([(c, p, _ICITE_BIT, now) for c in told[0] if c != p])
                rows.extend([(p, c, _ICITE_BIT, now) for c in told[1] if c != p])
                next_generation = self.generation_of[pmid] + 1
                for other in (*citing, *cited, *links.get("record", {}).get(pmid, []), *map(str, told[0]),
                              *map(str, told[1])):
                    discovered.append((other, next_generation))
                for name in PER_PAPER_SOURCES:
                    bit = source_bit(name)
                    for citing_id, cited_id, paper in links.get(name, {}).get(pmid, ()):
                        other_id = citing_id if cited_id.pmid == p else cited_id
                        if other_id.pmid is None:  # a paper outside PubMed: kept as an external one
                            if other_id.key:
                                externals.append((_external(other_id, paper), citing_id, cited_id, bit))
                        elif other_id.pmid != p and citing_id.pmid is not None and cited_id.pmid is not None:
                            rows.append((citing_id.pmid, cited_id.pmid, bit, now))
                            discovered.append((str(other_id.pmid), next_generation))
            if rows:
                self.report.links_reported += self.store.add_citation_rows(rows)
            if icite:
                self.store.put_icite_metrics(icite.values(), now)
            if externals:
                self.store.put_external_citations(externals, now)
            self.store.mark_linked(self.crawl_id, batch)
            self.linked_early.update(p for p in batch if p in self.awaiting_record)
            self._add_discovered(discovered)

    def add_discovered(self, found: Iterable[tuple[str, int]]) -> None:
        with self.store.transaction():
            self._add_discovered(found)

    def _add_discovered(self, found: Iterable[tuple[str, int]]) -> None:
        """Make newly seen PMIDs members of the crawl (within the budget) and queue their work.

        Papers already stored, or already known to be missing, cost no request.
        """
        new: list[tuple[str, int]] = []
        for pmid, generation in found:
            if pmid in self.generation_of:
                continue
            if self.options.max_papers is not None and self.members >= self.options.max_papers:
                self.report.over_budget += 1
                continue
            self.generation_of[pmid] = generation
            self.members += 1
            new.append((pmid, generation))
        if not new:
            return
        pmids = [p for p, _ in new]
        stored = self.store.get_articles(self.store.known_pmids(pmids))
        known_missing = self.store.missing_pmids(set(pmids) - set(stored))
        rows: list[tuple[str, int, str]] = []
        for pmid, generation in new:
            if pmid in stored:
                state = self._state_after_record(pmid, stored[pmid].year, True, stored[pmid].publication_types)
            elif pmid in known_missing:
                state = self._state_after_record(pmid, None, False)
            else:
                state = "fetch"
            rows.append((pmid, generation, state))
        self.store.add_nodes(self.crawl_id, rows)
        self._note_left_out([p for p, _, s in rows if s == "excluded"])
        self.members -= sum(1 for _, _, s in rows if s in ("missing", "excluded"))
        self._queue_fetch(p for p, _, s in rows if s == "fetch")
        self._queue_links([p for p, _, s in rows if s == "link" or (s == "fetch" and self.eager and self._expands(p))],
                          {p: a.reference_pmids for p, a in stored.items()})

    def _queue_fetch(self, pmids: Iterable[str]) -> None:
        for pmid in pmids:
            self.to_fetch.append(pmid)
            self.awaiting_record.add(pmid)
            self.fetch_work[self.generation_of[pmid]] += 1

    def _fetch_done(self, batch: list[str]) -> None:
        for pmid in batch:
            self.awaiting_record.discard(pmid)
            self.fetch_work[self.generation_of[pmid]] -= 1

    def _queue_links(self, pmids: list[str], refs: dict[str, list[str]] | None = None) -> None:
        if not pmids:
            return
        if self.options.direction != "cited-by":
            if refs is None or any(p not in refs for p in pmids):
                refs = {**(refs or {}), **{p: a.reference_pmids for p, a in self.store.get_articles(pmids).items()}}
            self.record_refs.update({p: refs[p] for p in pmids if refs.get(p)})
        for pmid in pmids:
            self.to_link.setdefault(self.generation_of[pmid], deque()).append(pmid)

    def retry_failed(self) -> None:
        """Put papers that failed last time back in the queue of the stage that failed."""
        failed = self.store.node_details(self.crawl_id, "failed")
        if not failed:
            return
        fetch = [p for p, d in failed if d.startswith("fetch|")]
        link = [p for p, d in failed if not d.startswith("fetch|")]
        flags = self.store.linked_flags(self.crawl_id, "failed")
        with self.store.transaction():
            self.store.set_node_state(self.crawl_id, fetch, "fetch")
            self.store.set_node_state(self.crawl_id, link, "link")
            # a failed link is tried again: forget the failure flag of papers being refetched
            self.store.mark_linked(self.crawl_id, [p for p in fetch if flags.get(p) == -1], flag=0)
        self._queue_fetch(fetch)
        self.linked_early.update(p for p in fetch if flags.get(p) == 1)
        relink = [p for p in fetch if self.eager and self._expands(p) and flags.get(p) != 1]
        self._queue_links(link + relink)

    def _report_progress(self) -> None:
        if self.c.progress is None:
            return
        self.c.progress(
            CrawlProgress(
                generation=self._link_generation() or 0,
                members=self.members,
                fetched=self.report.articles_fetched,
                pending_fetch=sum(self.fetch_work.values()),
                pending_link=sum(len(q) for q in self.to_link.values()) + sum(len(b) for b in self.linking.values()),
                requests=self.c.requests_made(),
            )
        )


def _ends_crawl(future: Future) -> bool:
    """Whether completing this finished batch raises (see _Run._complete): the server is
    unreachable, or something other than a source's error went wrong."""
    exc = future.exception()
    return exc is not None and (isinstance(exc, NetworkError) or not isinstance(exc, SourceError))


class _Links(dict):
    """elink answers of several batches: ``{id: [linked ids]}`` and ``errors``."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: dict[str, str] = {}


def _external(ident, paper) -> dict:
    """What a source gave of a paper outside PubMed: key, DOI, title, year, the source's id."""
    return {"key": ident.key, "doi": ident.doi or getattr(getattr(paper, "id", None), "doi", None),
            "title": getattr(paper, "title", None), "year": getattr(paper, "year", None),
            "source_id": ident.source_id}


def _icite_links(paper, direction: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(citing PMIDs, cited PMIDs) iCite told of ``paper`` that the crawl follows in
    ``direction``; none when iCite does not know the paper or did not say."""
    if paper is None:
        return (), ()
    citing = (paper.cited_by or ()) if direction in ("cited-by", "both") else ()
    cited = (paper.references or ()) if direction in ("references", "both") else ()
    return tuple(citing), tuple(cited)


def _take(queue: deque[str], n: int) -> list[str]:
    return [queue.popleft() for _ in range(min(n, len(queue)))]


def _digests(parsed: list) -> list[RecordDigest]:
    """The crawl's view of an efetch answer, whether ``parse`` gave articles or digests."""
    if parsed and isinstance(parsed[0], Article):
        return digest_articles(parsed, "efetch")
    return list(parsed)
