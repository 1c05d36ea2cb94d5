"""Turning efetch answers into store rows, in worker processes when the crawl is large.

A crawl spends most of its CPU reading PubMed XML and serialising the records (about 0.4 ms a
record), and in threads that work holds the interpreter lock: at 10 requests/s the crawl then
waits on itself instead of on NCBI. :class:`ParsePool` moves it into worker processes; what
comes back is small and cheap to unpickle: per record its PMID, year, the PMIDs it cites and
the row the store inserts (:class:`RecordDigest`).

The pool starts on the first large answer (small crawls never pay for it), its workers ignore
Ctrl-C (the crawl's own handler decides what to keep), run at a lower priority than the crawl
(whose main thread writes the store, which everything waits on) and exit when the crawl is
gone, and it is shut down without waiting on an interrupt (see :mod:`citegraph.worker_pool`).
A large answer is split between the workers (:func:`split_records`), so the last one of a
crawl is read in about half the time.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable, NamedTuple

from .errors import ParseError
from .models import Article
from .pubmed import Records, parse_articles, prolog_end, records_are_plain
from .store import prepare_articles, reference_rows
from .worker_pool import PARSE_NICE, stop_now, worker_pool

__all__ = ["RecordDigest", "digest_articles", "digest_efetch", "split_records", "ParsePool", "default_parse_processes"]

#: answers smaller than this are parsed on the calling thread (about 70 records)
_POOL_FROM_BYTES = 1 << 20


#: provenance of the edges read from a record's own reference list
REFERENCE_LIST_SOURCE = "pubmed:references"


class RecordDigest(NamedTuple):
    """What a crawl needs of one fetched record. ``row`` is ready for :meth:`Store.put_articles`
    and ``edge_rows`` (its reference-list edges) for :meth:`Store.add_citation_rows`."""

    pmid: str
    year: int | None
    reference_pmids: list[str]
    row: tuple
    edge_rows: list[tuple]
    publication_types: list[str]


def digest_articles(articles: Iterable[Article], source: str = "efetch",
                    now: float | None = None) -> list[RecordDigest]:
    articles = list(articles)
    now = time.time() if now is None else now
    rows = prepare_articles(articles, source, now)
    return [RecordDigest(a.pmid, a.year, a.reference_pmids, row, reference_rows(a, REFERENCE_LIST_SOURCE, now),
                         a.publication_types)
            for a, row in zip(articles, rows)]


def digest_efetch(body: bytes) -> Records:
    """Parse one efetch answer and prepare its rows (runs in a worker process); the records
    that cannot be stored are left out and listed in ``skipped``."""
    articles = parse_articles(body)
    return Records(digest_articles(articles, "efetch", time.time()), articles.skipped)


_RECORD_START = b"<PubmedArticle>"
_SET_END = b"</PubmedArticleSet>"


def split_records(body: bytes, parts: int) -> list[bytes]:
    """An efetch answer cut into up to ``parts`` documents of about equal size, each the
    original's prolog and a run of its records, so that the workers read one answer together
    (the crawl waits on its last answer). Cuts fall only before a ``<PubmedArticle>`` tag, and
    only in answers where such a tag appears nowhere but at the start of a record (no comment
    or the like holds one: see :func:`~citegraph.pubmed.records_are_plain`); other
    answers, and those without room for a cut, come back whole."""
    first = body.find(_RECORD_START)
    if parts < 2 or first < 0 or not records_are_plain(body, prolog_end(body)):
        return [body]
    prolog = body[:first]
    cuts = []
    for k in range(1, parts):
        cut = body.find(_RECORD_START, max(first + 1, len(body) * k // parts, cuts[-1] + 1 if cuts else 0))
        if cut < 0:
            break
        cuts.append(cut)
    if not cuts or not body.rstrip().endswith(_SET_END):
        return [body]
    bounds = [first, *cuts, len(body)]
    pieces = [body[:cuts[0]] + _SET_END + b"\n"]
    pieces += [prolog + body[start:end] + (b"" if end == len(body) else _SET_END + b"\n")
               for start, end in zip(bounds[1:], bounds[2:])]
    return pieces


def default_parse_processes() -> int:
    """One worker per CPU (the crawl's own process mostly waits on the network and SQLite);
    none on a single CPU, where a worker could only take turns with the crawl."""
    cpus = os.cpu_count() or 1
    return cpus if cpus > 1 else 0


class ParsePool:
    """``pool.parse(body)`` gives :func:`digest_efetch` of ``body``, computed in a worker process
    (0 workers: on the calling thread). Thread-safe; use as a context manager."""

    def __init__(self, processes: int | None = None, *, min_bytes: int = _POOL_FROM_BYTES) -> None:
        self.processes = default_parse_processes() if processes is None else max(0, processes)
        #: answers smaller than this are parsed on the calling thread
        self.min_bytes = min_bytes
        #: answers parsed by the worker processes so far
        self.parsed_in_workers = 0
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def parse(self, body: bytes) -> Records:
        if self.processes == 0 or len(body) < self.min_bytes:
            return digest_efetch(body)
        executor = self._start()
        if executor is None:  # closed: an interrupt is under way
            return digest_efetch(body)
        body = bytes(body)
        try:
            parts = split_records(body, self.processes) if len(body) >= 2 * self.min_bytes else [body]
            futures = [executor.submit(digest_efetch, part) for part in parts]
            try:
                digests = Records.joined(future.result() for future in futures)
            except ParseError:
                if len(parts) == 1:
                    raise
                # say what is wrong with the answer as a whole (a cut record is not a cut answer)
                digests = executor.submit(digest_efetch, body).result()
        except BrokenProcessPool:
            # a worker died (killed, out of memory): parse here instead of failing the crawl
            self._broken()
            return digest_efetch(body)
        except RuntimeError:  # closed between _start() and submit(): an interrupt is under way
            return digest_efetch(body)
        with self._lock:
            self.parsed_in_workers += 1
        return digests

    def _start(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._closed:
                return None
            if self._executor is None:
                self._executor = worker_pool(self.processes, nice=PARSE_NICE)
            return self._executor

    def _broken(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
            self.processes = 0
        if executor is not None:
            stop_now(executor)

    def close(self, *, wait: bool = True) -> None:
        """``wait=False`` (an interrupt, an error): the parses in flight are dropped and the
        workers stopped at once (see :func:`~citegraph.worker_pool.stop_now`)."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is None:
            return
        if wait:
            executor.shutdown(wait=True, cancel_futures=True)
        else:
            stop_now(executor)

    def __enter__(self) -> "ParsePool":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # on Ctrl-C or an error, do not wait for a worker's parse in flight
        self.close(wait=exc_type is None)
