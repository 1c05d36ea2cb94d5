"""Communities of papers: Leiden with the modularity objective (Traag, Waltman and van Eck
2019, igraph's compiled ``community_leiden``) on the undirected citation graph, with a fixed
random seed so the same graph gives the same communities, each labelled by its most
distinctive MeSH descriptors.

The undirected graph is built straight from the integer arrays of the
:class:`~citegraph.analysis.csr.CitationGraph`: one edge per pair of papers citing each other
in either direction, unweighted. Leiden improves on Louvain's local moves with a refinement
step that keeps every community connected; it visits nodes in a random order, which the seed
fixes (igraph draws from a ``random.Random(seed)`` for the call, not from the process-wide
generator). The resolution is modularity's: 1 is plain modularity, above 1 favours more,
smaller communities.

Distinctiveness of descriptor d in community C: p_C(d) * log(p_C(d) / p(d)), where p_C(d) is
the share of C's papers indexed with d and p(d) the share in the whole graph (a term of the
Kullback-Leibler divergence of C from the graph). Check tags such as Humans or Female, common
everywhere, score near zero and fall out on their own; descriptors on fewer than two papers of
a community are not used.
"""

from __future__ import annotations

import itertools
import random
from typing import Mapping

import numpy as np

from ..errors import InputError
from .csr import CitationGraph
from .mesh import MeshIndex
from .selection import PaperMeta

__all__ = ["communities", "leiden"]

#: Leiden passes over the graph (each refines the last one's communities)
LEIDEN_ITERATIONS = 1


def _undirected(graph: CitationGraph) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(node names in PMID order, and the two ends of each undirected edge as indices into
    them, lower index first, each pair once, self-loops left out)."""
    names, src, dst = graph.names(), graph.src, graph.dst
    n = len(names)
    keep = src != dst
    # two papers citing each other are one undirected edge: the directed edge from the lower
    # index is left out when the other one is there. The graph's edges are sorted by (citing,
    # cited), so their keys are ascending and the reverse of an edge is found by a binary search.
    upward = np.flatnonzero(src < dst)
    if len(upward):
        keys = src * n + dst
        reverse = dst[upward] * n + src[upward]
        at = np.minimum(np.searchsorted(keys, reverse), len(keys) - 1)
        keep[upward[keys[at] == reverse]] = False
    src, dst = src[keep], dst[keep]
    return names, np.minimum(src, dst), np.maximum(src, dst)


def leiden(n: int, ends: tuple[np.ndarray, np.ndarray], *, resolution: float = 1.0, seed: int = 0) -> np.ndarray:
    """Community number of each of the ``n`` nodes of the undirected graph with edges
    ``ends`` (two index arrays), as igraph's Leiden algorithm (modularity objective,
    :data:`LEIDEN_ITERATIONS` passes) finds them with random seed ``seed``."""
    import igraph

    # the edges as pairs of Python ints, made a slice at a time (the whole list would be
    # hundreds of megabytes on a large graph)
    step = 1 << 16
    pairs = itertools.chain.from_iterable(zip(ends[0][i:i + step].tolist(), ends[1][i:i + step].tolist())
                                          for i in range(0, len(ends[0]), step))
    g = igraph.Graph(n=n, edges=pairs)
    igraph.set_random_number_generator(random.Random(seed))
    try:
        found = g.community_leiden(objective_function="modularity", resolution=resolution,
                                   n_iterations=LEIDEN_ITERATIONS)
    finally:
        igraph.set_random_number_generator(random)
    return np.asarray(found.membership, dtype=np.int64)


def communities(graph: CitationGraph, meta: Mapping[str, PaperMeta] | MeshIndex | None = None, *,
                resolution: float = 1.0, seed: int = 0, min_size: int = 2, labels: int = 3,
                members: int = 5) -> list[dict]:
    """Communities, largest first (ties: lower first PMID): ``{"id", "size", "labels": [{"ui",
    "descriptor", "papers"}], "years": [first, last] | None, "top": [{"pmid", "citations"}],
    "members": [pmid, ...]}`` (``members`` in PMID order; ``top``: the ``members`` most cited
    papers inside the graph). ``meta`` gives the papers' MeSH (a mapping of PaperMeta, or the
    columns of a :class:`~citegraph.analysis.mesh.MeshIndex`). Communities smaller than
    ``min_size`` (isolated papers) are left out."""
    if resolution <= 0:
        raise InputError("--resolution must be positive")
    nodes, low, high = _undirected(graph)
    if len(low) == 0:
        return []
    membership = leiden(len(nodes), (low, high), resolution=resolution, seed=seed)
    sizes = np.bincount(membership)
    # community c's members: by_community[starts[c]:starts[c + 1]], in index (PMID) order
    by_community = np.argsort(membership, kind="stable")
    starts = np.concatenate(([0], np.cumsum(sizes)))
    kept = np.flatnonzero(sizes >= min_size)
    first = by_community[starts[kept]]
    kept = kept[np.lexsort((first, -sizes[kept]))]
    if len(kept) == 0:
        return []
    mesh = MeshIndex.of(meta)
    chosen = _labels(graph, membership, sizes, mesh, labels)
    cited = graph.in_degrees()
    result = []
    for number, community in enumerate(kept.tolist(), 1):
        group = by_community[starts[community]:starts[community + 1]]
        years = graph.year[group]
        years = years[years > 0]
        top = group[np.lexsort((group, -cited[group]))[:members]]
        result.append({
            "id": number,
            "size": int(sizes[community]),
            "labels": [{"ui": ui, "descriptor": name, "papers": k} for ui, name, k in chosen.get(community, [])],
            "years": [int(years.min()), int(years.max())] if len(years) else None,
            "top": [{"pmid": nodes[i], "citations": int(cited[i])} for i in top.tolist()],
            "members": [nodes[i] for i in group.tolist()],
        })
    return result


def _labels(graph: CitationGraph, membership: np.ndarray, sizes: np.ndarray, mesh: MeshIndex,
            most: int) -> dict[int, list[tuple[str, str, int]]]:
    """{community: its ``most`` most distinctive descriptors (UI, name, papers), best first}
    (ties: more papers, then lower UI); only descriptors on two papers or more of a community
    and scoring above zero."""
    node, code = mesh.on(graph)
    if len(node) == 0:
        return {}
    width = len(mesh.descriptors)
    overall = np.bincount(code, minlength=width)
    keys = np.sort(membership[node] * width + code)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    keys, local = keys[starts], np.diff(np.append(starts, len(keys)))
    community, code = keys // width, keys % width
    wanted = local >= 2
    community, code, local = community[wanted], code[wanted], local[wanted]
    p_local = local / sizes[community]
    score = p_local * np.log(p_local / (overall[code] / graph.n))
    order = np.lexsort((code, -local, -score, community))
    found: dict[int, list[tuple[str, str, int]]] = {}
    for c, d, k, s in zip(community[order].tolist(), code[order].tolist(), local[order].tolist(),
                          score[order].tolist()):
        chosen = found.setdefault(c, [])
        if len(chosen) < most and s > 0:
            chosen.append((*mesh.descriptors[d], k))
    return found
