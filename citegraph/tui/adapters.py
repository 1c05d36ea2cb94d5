"""The few graph questions the browser asks, answered by :mod:`citegraph.analysis`.

Kept in one place so the browser holds no analysis code of its own.
"""

from __future__ import annotations

from ..analysis.csr import CitationGraph
from ..analysis.influence import relative_pagerank  # the one scale of every table

__all__ = ["pagerank", "relative_pagerank", "descent_tree", "through_retracted"]


def pagerank(graph: CitationGraph) -> dict[str, float]:
    """PageRank of every node (edge citing -> cited: rank flows to cited papers)."""
    from ..analysis.influence import pagerank as analysis_pagerank

    return analysis_pagerank(graph)


def descent_tree(graph: CitationGraph, seed: str) -> dict[str, str]:
    """{pmid: the paper it cites one generation nearer the seed (lowest PMID on a tie)} for every
    paper descending from ``seed`` (:func:`citegraph.analysis.influence.descent`); {} without the seed."""
    from ..analysis.influence import descent

    if seed not in graph:
        return {}
    return descent(graph, seed)


def through_retracted(graph: CitationGraph, seed: str, retracted: set[str]) -> dict[str, str]:
    """{pmid: the retracted paper on its shortest chains to ``seed``} for the papers descending
    from the seed through a retracted paper (as ``rank`` marks them); {} without the seed."""
    from ..analysis.retraction import through_retracted as analysis_through_retracted

    if seed not in graph or not retracted:
        return {}
    return analysis_through_retracted(graph, seed, retracted)
