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
