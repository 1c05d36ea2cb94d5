"""One crawl while it runs: the scheduler that keeps link and fetch steps in flight on a
thread pool, and the decisions of where each paper goes next (the budget, the year window,
excluded types, the depth).

The queues mirror the ``crawl_nodes`` table. Steps ask the network on the pool's threads
(:mod:`.step`); their outcomes are recorded from the calling thread only, each with one store
call that writes the step's data and the node changes it causes in one transaction
(:meth:`citegraph.store.Store.record_fetched`, ``record_linked``, ``record_failed``). Linking of generation g+1 starts only once
generation g is completely linked, so the generation recorded for a paper is its hop distance
from the nearest seed; fetching overlaps freely with linking.
"""

from __future__ import annotations

from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Iterable, Sequence

from ..deferred_signals import signals_deferred
from ..errors import NetworkError, SourceError
from .options import CrawlOptions
from .protocols import CrawlSetup
from .report import CrawlProgress, CrawlReport
from .step import Fetched, ask_links, fetch_records, link_rows


__all__ = ["CrawlRun"]

#: at most this many answers are written in one transaction (see CrawlRun._complete_ready)
_ANSWERS_PER_COMMIT = 4


class CrawlRun:
    """The state of one crawl while it runs; its queues mirror the ``crawl_nodes`` table."""

    def __init__(self, crawler: CrawlSetup, crawl_id: int, seeds: list[str], options: CrawlOptions,
                 report: CrawlReport) -> None:
        self.c = crawler
        self.store = crawler.store
        self.crawl_id = crawl_id
        self.seeds = set(seeds)
        self.options = options
        self.report = report
        nodes = self.store.crawl_nodes(crawl_id)
        self.generation_of: dict[str, int] = nodes.generation_of
        self.members = nodes.members
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
        self._queue_fetch(nodes.to_fetch)
        self._queue_links(nodes.to_link)
        if self.eager:  # papers whose record is to come are linked meanwhile, unless they were
            self._queue_links([p for p in nodes.to_fetch if self._expands(p)
                               and p not in nodes.linked and p not in nodes.link_failed])

    # -- scheduling ------------------------------------------------------------------------

    def loop(self) -> None:
        """Run steps until no work is queued or in flight. On KeyboardInterrupt the answers
        already arrived are committed, queued work is dropped and requests in flight are not
        waited for (a resumed crawl asks them again)."""
        pool = ThreadPoolExecutor(max_workers=self.c.concurrency, thread_name_prefix="citegraph-crawl")
        try:
            while True:
                self._submit(pool)
                if not self.fetching and not self.linking:
                    break
                done, _ = wait([*self.fetching, *self.linking], return_when=FIRST_COMPLETED)
                self._complete_ready(pool, list(done))
        except KeyboardInterrupt:
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

        Answers arriving faster than the store takes them share a commit, so the pages they
        share are written once. A commit holds only answers already received, so a kill costs
        nothing more. Signals wait for the commit, so an interrupt never leaves the crawl's
        queues ahead of the store."""
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
                # the last generation is linked only for iCite's metrics
                metrics_only = self.generation_of[batch[0]] >= self.options.depth
                self.linking[pool.submit(ask_links, self.c.clients, batch, self.options, refs,
                                         metrics_only=metrics_only)] = batch
            elif fetch_ready:
                batch = _take(self.to_fetch, self.options.fetch_batch)
                self.fetching[pool.submit(fetch_records, self.c.clients.eutils, self.c.parse, batch)] = batch
            else:
                return

    # -- committing results (calling thread) ------------------------------------------------

    def _complete(self, future: Future) -> None:
        if future in self.fetching:
            batch = self.fetching.pop(future)
            try:
                fetched = future.result()
            except NetworkError:
                raise  # the server is unreachable: stop; the batch is still 'fetch' in the store
            except SourceError as exc:
                self._fetch_done(batch)
                self._fail(batch, "fetch", exc)
                return
            self._fetch_done(batch)
            self._commit_fetch(fetched)
            if fetched.failed:
                self._fail_each(fetched.failed, "fetch")
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
        self._fail_each({p: str(exc) for p in batch}, stage)

    def _fail_each(self, messages: dict[str, str], stage: str) -> None:
        self.store.record_failed(self.crawl_id, stage, messages)
        self.report.failed.extend(messages.items())

    def _state_after_record(self, pmid: str, year: int | None, has_record: bool,
                            publication_types: Sequence[str] = ()) -> tuple[str, str | None]:
        """Where a paper goes once its record (or that there is none) is known, and why when
        it is left out: ('link' | 'done' | 'missing', None) or ('excluded', why)."""
        generation = self.generation_of[pmid]
        expand = "link" if generation < self.link_depth else "done"
        if pmid in self.seeds:
            return expand, None  # a seed is linked even without a record: NCBI may still link it
        if not has_record:
            return "missing", None
        reason = self.options.left_out_by(year, publication_types)
        if reason is not None:
            return "excluded", reason
        return expand, None

    def _commit_fetch(self, fetched: Fetched) -> None:
        states = {a.pmid: self._state_after_record(a.pmid, a.year, True, a.publication_types)
                  for a in fetched.articles}
        states.update((p, self._state_after_record(p, None, False)) for p in fetched.absent)
        self.report.links_reported += self.store.record_fetched(
            self.crawl_id, records=fetched.rows, edges=[row for a in fetched.articles for row in a.edge_rows],
            absent=fetched.absent, states=states)
        self.report.articles_fetched += len(fetched.articles)
        self.members -= sum(1 for state, _ in states.values() if state in ("missing", "excluded"))
        if not self.eager:  # (eager: queued for linking when discovered)
            self._queue_links([p for p, (state, _) in states.items() if state == "link"],
                              {a.pmid: a.reference_pmids for a in fetched.articles})

    def _commit_links(self, batch: list[str], links: dict[str, dict]) -> None:
        linked = link_rows(batch, links, self.options.direction)
        new, stored = self._admit((other, self.generation_of[pmid] + 1)
                                  for pmid in linked.linked for other in linked.found.get(pmid, ()))
        failed = {p: f"elink error: {m}" for p, m in linked.errors.items()}
        self.report.links_reported += self.store.record_linked(
            self.crawl_id, linked.linked, seen_at=linked.now, edges=linked.rows, metrics=linked.metrics,
            externals=linked.externals, failed=failed, new_nodes=new)
        self.report.failed.extend(failed.items())
        self._queue_new(new, stored)

    def add_discovered(self, found: Iterable[tuple[str, int]]) -> None:
        """Make these (pmid, generation) members of the crawl and queue their work."""
        new, stored = self._admit(found)
        self.store.record_discovered(self.crawl_id, new)
        self._queue_new(new, stored)

    def _admit(self, found: Iterable[tuple[str, int]]) -> tuple[list[tuple[str, int, str, str | None]], dict]:
        """The newly seen PMIDs that join the crawl (within the budget) as (pmid, generation,
        state, detail), and the stored records of those among them already stored.

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
            return [], {}
        pmids = [p for p, _ in new]
        stored = self.store.get_articles(self.store.known_pmids(pmids))
        known_missing = self.store.missing_pmids(set(pmids) - set(stored))
        rows: list[tuple[str, int, str, str | None]] = []
        for pmid, generation in new:
            if pmid in stored:
                state = self._state_after_record(pmid, stored[pmid].year, True, stored[pmid].publication_types)
            elif pmid in known_missing:
                state = self._state_after_record(pmid, None, False)
            else:
                state = ("fetch", None)
            rows.append((pmid, generation, *state))
        self.members -= sum(1 for _, _, s, _ in rows if s in ("missing", "excluded"))
        return rows, stored

    def _queue_new(self, rows: list[tuple[str, int, str, str | None]], stored: dict) -> None:
        """Queue the work of new members: a fetch, a link (eager: a paper to fetch is linked
        meanwhile), or none."""
        self._queue_fetch(p for p, _, s, _ in rows if s == "fetch")
        self._queue_links([p for p, _, s, _ in rows if s == "link" or (s == "fetch" and self.eager and self._expands(p))],
                          {p: a.reference_pmids for p, a in stored.items()})

    def _queue_fetch(self, pmids: Iterable[str]) -> None:
        for pmid in pmids:
            self.to_fetch.append(pmid)
            self.fetch_work[self.generation_of[pmid]] += 1

    def _fetch_done(self, batch: list[str]) -> None:
        for pmid in batch:
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
        refetch, relink, linked = self.store.retry_failed_nodes(self.crawl_id)
        self._queue_fetch(refetch)
        # eager: a paper to fetch again whose link failed too is linked again meanwhile
        self._queue_links(relink + [p for p in refetch if self.eager and self._expands(p) and p not in linked])

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
    """Whether completing this finished step raises (see CrawlRun._complete): the server is
    unreachable, or something other than a source's error went wrong."""
    exc = future.exception()
    return exc is not None and (isinstance(exc, NetworkError) or not isinstance(exc, SourceError))


def _take(queue: deque[str], n: int) -> list[str]:
    return [queue.popleft() for _ in range(min(n, len(queue)))]
