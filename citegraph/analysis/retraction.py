"""Retraction awareness: which papers are retracted, and which descend from a seed through one.

A paper is retracted when its record says so (publication type "Retracted Publication" or a
``RetractionIn`` correction; see :class:`citegraph.models.Article`). A paper descends from the
seed *through* a retracted paper when a shortest citation chain from it to the seed passes
through a retracted paper (the seed itself and the paper's own status aside): the line by which
it reaches the seed leans on withdrawn work.
"""

from __future__ import annotations

from collections import deque
from typing import Iterable, Mapping

import networkx as nx
import numpy as np

from .core import CitationGraph, bfs, gather, is_core
from .selection import require_node

__all__ = ["retracted_set", "through_retracted"]


def retracted_set(meta: Mapping[str, object], nodes: Iterable[str] | None = None) -> set[str]:
    """The PMIDs among ``nodes`` (default: all of ``meta``) whose metadata says retracted."""
    keys = meta.keys() if nodes is None else (n for n in nodes if n in meta)
    return {n for n in keys if getattr(meta[n], "retracted", False)}


def through_retracted(graph: nx.DiGraph, seed: str, retracted: Iterable[str]) -> dict[str, str]:
    """{pmid: a retracted paper on one of its shortest chains to ``seed``} for each descendant
    of the seed with such a chain (the retracted paper nearest the seed, lowest PMID on a tie).

    Breadth-first from the seed along "cited by" links: a paper inherits the flag of any
    parent one generation closer to the seed, or gets it from a retracted parent.
    """
    require_node(graph, seed, "seed")
    if is_core(graph):
        return _through_retracted_core(graph, seed, retracted)
    bad = set(retracted)
    gen = {seed: 0}
    via: dict[str, str] = {}
    order = [seed]
    queue = deque([seed])
    pred = graph.pred
    while queue:
        node = queue.popleft()
        for citing in pred[node]:
            if citing not in gen:
                gen[citing] = gen[node] + 1
                queue.append(citing)
                order.append(citing)
    succ = graph.succ
    for node in order[1:]:
        best = None
        for parent in succ[node]:
            if gen.get(parent) != gen[node] - 1:
                continue
            if parent in via:
                candidate = via[parent]
            elif parent in bad and parent != seed:
                candidate = parent
            else:
                continue
            key = (gen[candidate], int(candidate) if candidate.isdigit() else 0)
            if best is None or key < best[0]:
                best = (key, candidate)
        if best is not None:
            via[node] = best[1]
    return via


def _through_retracted_core(graph: CitationGraph, seed: str, retracted: Iterable[str]) -> dict[str, str]:
    """:func:`through_retracted` one generation at a time on the arrays. Node index order is
    PMID order, so (generation, index) orders candidates as (generation, PMID) does."""
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
