"""Communities of papers: Louvain modularity (Blondel et al. 2008, igraph's compiled
``community_multilevel``) on the undirected citation graph, with a fixed random seed so the same
graph gives the same communities, each labelled by its most distinctive MeSH descriptors.

The undirected graph is built straight from the integer arrays of the
:class:`~citegraph.analysis.csr.CitationGraph`: one edge per pair of papers citing each other
in either direction, unweighted.
Louvain moves nodes in a random order; the seed fixes that order (igraph draws from a
``random.Random(seed)`` for the call, not from the process-wide generator).

Distinctiveness of descriptor d in community C: p_C(d) * log(p_C(d) / p(d)), where p_C(d) is
the share of C's papers indexed with d and p(d) the share in the whole graph (a term of the
Kullback-Leibler divergence of C from the graph). Check tags such as Humans or Female, common
everywhere, score near zero and fall out on their own; descriptors on fewer than two papers of
a community are not used.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Mapping

import igraph
import numpy as np

from ..errors import InputError
from .csr import CitationGraph, distinct, years_of
from .influence import citation_counts
from .selection import PaperMeta

__all__ = ["communities", "louvain"]


def _order(node: str):
    return (int(node) if node.isdigit() else 0, node)


def _undirected(graph: CitationGraph) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(node names in PMID order, and the two ends of each undirected edge as indices into
    them, each pair once, self-loops left out)."""
    names, src, dst = graph.names(), graph.src, graph.dst
    n = len(names)
    low, high = np.minimum(src, dst), np.maximum(src, dst)
    key = distinct(low[low != high] * n + high[low != high])
    return names, key // n, key % n


def louvain(n: int, ends: tuple[np.ndarray, np.ndarray], *, resolution: float = 1.0, seed: int = 0) -> list[int]:
    """Louvain community of each of the ``n`` nodes of the undirected graph with edges
    ``ends`` (two index arrays), as igraph's multilevel algorithm finds them with random seed
    ``seed``: a list of community numbers."""
    g = igraph.Graph(n=n, edges=list(zip(ends[0].tolist(), ends[1].tolist())))
    igraph.set_random_number_generator(random.Random(seed))
    try:
        return g.community_multilevel(resolution=resolution).membership
    finally:
        igraph.set_random_number_generator(random)


def communities(graph: CitationGraph, meta: Mapping[str, PaperMeta] | None = None, *, resolution: float = 1.0,
                seed: int = 0, min_size: int = 2, labels: int = 3, members: int = 5) -> list[dict]:
    """Communities, largest first: ``{"id", "size", "labels": [{"ui", "descriptor", "papers"}],
    "years": [first, last] | None, "top": [{"pmid", "citations"}], "members": [pmid, ...]}``
    (``top``: the ``members`` most cited papers inside the graph). Communities smaller than
    ``min_size`` (isolated papers) are left out."""
    if resolution <= 0:
        raise InputError("--resolution must be positive")
    meta = meta or {}
    nodes, low, high = _undirected(graph)
    if len(low) == 0:
        return []
    membership = louvain(len(nodes), (low, high), resolution=resolution, seed=seed)
    found: dict[int, list[str]] = {}
    for node, community in zip(nodes, membership):  # nodes in PMID order: members stay sorted
        found.setdefault(community, []).append(node)
    groups = sorted((c for c in found.values() if len(c) >= min_size), key=lambda c: (-len(c), _order(c[0])))
    empty = PaperMeta()
    names: dict[str, str] = {}
    overall: Counter = Counter()
    for node in graph.nodes:
        for ui, name in set(meta.get(node, empty).mesh):
            overall[ui] += 1
            names.setdefault(ui, name)
    total = graph.number_of_nodes()
    counts = citation_counts(graph)
    result = []
    for number, group in enumerate(groups, 1):
        local: Counter = Counter()
        for node in group:
            local.update({ui for ui, _ in meta.get(node, empty).mesh})
        scored = []
        for ui, k in local.items():
            if k < 2:
                continue
            p_local, p_all = k / len(group), overall[ui] / total
            scored.append((p_local * math.log(p_local / p_all), k, ui))
        scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
        years = [y for y in years_of(graph, group).values() if y is not None]
        top = sorted(group, key=lambda n: (-counts[n], _order(n)))[:members]
        result.append({
            "id": number,
            "size": len(group),
            "labels": [{"ui": ui, "descriptor": names[ui], "papers": k} for score, k, ui in scored[:labels]
                       if score > 0],
            "years": [min(years), max(years)] if years else None,
            "top": [{"pmid": n, "citations": counts[n]} for n in top],
            "members": group,
        })
    return result
