"""Papers related to one paper by co-citation (Small 1973: cited together by the same papers)
and bibliographic coupling (Kessler 1963: citing the same papers), with counts."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np

from .core import CitationGraph, gather, is_core
from .selection import require_node

__all__ = ["co_citation", "coupling", "related"]


def _ranked(counter: Counter, limit: int | None) -> list[tuple[str, int]]:
    rows = sorted(counter.items(), key=lambda item: (-item[1], int(item[0]) if item[0].isdigit() else 0))
    return rows if limit is None else rows[:limit]


def _counts_core(graph: CitationGraph, pmid: str, co: bool) -> Counter:
    """Co-citation (``co``) or coupling counts on the arrays: the papers two steps away."""
    i = graph.index(pmid)
    first, second = ((graph.in_ptr, graph.in_idx), (graph.out_ptr, graph.dst)) if co else \
        ((graph.out_ptr, graph.dst), (graph.in_ptr, graph.in_idx))
    step = first[1][first[0][i]:first[0][i + 1]]
    others = gather(second[0], second[1], step)[1]
    others = others[others != i]
    found, counts = np.unique(others, return_counts=True)
    return Counter(dict(zip(graph.names(found), counts.tolist())))


def co_citation(graph: nx.DiGraph, pmid: str, limit: int | None = None) -> list[tuple[str, int]]:
    """(pmid, number of papers citing both it and ``pmid``), most co-cited first."""
    require_node(graph, pmid)
    if is_core(graph):
        return _ranked(_counts_core(graph, pmid, co=True), limit)
    counts: Counter = Counter()
    for citing in graph.pred[pmid]:
        counts.update(other for other in graph.succ[citing] if other != pmid)
    return _ranked(counts, limit)


def coupling(graph: nx.DiGraph, pmid: str, limit: int | None = None) -> list[tuple[str, int]]:
    """(pmid, number of references it shares with ``pmid``), most coupled first."""
    require_node(graph, pmid)
    if is_core(graph):
        return _ranked(_counts_core(graph, pmid, co=False), limit)
    counts: Counter = Counter()
    for ref in graph.succ[pmid]:
        counts.update(other for other in graph.pred[ref] if other != pmid)
    return _ranked(counts, limit)


def related(graph: nx.DiGraph, pmid: str, limit: int | None = 20) -> list[dict]:
    """Papers related by either measure: rows ``{"pmid", "co_cited", "coupled"}`` ranked by
    the sum of both counts (then co-citations, then PMID)."""
    co = dict(co_citation(graph, pmid))
    cp = dict(coupling(graph, pmid))
    rows = [{"pmid": p, "co_cited": co.get(p, 0), "coupled": cp.get(p, 0)} for p in set(co) | set(cp)]
    rows.sort(key=lambda r: (-(r["co_cited"] + r["coupled"]), -r["co_cited"],
                             int(r["pmid"]) if r["pmid"].isdigit() else 0))
    return rows if limit is None else rows[:limit]
