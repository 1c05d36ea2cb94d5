"""One crawl while it runs: the scheduler that keeps link and fetch steps in flight on a
thread pool, and the bookkeeping that turns each step's outcome into crawl-node states.

The queues mirror the ``crawl_nodes`` table. Steps ask the network on the pool's threads
(:mod:`.step`); their outcomes are committed from the calling thread only, each in the same
transaction as the node changes it causes. Linking of generation g+1 starts only once
generation g is completely linked, so the generation recorded for a paper is its hop distance
from the nearest seed; fetching overlaps freely with linking.
"""

from __future__ import annotations

from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Iterable, Sequence

from ..deferred_signals import signals_deferred
from ..errors import NetworkError, SourceError
from .options import CrawlOptions
from .report import CrawlProgress, CrawlReport
from .step import Fetched, ask_links, fetch_records, link_rows, write_links, write_records

if TYPE_CHECKING:
    from .crawler import Crawler

__all__ = ["CrawlRun"]

#: at most this many answers are written in one transaction (see CrawlRun._complete_ready)
_ANSWERS_PER_COMMIT = 4


class CrawlRun:
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
                with self.store.transaction():
                    self._fail_in_transaction(fetched.failed, "fetch")
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
        """Where a paper goes once its record (or that there is none) is known."""
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

    def _commit_fetch(self, fetched: Fetched) -> None:
        states: dict[str, list[str]] = {}
        for article in fetched.articles:
            state = self._state_after_record(article.pmid, article.year, True, article.publication_types)
            states.setdefault(state, []).append(article.pmid)
        for pmid in fetched.absent:
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
            self.report.links_reported += write_records(self.store, fetched)
            for state, pmids in states.items():
                if state == "excluded":
                    self._note_left_out(pmids)  # the state with the reason
                else:
                    self.store.set_node_state(self.crawl_id, pmids, state)
            for pmid, message in failed_links.items():
                self.store.set_node_state(self.crawl_id, [pmid], "failed", f"link|{message}")
        self.report.articles_fetched += len(fetched.articles)
        self.members -= len(states.get("missing", [])) + len(states.get("excluded", []))
        if not self.eager:
            self._queue_links(states.get("link", []), {a.pmid: a.reference_pmids for a in fetched.articles})

    def _commit_links(self, batch: list[str], links: dict[str, dict]) -> None:
        linked = link_rows(batch, links, self.options.direction)
        with self.store.transaction():
            if linked.errors:
                self._fail_in_transaction({p: f"elink error: {m}" for p, m in linked.errors.items()}, "link")
            self.report.links_reported += write_links(self.store, linked)
            self.store.mark_linked(self.crawl_id, linked.linked)
            self.linked_early.update(p for p in linked.linked if p in self.awaiting_record)
            self._add_discovered((other, self.generation_of[pmid] + 1)
                                 for pmid in linked.linked for other in linked.found.get(pmid, ()))

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
    """Whether completing this finished step raises (see CrawlRun._complete): the server is
    unreachable, or something other than a source's error went wrong."""
    exc = future.exception()
    return exc is not None and (isinstance(exc, NetworkError) or not isinstance(exc, SourceError))


def _take(queue: deque[str], n: int) -> list[str]:
    return [queue.popleft() for _ in range(min(n, len(queue)))]
