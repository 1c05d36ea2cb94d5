"""Communities of papers: Louvain modularity (Blondel et al. 2008, networkx's implementation)
on the undirected citation graph, with a fixed random seed so the same graph gives the same
communities, each labelled by its most distinctive MeSH descriptors.

Distinctiveness of descriptor d in community C: p_C(d) * log(p_C(d) / p(d)), where p_C(d) is
the share of C's papers indexed with d and p(d) the share in the whole graph (a term of the
Kullback-Leibler divergence of C from the graph). Check tags such as Humans or Female, common
everywhere, score near zero and fall out on their own; descriptors on fewer than two papers of
a community are not used.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Mapping

import networkx as nx

from ..errors import InputError
from .influence import citation_counts
from .selection import PaperMeta

__all__ = ["communities"]


def _order(node: str):
    return (int(node) if node.isdigit() else 0, node)


def communities(graph: nx.DiGraph, meta: Mapping[str, PaperMeta] | None = None, *, resolution: float = 1.0,
                seed: int = 0, min_size: int = 2, labels: int = 3, members: int = 5) -> list[dict]:
    """Communities, largest first: ``{"id", "size", "labels": [{"ui", "descriptor", "papers"}],
    "years": [first, last] | None, "top": [{"pmid", "citations"}], "members": [pmid, ...]}``
    (``top``: the ``members`` most cited papers inside the graph). Communities smaller than
    ``min_size`` (isolated papers) are left out."""
    if resolution <= 0:
        raise InputError("--resolution must be positive")
    meta = meta or {}
    undirected = nx.Graph()
    undirected.add_nodes_from(sorted(graph.nodes, key=_order))
    undirected.add_edges_from(graph.edges)
    if undirected.number_of_edges() == 0:
        return []
    found = nx.community.louvain_communities(undirected, resolution=resolution, seed=seed)
    groups = sorted((sorted(c, key=_order) for c in found if len(c) >= min_size), key=lambda c: (-len(c), _order(c[0])))
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
        years = [graph.nodes[n].get("year") for n in group if graph.nodes[n].get("year") is not None]
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
