"""Classifying the stored records by a lens: titles, abstracts (cut out of the records) and MeSH
read from the store (:meth:`Store.lens_columns`), classified as
:func:`~citegraph.analysis.lens_batch.topic_masks` does and kept in the store's topic cache.

A first classification of a large store (a cold cache) runs in two processes: the store is cut
into parts by PMID; a worker process (:mod:`citegraph.worker_pool`: it ignores Ctrl-C and
exits when its owner dies) reads, classifies and keeps them from the top down, this process
from the bottom up, until they meet. :func:`start_cold` starts the worker before the command
loads its graph, so that the two cores load and classify at once. A part the worker fails
for any reason is done again here, where a real error (an unreadable store, a full disk) is
raised as it would be without a worker; on an interrupt or an error the worker is stopped.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Sequence

import numpy as np
import orjson

from ..store import Store
from ..worker_pool import worker_pool
from .lens_batch import _containing_ascii, mesh_matches, text_matches, topic_keys, topics_by_paper
from .lens_rules import Lens

__all__ = ["POOL_FROM_PAPERS", "ColdStart", "start_cold", "classify_store", "lens_mesh_matches"]

#: stores with fewer papers to classify are classified in one process (a worker takes about a
#: third of a second to start, a process classifies some 40,000 papers a second)
POOL_FROM_PAPERS = 20_000
#: the store is classified in parts of about this many papers (at most 32 parts): the worker
#: takes them from the top, the command from the bottom, until they meet (the command then
#: waits for the worker's part in hand, and one queued: small parts, short waits)
_PART_PAPERS = 3_000

_ALL = (-(1 << 63), (1 << 63) - 1)


class ColdStart:
    """A worker classifying the parts of the store (``parts``: PMID ranges in ascending order)
    from the top down, started by :func:`start_cold` or :func:`classify_store`:
    :func:`classify_store` takes it, or :meth:`cancel` stops it (on an error, an interrupt, or
    when it is not needed after all)."""

    def __init__(self, executor: ProcessPoolExecutor, parts: list[tuple[int, int]], futures: list[Future]) -> None:
        self.executor, self.parts, self.futures = executor, parts, futures

    def cancel(self) -> None:
        """Stop the worker and its pool at once (what it had not committed to the cache is lost)."""
        # ProcessPoolExecutor has no public way to stop a busy worker before Python 3.14
        for process in list((getattr(self.executor, "_processes", None) or {}).values()):
            process.terminate()
        self.executor.shutdown(wait=True, cancel_futures=True)


def start_cold(store: Store, lens: Lens, *, pool_from: int | None = None) -> ColdStart | None:
    """Start classifying the stored papers in a worker, from the top PMIDs down, when the topic
    cache holds less than half of them for ``lens`` (a first classification, which a command
    then does in one scan of the store) and they number ``pool_from`` or more; else None."""
    pool_from = POOL_FROM_PAPERS if pool_from is None else pool_from
    if not lens.digest or (os.cpu_count() or 1) < 2:
        return None
    count = store.article_count()
    if count < max(pool_from, 1) or store.count_topic_cache(lens.digest) * 2 >= count:
        return None
    return _start(store, lens, _parts(store.article_pmids()))


def _parts(pmids: Sequence[int]) -> list[tuple[int, int]]:
    """PMID ranges holding about :data:`_PART_PAPERS` of ``pmids`` each, in ascending order,
    covering every PMID."""
    numbers = np.sort(np.array(pmids, dtype=np.int64))
    count = max(2, min(32, len(numbers) // _PART_PAPERS))
    bounds = sorted({int(numbers[len(numbers) * k // count]) for k in range(1, count)})
    return list(zip([_ALL[0], *bounds], [*bounds, _ALL[1]]))


def _start(store: Store, lens: Lens, parts: list[tuple[int, int]]) -> ColdStart:
    store.sync_article_meta()  # before the worker reads article_meta
    keep = not store.readonly
    executor = worker_pool(1)
    futures: list[Future] = [None] * len(parts)  # type: ignore[list-item]
    try:
        for i in reversed(range(len(parts))):
            futures[i] = executor.submit(_classify_in_worker, str(store.path), lens, parts[i], keep)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    return ColdStart(executor, parts, futures)


def classify_store(store: Store, lens: Lens, pmids: Sequence[str], *, scan: bool = False, keep: bool = True,
                   pool_from: int | None = None, started: ColdStart | None = None
                   ) -> tuple[dict[str, list[str]], set[str]]:
    """Classify the stored papers among ``pmids`` (with ``scan``, every stored paper, read in one
    scan of the store, in two processes when ``pmids`` number ``pool_from`` (default
    :data:`POOL_FROM_PAPERS`) or more, or when a worker was ``started`` already), keep the
    result in the topic cache (unless ``keep`` is false or the store is read-only) and return
    ``({pmid: [topic keys]} of those of ``pmids`` in a topic, the PMIDs classified)``.

    With a worker, this process takes the parts from the bottom up, each one it can still
    take from the worker's queue, and then collects the worker's answers; a part the worker
    failed (for any reason) is classified here, which raises any real error itself."""
    if started is not None and (not scan or not keep):
        started.cancel()  # a worker keeps what it classifies: not for a caller that asks not to
        started = None
    keep = keep and bool(lens.digest) and not store.readonly
    pool_from = POOL_FROM_PAPERS if pool_from is None else pool_from
    wanted = set(pmids)
    if started is None:  # once, before any part is read (a worker's cache writes would make each part sync again)
        store.sync_article_meta()
    if started is None and scan and len(pmids) >= pool_from and (os.cpu_count() or 1) > 1:
        try:
            numbers = [int(p) for p in pmids]
        except (TypeError, ValueError):
            numbers = []
        if numbers:
            started = _start(store, lens, _parts(numbers))
    if not scan:
        return _answers(lens, *_classify(store, lens, list(pmids), keep), wanted)
    if started is None:
        return _answers(lens, *_classify(store, lens, _ALL, keep), wanted)
    found: dict[str, list[str]] = {}
    stored: set[str] = set()
    try:
        theirs = []
        for part, future in zip(started.parts, started.futures):
            if theirs or not future.cancel():  # the worker has it, and all the parts above
                theirs.append((part, future))
                continue
            more_found, more_stored = _answers(lens, *_classify(store, lens, part, keep), wanted)
            found.update(more_found)
            stored |= more_stored
        for part, future in theirs:
            answer = _worker_result(future)
            if answer is None:  # the worker failed: the part here, raising what is really wrong
                answer = _classify(store, lens, part, keep)
            more_found, more_stored = _answers(lens, *answer, wanted)
            found.update(more_found)
            stored |= more_stored
    except BaseException:
        started.cancel()
        raise
    started.executor.shutdown(wait=True)
    return found, stored


def _answers(lens: Lens, pmids: np.ndarray, masks: np.ndarray, wanted: set[str]
             ) -> tuple[dict[str, list[str]], set[str]]:
    """:func:`classify_store`'s answer for one part."""
    stored = list(map(str, pmids.tolist()))
    found = {p: keys for p, keys in topics_by_paper(lens, stored, masks).items() if p in wanted}
    return found, set(stored)


def _worker_result(future: Future) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - done again in this process, which raises a real error
        return None


def _classify_in_worker(path: str, lens: Lens, between: tuple[int, int], keep: bool
                        ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_classify` in a worker process: the store opened read-only for reading (the owner
    has brought ``article_meta`` up to date) and again for keeping the result."""
    with Store(path, readonly=True) as reader:
        pmids, masks, fetched_at = _classify_rows(reader, lens, between)
    if keep:
        with Store(path) as writer:
            _keep(writer, lens, pmids, masks, fetched_at)
    return pmids, masks


def _classify(store: Store, lens: Lens, which: tuple[int, int] | list[str], keep: bool
              ) -> tuple[np.ndarray, np.ndarray]:
    """(PMIDs, topic masks) of the stored papers with ``which[0] <= pmid < which[1]``, or
    among the PMIDs ``which``, kept in the topic cache when ``keep``."""
    pmids, masks, fetched_at = _classify_rows(store, lens, which)
    if keep:
        _keep(store, lens, pmids, masks, fetched_at)
    return pmids, masks


def _classify_rows(store: Store, lens: Lens, which: tuple[int, int] | list[str]
                   ) -> tuple[np.ndarray, np.ndarray, list[float]]:
    # article_meta was brought up to date before the classification began (classify_store)
    if isinstance(which, list):
        pmids, titles, abstracts, mesh, fetched_at = store.lens_columns(which, sync=False)
    else:
        pmids, titles, abstracts, mesh, fetched_at = store.lens_columns(
            between=None if which == _ALL else which, sync=False)
    masks = text_matches(lens, titles, abstracts, lens_mesh_matches(lens, mesh))
    return np.array(pmids, dtype=np.int64), masks, fetched_at


def _keep(store: Store, lens: Lens, pmids: np.ndarray, masks: np.ndarray, fetched_at: list[float]) -> None:
    """Topic cache rows for the classified papers: topic keys joined by tabs ('' for none)."""
    keys = topic_keys(lens, masks)
    joined = {k: "\t".join(k) for k in set(keys)}
    store.write_topic_cache(lens.digest, zip(pmids.tolist(), fetched_at, [joined[k] for k in keys]))


def lens_mesh_matches(lens: Lens, raw: list[str]) -> np.ndarray:
    """:func:`~citegraph.analysis.lens_batch.mesh_matches` of papers given by their
    ``article_meta`` MeSH JSON text (``[["D007376","Interleukin-2"], ...]``, compact, as SQLite
    writes it). A term without quotes, backslashes, control or non-ASCII characters is a UI or
    name of the paper exactly when the lower-cased text holds it between quotes (consecutive
    quotes there enclose a value or a separator, ``,`` or ``],[``), so the texts are searched,
    not decoded; with other terms they are decoded."""
    terms = {term for topic in lens.topics for term in topic.mesh}
    plain = all(t.isascii() and t.strip(",[] ") and not any(c in t for c in '"\\') and
                all(ord(c) >= 32 for c in t) for t in terms)
    if not plain:
        return mesh_matches(lens, [[v for pair in orjson.loads(r) for v in pair if isinstance(v, str)] for r in raw])
    # the needles cannot overlap in compact JSON: a closing quote is followed by , or ]
    found, _ = _containing_ascii(raw, (f'"{t}"' for t in terms), apart=True)
    in_topic = np.zeros((len(lens.topics), len(raw)), dtype=bool)
    for k, topic in enumerate(lens.topics):
        for term in topic.mesh:
            in_topic[k] |= found[f'"{term}"']
    return in_topic
