"""What the browser shows, read lean: opening the browser reads nothing of the whole store.

A paper's citing papers and references are one indexed query each, their (year, title,
journal) one more (no record decoded), and full records are read one at a time
(:meth:`BrowseData.article`, cached) for the detail pane. The list is filtered by the one
selection rule (:meth:`BrowseData.passing`, :class:`citegraph.filters.Filters`).

The whole-graph answers (in-graph citation counts, PageRank, topics, the descent tree from
the seed that gives paths) come from :func:`compute_overview`, which loads the graph as arrays
and asks :mod:`citegraph.analysis`. :meth:`BrowseData.load_overview` runs it in a separate
process for a large store (so the browser's own thread keeps the GIL for key presses) and keeps
only the compact results. Until they arrive, counts come from SQL, paths from a breadth-first
search through SQL, and PageRank shows as pending.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import threading
from collections import OrderedDict, deque
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ..filters import Filters, PaperRecord
from ..models import Article
from ..store import Store

__all__ = ["BrowseData", "compute_overview", "OverviewError", "IN_PROCESS_BELOW"]

#: stores smaller than this (bytes; about 5,000 papers) get their overview computed in-process
IN_PROCESS_BELOW = 25_000_000


def compute_overview(store_path: str | Path, seed: str, lens_path: str | Path | None = None) -> dict:
    """In-graph citation counts, PageRank, lens topics, retractions and the seed's descent tree.

    ``{"cited_by": {pmid: n}, "cites": {pmid: n}, "pagerank": {pmid: x}, "topic_names": [key],
    "topics": {pmid: [key]}, "parent": {pmid: a paper it cites one generation nearer the seed},
    "retracted": {pmid: True}, "via": {pmid: a retracted paper on a shortest chain to the seed}}``
    (counts only for papers that have some). Plain dicts, cheap to send between processes.
    The graph is read as arrays (:func:`citegraph.analysis.load.load_graph`), with the seed in it
    even without a stored record (as the analysis commands have it); the topics come from the
    store's cached classification by the lens at ``lens_path`` (None: the built-in one); retractions are those of
    :func:`citegraph.analysis.load.prepare`, as ``rank`` marks them.
    """
    from ..analysis.load import add_unstored_seed, load_graph, prepare
    from ..errors import InputError
    from . import adapters

    with Store(store_path) as store:
        graph = load_graph(store)
        try:
            add_unstored_seed(graph, store, seed)
        except InputError:  # no record and no stored paper citing it: nothing to add
            pass
        prepared = prepare(store, graph=graph, use_lens=True, lens_path=lens_path)
    names = graph.names()
    in_degrees = graph.in_degrees()
    out_degrees = graph.out_degrees()
    return {
        "cited_by": {names[i]: int(in_degrees[i]) for i in np.flatnonzero(in_degrees).tolist()},
        "cites": {names[i]: int(out_degrees[i]) for i in np.flatnonzero(out_degrees).tolist()},
        "pagerank": adapters.pagerank(graph),
        "topic_names": [t.key for t in prepared.lens.topics],
        "topics": {p: list(keys) for p, keys in prepared.topics_of.items() if keys},
        "parent": adapters.descent_tree(graph, seed),
        "retracted": dict.fromkeys(sorted(prepared.retracted, key=int), True),
        "via": adapters.through_retracted(graph, seed, prepared.retracted),
    }


#: entries per message from the overview process: unpickling one message holds the GIL (the
#: browser's key presses wait), so a large overview arrives in many small slices
OVERVIEW_SLICE = 4000


class OverviewError(Exception):
    """The overview process failed; the message is its own account (``Type: message``)."""


def _overview_child(send, store_path: str, seed: str, slice_size: int = OVERVIEW_SLICE,
                    compute: Callable[[str, str], dict] | None = None) -> None:
    """The overview process: background work, so it yields the CPU to the browser (nice).

    SIGTERM (:meth:`BrowseData.stop`) ends it by unwinding, so that a lens worker it started
    is stopped and its queues released (killed outright, it would leave them to the resource
    tracker, which complains on the terminal)."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if hasattr(os, "nice"):
            os.nice(10)
        overview = (compute or compute_overview)(store_path, seed)
        for key, value in overview.items():
            if isinstance(value, dict):
                items = list(value.items())
                send.send(("part", key, {}))
                for start in range(0, len(items), slice_size):
                    send.send(("part", key, dict(items[start:start + slice_size])))
            else:
                send.send(("part", key, value))
        send.send(("done", None, None))
    except Exception as exc:  # reported to the browser, which goes on without it
        send.send(("error", f"{type(exc).__name__}: {exc}", None))
    finally:
        send.close()


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


class BrowseData:
    """Lean access to a store for the browser; :meth:`load_overview` may run on a worker thread
    (it publishes its results in one step at the end).

    ``compute`` replaces :func:`compute_overview` (same arguments and answer; a module-level
    function, so that the overview process can be given it). ``filters`` are the selection the
    browser was opened with: every list keeps only the papers they keep (:meth:`keep`), and
    their lens classifies the overview's topics. A topic they name that the lens lacks is an
    :class:`~citegraph.errors.InputError`."""

    def __init__(self, store: Store, *, cache_size: int = 256,
                 compute: Callable[[str, str], dict] | None = None, filters: Filters | None = None) -> None:
        self.store = store
        self._compute = compute
        filters = (filters or Filters()).records_only()
        if filters.topics:
            from ..analysis.lens import load_lens
            from ..analysis.load import topic_keys

            filters = topic_keys(load_lens(filters.lens), filters)
        #: the record filters every list applies (topics as lens keys)
        self.filters = filters
        if filters.lens is not None:
            self._compute = functools.partial(compute or compute_overview, lens_path=str(filters.lens))
        #: (year, title, journal) of the stored papers seen so far (see :meth:`known`)
        self.summaries: dict[str, tuple[int | None, str, str]] = {}
        self._absent: set[str] = set()
        self._articles: OrderedDict[str, Article | None] = OrderedDict()
        self._cache_size = cache_size
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        #: set by load_overview (see compute_overview)
        self.overview: dict | None = None
        self.overview_seed: str | None = None
        #: why the last load_overview failed (``Type: message``, untrusted text); None while
        #: it runs or once it has succeeded
        self.overview_error: str | None = None
        self._process = None
        #: dict entries per message from the overview process (see OVERVIEW_SLICE)
        self.overview_slice = OVERVIEW_SLICE

    @property
    def pagerank(self) -> dict[str, float] | None:
        return self.overview["pagerank"] if self.overview else None

    def marks(self, pmid: str) -> dict:
        """``{"retracted": bool, "via_retracted": PMID or None}`` for ``pmid`` (what
        :func:`citegraph.views.analysis.flag` reads), from the overview; unmarked before it."""
        if self.overview is None:
            return {"retracted": False, "via_retracted": None}
        return {"retracted": pmid in self.overview["retracted"], "via_retracted": self.overview["via"].get(pmid)}

    @property
    def topics(self) -> dict[str, list[str]] | None:
        return self.overview["topics"] if self.overview else None

    @property
    def topic_names(self) -> list[str]:
        return self.overview["topic_names"] if self.overview else []

    # -- one paper ---------------------------------------------------------------------------
    def known(self, pmids: Iterable[str]) -> None:
        """Read the summaries of those of ``pmids`` not seen yet (one query per 500)."""
        new = [p for p in pmids if p not in self.summaries and p not in self._absent]
        if new:
            found = self.store.summaries_of(new)
            self.summaries.update(found)
            self._absent.update(p for p in new if p not in found)

    def summary(self, pmid: str) -> tuple[int | None, str, str] | None:
        """(year, title, journal), or None when ``pmid`` has no stored record."""
        self.known([pmid])
        return self.summaries.get(pmid)

    def article(self, pmid: str) -> Article | None:
        """The full record (cached); None for a PMID without a stored record."""
        if pmid in self._articles:
            self._articles.move_to_end(pmid)
            return self._articles[pmid]
        article = self.store.get_article(pmid) if self.summary(pmid) is not None else None
        self._articles[pmid] = article
        if len(self._articles) > self._cache_size:
            self._articles.popitem(last=False)
        return article

    def sentences(self, citing: str, cited: str) -> list[dict]:
        """The sentences of ``citing``'s stored full text that cite ``cited`` (see
        :meth:`citegraph.store.Store.contexts_of`); empty without full text."""
        return self.store.contexts_of(cited, citing)

    def citing(self, pmid: str) -> list[str]:
        """Stored papers that cite ``pmid``."""
        citing = self.store.citing(pmid)
        self.known(citing)
        return [p for p in citing if p in self.summaries]

    def references(self, pmid: str) -> list[str]:
        """Papers ``pmid`` cites, stored or not (references outside the crawl are listed too)."""
        cited = self.store.cited(pmid)
        self.known(cited)
        return cited

    def stored_references(self, pmid: str) -> int:
        """How many stored papers ``pmid`` cites."""
        if self.overview is not None:
            return self.overview["cites"].get(pmid, 0)
        return sum(1 for p in self.references(pmid) if p in self.summaries)

    def cited_by_count(self, pmid: str) -> int:
        """In-graph citations: how many stored papers cite ``pmid``."""
        return self.cited_by_counts([pmid])[pmid]

    def cited_by_counts(self, pmids: Iterable[str]) -> dict[str, int]:
        pmids = list(pmids)
        if self.overview is not None:
            counts = self.overview["cited_by"]
            return {p: counts.get(p, 0) for p in pmids}
        missing = [p for p in pmids if p not in self._counts]
        if missing:
            self._counts.update(self.store.cited_by_counts(missing))  # the overview corrects for unstored citers
            for p in missing:
                self._counts.setdefault(p, 0)
        return {p: self._counts[p] for p in pmids}

    def prefetch_counts(self, pmids: Iterable[str]) -> None:
        """Read the in-store citation counts of ``pmids`` ahead of need (before the overview has
        arrived), for a worker thread: through a connection of its own."""
        missing = [p for p in pmids if p not in self._counts]
        if not missing or self.overview is not None:
            return
        with Store(self.store.path, readonly=True) as store:
            found = store.cited_by_counts(missing)
        self._counts.update({p: found.get(p, 0) for p in missing})

    def topics_of(self, pmid: str) -> list[str]:
        return self.topics.get(pmid, []) if self.topics is not None else []

    # -- the selection -------------------------------------------------------------------------
    def passing(self, pmids: Iterable[str], filters: Filters) -> list[str]:
        """Those of ``pmids`` that pass the record filters of ``filters``
        (:meth:`~citegraph.filters.Filters.matches`), in the order given. A paper without a stored
        record has no year, title or metadata; lens topics are the overview's (none before it
        arrives). Publication types, MeSH and abstracts are read only when a filter needs them."""
        pmids = list(pmids)
        if not filters.active:
            return pmids
        self.known(pmids)
        meta = {}
        if filters.needs_meta or filters.needs_text:
            from ..analysis.load import load_meta

            meta = load_meta(self.store, [p for p in pmids if p in self.summaries], abstracts=filters.needs_text)
        return [p for p in pmids if filters.matches(self._record(p, meta.get(p)))]

    def _record(self, pmid: str, meta) -> PaperRecord:
        year, title, journal = self.summaries.get(pmid, (None, "", ""))
        record = PaperRecord(year=year, title=title or "", journal=journal or "",
                             topics=tuple(self.topics_of(pmid)))
        if meta is None:
            return record
        return replace(record, abstract=meta.abstract, publication_types=tuple(meta.publication_types),
                       mesh=tuple(meta.mesh))

    def keep(self, pmids: Iterable[str], box: Filters | None = None) -> list[str]:
        """Those of ``pmids`` that both :attr:`filters` and ``box`` (the filter box's) keep."""
        kept = self.passing(pmids, self.filters)
        return self.passing(kept, box) if box is not None else kept

    def neighbours(self, pmid: str, direction: str, box: Filters | None = None) -> list[str]:
        """The list the browser shows for ``pmid``: its citing papers (``direction`` "citing") or
        its references ("references"), less those :meth:`keep` drops."""
        return self.keep(self.citing(pmid) if direction == "citing" else self.references(pmid), box)

    # -- the whole graph (worker thread) -----------------------------------------------------
    def overview_in_process(self, in_process: bool | None = None) -> bool:
        """Whether the overview is computed in this process (small stores) or another one.

        For another one, call this before a Textual app starts: it starts multiprocessing's
        resource tracker while ``sys.stderr`` is still the real one (Textual replaces it with
        an object without a file descriptor, and the tracker needs one)."""
        if in_process is None:
            in_process = self.store.path.stat().st_size < IN_PROCESS_BELOW
        if not in_process:
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
        return in_process

    def load_overview(self, seed: str, *, in_process: bool | None = None) -> None:
        """Compute :func:`compute_overview` (in a separate process for large stores) and publish
        it; on failure set :attr:`overview_error` instead (a later call tries again)."""
        if in_process is None:
            in_process = self.overview_in_process()
        self.overview_error = None
        try:
            if in_process:
                overview = (self._compute or compute_overview)(str(self.store.path), seed)
            else:
                overview = self._in_subprocess(seed)
        except OverviewError as exc:
            self.overview_error = str(exc)
            return
        except Exception as exc:  # the browser keeps working without it
            self.overview_error = f"{type(exc).__name__}: {exc}"
            return
        with self._lock:
            self.overview_seed = seed
            self.overview = overview

    def _in_subprocess(self, seed: str) -> dict:
        context = multiprocessing.get_context("spawn")  # no fork of a process running threads
        receive, send = context.Pipe(duplex=False)
        # not a daemon: a daemonic process may not start processes, and the overview starts the
        # lens' worker on a cold topic cache (citegraph.analysis.lens_store.start_cold). It is
        # stopped by stop() when the browser closes, and here if this thread leaves early.
        process = context.Process(target=_overview_child, daemon=False,
                                  args=(send, str(self.store.path), seed, self.overview_slice, self._compute))
        process.start()
        send.close()
        self._process = process
        overview: dict = {}
        try:
            while True:
                kind, key, value = receive.recv()  # waits without holding the GIL
                if kind == "done":
                    return overview
                if kind == "error":
                    raise OverviewError(key)
                if isinstance(value, dict) and key in overview:
                    overview[key].update(value)
                else:
                    overview[key] = value
        except EOFError:
            raise OverviewError("the overview process ended without an answer (stopped?)") from None
        finally:
            receive.close()
            process.join(5)
            if process.is_alive():  # closed its end of the pipe without ending
                process.kill()
                process.join()
            self._process = None

    def stop(self) -> None:
        """Stop a running overview process (the browser is closing); it ends once it has stopped
        what it started (see :func:`_overview_child`), and the thread in
        :meth:`load_overview` returns then."""
        process = self._process
        if process is not None and process.is_alive():
            process.terminate()

    def path_ready(self, seed: str) -> bool:
        """Whether :meth:`path_from` answers at once (from the overview's descent tree)."""
        return self.overview is not None and self.overview_seed == seed

    def path_from(self, seed: str, pmid: str) -> list[str] | None:
        """A shortest chain seed <- ... <- pmid (each paper cited by the next), or None."""
        if pmid == seed:
            return [seed]
        if self.path_ready(seed):
            parent = self.overview["parent"]
            if pmid not in parent:
                return None
            chain = [pmid]
            while chain[-1] != seed:
                chain.append(parent[chain[-1]])
            return chain[::-1]
        return _search_path(self.store, seed, pmid)

    def search_path(self, seed: str, pmid: str, *, cancelled: Callable[[], bool] = lambda: False) -> list[str] | None:
        """:meth:`path_from` for a worker thread: before the overview has arrived, the search
        reads the store through a connection of its own and stops (None) once ``cancelled()``."""
        if pmid == seed or self.path_ready(seed):
            return self.path_from(seed, pmid)
        with Store(self.store.path, readonly=True) as store:
            return _search_path(store, seed, pmid, cancelled)


def _search_path(store: Store, seed: str, pmid: str,
                 cancelled: Callable[[], bool] = lambda: False) -> list[str] | None:
    """Breadth-first over references from ``pmid`` through SQL (at most 50,000 papers)."""
    if pmid == seed:
        return [seed]
    parent_of: dict[str, str | None] = {pmid: None}
    queue = deque([pmid])
    while queue and len(parent_of) < 50_000:
        if cancelled():
            return None
        node = queue.popleft()
        for cited in store.cited(node):
            if cited in parent_of:
                continue
            parent_of[cited] = node
            if cited == seed:
                chain = [seed]
                while parent_of[chain[-1]] is not None:
                    chain.append(parent_of[chain[-1]])
                return chain
            queue.append(cited)
    return None
