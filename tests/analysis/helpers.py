"""Small hand-built citation graphs (edge = citing -> cited) for the analysis tests: the
CitationGraph the analysis takes, or the same graph as a networkx DiGraph for the oracle."""

from __future__ import annotations

import networkx as nx

from citegraph.analysis.csr import CitationGraph

from .nx_oracle import csr_of


def nx_graph(edges, years=None, titles=None, journals=None) -> nx.DiGraph:
    g = nx.DiGraph()
    nodes = {n for e in edges for n in e} | set(years or {}) | set(titles or {})
    for n in sorted(nodes, key=int):
        g.add_node(n, year=(years or {}).get(n), title=(titles or {}).get(n, f"paper {n}"),
                   journal=(journals or {}).get(n, "J Test"), stored=True)
    g.add_edges_from(edges)
    return g


def graph(edges, years=None, titles=None, journals=None) -> CitationGraph:
    return csr_of(nx_graph(edges, years, titles, journals))
