"""Retraction awareness: which papers are retracted, and which descend from a seed through one.

A paper is retracted when its record says so (publication type "Retracted Publication" or a
``RetractionIn`` correction; see :class:`citegraph.models.Article`). A paper descends from the
seed *through* a retracted paper when a shortest citation chain from it to the seed passes
through a retracted paper (the seed itself and the paper's own status aside): the line by which
it reaches the seed leans on withdrawn work.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

from .csr import CitationGraph, bfs, gather
from .selection import require_node

__all__ = ["retracted_set", "through_retracted"]


def retracted_set(meta: Mapping[str, object], nodes: Iterable[str] | None = None) -> set[str]:
    """The PMIDs among ``nodes`` (default: all of ``meta``) whose metadata says retracted."""
    keys = meta.keys() if nodes is None else (n for n in nodes if n in meta)
    return {n for n in keys if getattr(meta[n], "retracted", False)}


def through_retracted(graph: CitationGraph, seed: str, retracted: Iterable[str]) -> dict[str, str]:
    """{pmid: a retracted paper on one of its shortest chains to ``seed``} for each descendant
    of the seed with such a chain (the retracted paper nearest the seed, lowest PMID on a tie).

    Breadth-first from the seed along "cited by" links: a paper inherits the flag of any
    parent one generation closer to the seed, or gets it from a retracted parent: one
    generation at a time. Node index order is PMID order, so (generation, index) orders
    candidates as (generation, PMID) does.
    """
    require_node(graph, seed, "seed")
    dist, levels = bfs([(graph.in_ptr, graph.in_idx)], graph.n, np.array([graph.index(seed)]))
    bad = np.zeros(graph.n, dtype=bool)
    bad[graph.indices(p for p in retracted if p in graph)] = True
    bad[graph.index(seed)] = False
    via = np.full(graph.n, -1, dtype=np.int64)
    big = graph.n + 1
    for level in levels[1:]:
        child, parent, _ = gather(graph.out_ptr, graph.dst, level)
        on = dist[parent] == dist[child] - 1
        child, parent = child[on], parent[on]
        candidate = np.where(via[parent] >= 0, via[parent], np.where(bad[parent], parent, -1))
        has = candidate >= 0
        child, candidate = child[has], candidate[has]
        if not child.size:
            continue
        key = dist[candidate] * big + candidate
        order = np.lexsort((key, child))  # by child, then smallest key first
        child, key = child[order], key[order]
        first = np.concatenate(([True], child[1:] != child[:-1]))
        via[child[first]] = key[first] % big
    found = np.flatnonzero(via >= 0)
    return dict(zip(graph.names(found), graph.names(via[found])))
