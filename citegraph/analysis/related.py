"""Papers related to one paper by co-citation (Small 1973: cited together by the same papers)
and bibliographic coupling (Kessler 1963: citing the same papers), with counts."""

from __future__ import annotations

from collections import Counter

import numpy as np

from .csr import CitationGraph, gather
from .selection import require_node

__all__ = ["co_citation", "coupling", "related"]


def _ranked(counter: Counter, limit: int | None) -> list[tuple[str, int]]:
    rows = sorted(counter.items(), key=lambda item: (-item[1], int(item[0]) if item[0].isdigit() else 0))
    return rows if limit is None else rows[:limit]


def _counts(graph: CitationGraph, pmid: str, co: bool) -> Counter:
    """Co-citation (``co``) or coupling counts: the papers two steps away."""
    i = graph.index(pmid)
    first, second = ((graph.in_ptr, graph.in_idx), (graph.out_ptr, graph.dst)) if co else \
        ((graph.out_ptr, graph.dst), (graph.in_ptr, graph.in_idx))
    step = first[1][first[0][i]:first[0][i + 1]]
    others = gather(second[0], second[1], step)[1]
    others = others[others != i]
    found, counts = np.unique(others, return_counts=True)
    return Counter(dict(zip(graph.names(found), counts.tolist())))


def co_citation(graph: CitationGraph, pmid: str, limit: int | None = None) -> list[tuple[str, int]]:
    """(pmid, number of papers citing both it and ``pmid``), most co-cited first."""
    require_node(graph, pmid)
    return _ranked(_counts(graph, pmid, co=True), limit)


def coupling(graph: CitationGraph, pmid: str, limit: int | None = None) -> list[tuple[str, int]]:
    """(pmid, number of references it shares with ``pmid``), most coupled first."""
    require_node(graph, pmid)
    return _ranked(_counts(graph, pmid, co=False), limit)


def related(graph: CitationGraph, pmid: str, limit: int | None = 20) -> list[dict]:
    """Papers related by either measure: rows ``{"pmid", "co_cited", "coupled"}`` ranked by
    the sum of both counts (then co-citations, then PMID)."""
    co = dict(co_citation(graph, pmid))
    cp = dict(coupling(graph, pmid))
    rows = [{"pmid": p, "co_cited": co.get(p, 0), "coupled": cp.get(p, 0)} for p in set(co) | set(cp)]
    rows.sort(key=lambda r: (-(r["co_cited"] + r["coupled"]), -r["co_cited"],
                             int(r["pmid"]) if r["pmid"].isdigit() else 0))
    return rows if limit is None else rows[:limit]
