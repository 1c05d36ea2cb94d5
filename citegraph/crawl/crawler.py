"""The entry point of a crawl: :class:`Crawler` opens (or resumes) a crawl in the store, holds
its lock while it runs, runs it (:class:`.run.CrawlRun`) and reports it."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Callable, Sequence

from ..errors import InputError, StoreError
from ..models import Article
from ..parse_pool import RecordDigest
from ..store import Store
from .options import PER_PAPER_SOURCES, CrawlOptions
from .protocols import Clients, EutilsLike, ICiteLike, PerPaperLike
from .report import CrawlProgress, CrawlReport, finish_report
from .run import CrawlRun

__all__ = ["Crawler"]


class Crawler:
    """Runs one crawl against ``client`` into ``store``; never prints."""

    def __init__(self, client: EutilsLike, store: Store, *, parse: Callable[[bytes], list[Article] | list[RecordDigest]],
                 concurrency: int = 4, progress: Callable[[CrawlProgress], None] | None = None,
                 requests_made: Callable[[], int] | None = None, icite: ICiteLike | None = None,
                 europepmc: PerPaperLike | None = None, opencitations: PerPaperLike | None = None) -> None:
        """``icite``, ``europepmc``, ``opencitations``: the clients of those sources (see
        citegraph.sources), needed by crawls that ask them. ``parse`` turns an efetch body
        into articles or record digests; ``requests_made`` counts the requests sent so far."""
        self.clients = Clients(client, icite, europepmc, opencitations)
        self.store = store
        self.parse = parse
        self.concurrency = max(1, concurrency)
        self.progress = progress
        self.requests_made = requests_made or (lambda: 0)

    def run(self, seeds: Sequence[str], options: CrawlOptions, *, again: bool = False) -> CrawlReport:
        """Crawl from ``seeds`` (PMIDs). The same seeds and options resume an interrupted or
        failed crawl; a complete one is reported as it is, without requests, unless ``again``
        is set. While it runs, the crawl is ``running`` and this process holds its lock
        (:class:`StoreError` if another process runs it); it ends ``complete``, ``failed``
        (papers failed, or an error ended it) or ``interrupted`` (KeyboardInterrupt)."""
        if not seeds:
            raise InputError("no seed PMIDs given")
        seeds = list(dict.fromkeys(str(s) for s in seeds))
        if "icite" in options.sources and self.clients.icite is None:
            raise InputError("the icite source needs an iCite client")
        for name in PER_PAPER_SOURCES:
            if name in options.sources and self.clients.per_paper(name) is None:
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
        run = CrawlRun(self, crawl_id, seeds, options, report)
        try:
            # the calling thread writes every record and edge: it should not also wait for the disk
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
        finish_report(self.store, report, run.citations_before)
