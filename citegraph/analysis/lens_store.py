"""Classifying the stored records by a lens: titles, abstracts (cut out of the records) and MeSH
read from the store (:meth:`Store.lens_columns`), classified as
:func:`~citegraph.analysis.lens_batch.topic_masks` does and kept in the store's topic cache.

A first classification of a large store (a cold cache) is split in two by PMID: a worker
process (:mod:`citegraph.worker_pool`: it ignores Ctrl-C and exits when its owner dies)
reads, classifies and keeps the upper part while this process does the lower part. A worker
that fails for any reason has its part done again here, where a real error (an unreadable
store, a full disk) is raised as it would be without a worker.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from typing import Sequence

import numpy as np
import orjson

from ..store import Store
from ..worker_pool import worker_pool
from .lens_batch import _containing_ascii, mesh_matches, text_matches, topic_keys, topics_by_paper
from .lens_rules import Lens

__all__ = ["POOL_FROM_PAPERS", "classify_store", "lens_mesh_matches"]

#: stores with fewer papers to classify are classified in one process (a worker takes about a
#: third of a second to start, a process classifies some 50,000 papers a second)
POOL_FROM_PAPERS = 20_000
#: the share of the papers the worker classifies: a little under half, as it starts later
_WORKER_SHARE = 0.45

_ALL = (-(1 << 63), (1 << 63) - 1)


def classify_store(store: Store, lens: Lens, pmids: Sequence[str], *, scan: bool = False, keep: bool = True,
                   pool_from: int | None = None) -> tuple[dict[str, list[str]], set[str]]:
    """Classify the stored papers among ``pmids`` (with ``scan``, every stored paper, read in one
    scan of the store, in two processes when ``pmids`` number ``pool_from`` (default
    :data:`POOL_FROM_PAPERS`) or more), keep the result in the topic cache (unless ``keep`` is
    false or the store is read-only) and return ``({pmid: [topic keys]} of those of ``pmids``
    in a topic, the PMIDs classified)``."""
    keep = keep and bool(lens.digest) and not store.readonly
    pool_from = POOL_FROM_PAPERS if pool_from is None else pool_from
    split = None
    if scan and len(pmids) >= pool_from and (os.cpu_count() or 1) > 1:
        split = _split_point(pmids)
    wanted = set(pmids)
    if not scan:
        return _answers(lens, *_classify(store, lens, list(pmids), keep), wanted)
    if split is None:
        return _answers(lens, *_classify(store, lens, _ALL, keep), wanted)
    store.sync_article_meta()  # before the worker reads article_meta
    upper = (split, _ALL[1])
    executor = worker_pool(1)
    try:
        future = executor.submit(_classify_in_worker, str(store.path), lens, upper, keep)
        found, stored = _answers(lens, *_classify(store, lens, (_ALL[0], split), keep), wanted)
        theirs = _worker_result(future)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    if theirs is None:  # the worker failed: its part here, raising what is really wrong
        theirs = _classify(store, lens, upper, keep)
    more_found, more_stored = _answers(lens, *theirs, wanted)
    found.update(more_found)
    return found, stored | more_stored


def _answers(lens: Lens, pmids: np.ndarray, masks: np.ndarray, wanted: set[str]
             ) -> tuple[dict[str, list[str]], set[str]]:
    """:func:`classify_store`'s answer for one part."""
    stored = list(map(str, pmids.tolist()))
    found = {p: keys for p, keys in topics_by_paper(lens, stored, masks).items() if p in wanted}
    return found, set(stored)


def _split_point(pmids: Sequence[str]) -> int | None:
    """The PMID above which the worker's share of ``pmids`` lies."""
    try:
        numbers = np.sort(np.fromiter(map(int, pmids), dtype=np.int64, count=len(pmids)))
    except (TypeError, ValueError, OverflowError):
        return None
    return int(numbers[int(len(numbers) * (1 - _WORKER_SHARE))])


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
    if isinstance(which, list):
        pmids, titles, abstracts, mesh, fetched_at = store.lens_columns(which)
    else:
        pmids, titles, abstracts, mesh, fetched_at = store.lens_columns(between=None if which == _ALL else which)
    masks = text_matches(lens, titles, abstracts, lens_mesh_matches(lens, mesh))
    return np.array(pmids, dtype=np.int64), masks, fetched_at


def _keep(store: Store, lens: Lens, pmids: np.ndarray, masks: np.ndarray, fetched_at: list[float]) -> None:
    """Topic cache rows for the classified papers: topic keys joined by tabs ('' for none)."""
    keys = topic_keys(lens, masks)
    joined = {k: "\t".join(k) for k in set(keys)}
    store.keep_topics(lens.digest, zip(pmids.tolist(), fetched_at, [joined[k] for k in keys]))


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
    found, _ = _containing_ascii(raw, (f'"{t}"' for t in terms))
    in_topic = np.zeros((len(lens.topics), len(raw)), dtype=bool)
    for k, topic in enumerate(lens.topics):
        for term in topic.mesh:
            in_topic[k] |= found[f'"{term}"']
    return in_topic
