"""Papers related to one paper by co-citation (Small 1973: cited together by the same papers)
and bibliographic coupling (Kessler 1963: citing the same papers), with counts."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from .selection import require_node

__all__ = ["co_citation", "coupling", "related"]


def _ranked(counter: Counter, limit: int | None) -> list[tuple[str, int]]:
    rows = sorted(counter.items(), key=lambda item: (-item[1], int(item[0]) if item[0].isdigit() else 0))
    return rows if limit is None else rows[:limit]


def co_citation(graph: nx.DiGraph, pmid: str, limit: int | None = None) -> list[tuple[str, int]]:
    """(pmid, number of papers citing both it and ``pmid``), most co-cited first."""
    require_node(graph, pmid)
    counts: Counter = Counter()
    for citing in graph.pred[pmid]:
        counts.update(other for other in graph.succ[citing] if other != pmid)
    return _ranked(counts, limit)


def coupling(graph: nx.DiGraph, pmid: str, limit: int | None = None) -> list[tuple[str, int]]:
    """(pmid, number of references it shares with ``pmid``), most coupled first."""
    require_node(graph, pmid)
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
