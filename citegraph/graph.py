"""The citation graph: a networkx DiGraph built from the store (edge = citing -> cited).

Nodes are stored articles with lean attributes (year, title, journal) so that a graph of a
large store stays small; the full record is one ``Store.get_article`` away.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from .store import Store

__all__ = ["build_graph", "citing_generations", "top_cited"]


def build_graph(store: Store, *, include_unstored: bool = False) -> nx.DiGraph:
    """All stored articles and the edges between them.

    With ``include_unstored`` the graph also keeps edges to PMIDs that have no stored record
    (references outside the crawl); such nodes carry ``stored=False``.
    """
    graph = nx.DiGraph()
    for pmid, year, title, journal in store.article_summaries():
        graph.add_node(pmid, year=year, title=title, journal=journal, stored=True)
    for citing, cited in store.iter_citations():
        if citing in graph and cited in graph:
            graph.add_edge(citing, cited)
        elif include_unstored:
            for pmid in (citing, cited):
                if pmid not in graph:
                    graph.add_node(pmid, stored=False)
            graph.add_edge(citing, cited)
    return graph


def citing_generations(graph: nx.DiGraph, pmid: str, depth: int) -> dict[str, int]:
    """Papers that cite ``pmid`` directly (generation 1) or through others, up to ``depth``.

    Breadth-first over reversed edges: each paper gets its shortest hop distance.
    """
    if pmid not in graph:
        return {}
    generation = {pmid: 0}
    queue = deque([pmid])
    while queue:
        node = queue.popleft()
        if generation[node] >= depth:
            continue
        for citing in sorted(graph.predecessors(node), key=int):
            if citing not in generation:
                generation[citing] = generation[node] + 1
                queue.append(citing)
    del generation[pmid]
    return generation


def top_cited(graph: nx.DiGraph, nodes: list[str] | None = None, limit: int = 10) -> list[tuple[str, int]]:
    """(pmid, in-graph citation count), most cited first; ties by PMID, newest last."""
    candidates = graph.nodes if nodes is None else [n for n in nodes if n in graph]
    ranked = sorted(((n, graph.in_degree(n)) for n in candidates), key=lambda item: (-item[1], int(item[0])))
    return ranked[:limit]
