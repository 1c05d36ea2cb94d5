"""The few graph questions the browser asks, answered by :mod:`citegraph.analysis`.

Kept in one place so the browser holds no analysis code of its own.
"""

from __future__ import annotations

import networkx as nx

from ..store import Store

__all__ = ["pagerank", "topics", "descent_tree"]


def pagerank(graph: nx.DiGraph) -> dict[str, float]:
    """PageRank of every node (edge citing -> cited: rank flows to cited papers)."""
    from ..analysis.influence import pagerank as analysis_pagerank

    return analysis_pagerank(graph)


def topics(graph: nx.DiGraph, store: Store) -> tuple[list[str], dict[str, list[str]]]:
    """(topic keys of the default lens, {pmid: [topic keys]} for papers in at least one)."""
    from ..analysis.lens import classify, load_lens
    from ..analysis.load import load_meta

    lens = load_lens()
    return [t.key for t in lens.topics], classify(lens, graph, load_meta(store))


def descent_tree(graph: nx.DiGraph, seed: str) -> dict[str, str]:
    """{pmid: the paper it cites one generation nearer the seed (lowest PMID on a tie)} for every
    paper descending from ``seed``; following it from a paper gives a shortest chain to the seed."""
    from ..analysis.influence import generations

    if seed not in graph:
        return {}
    generation = generations(graph, seed)
    parent = {}
    for node, g in generation.items():
        if g:
            parent[node] = min((p for p in graph.successors(node) if generation.get(p) == g - 1), key=int)
    return parent
