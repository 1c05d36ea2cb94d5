"""Citation chains: the shortest ways one paper leads to another, and why a paper is in a
seed's neighbourhood (the chains by which it descends from the seed)."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .csr import CitationGraph, bfs
from .neighbourhood import require_node

__all__ = ["shortest_chains", "why"]


def _chains(graph: CitationGraph, source: str, target: str, limit: int,
            from_target: bool = False) -> list[list[str]]:
    """The shortest chains ``source`` cites ... cites ``target`` (each listed from ``source``):
    the first ``limit`` of them in PMID order read from ``source`` (from ``target`` with
    ``from_target``), so a limit keeps the same chains whatever order the store gave."""
    s, t = graph.index(source), graph.index(target)
    out = _shortest_dag(graph, s, t)
    if out is None:
        return []
    found = [graph.names(p) for p in _walk(t if from_target else s, out[1] if from_target else out[0], limit)]
    return [p[::-1] for p in found] if from_target else found


def _walk(start, step, limit: int) -> list[list]:
    """Depth-first, smallest next node first, over the shortest-chain links ``step``: the
    first ``limit`` chains in lexicographic order (every branch reaches the end)."""
    found: list[list] = []
    path = [start]
    stack = [iter(step(start))]
    while stack and len(found) < limit:
        nxt = next(stack[-1], None)
        if nxt is None:
            stack.pop()
            path.pop()
            continue
        path.append(nxt)
        following = step(nxt)
        if not following:
            found.append(list(path))
            path.pop()
        else:
            stack.append(iter(following))
    return found


def _shortest_dag(graph: CitationGraph, s: int, t: int):
    """(forward step, backward step) over the links on shortest ``s`` -> ``t`` chains along
    citations (node indices; each step's next nodes in PMID order), or None when there is none."""
    ds = bfs([(graph.out_ptr, graph.dst)], graph.n, np.array([s]), stop=t)[0]
    if ds[t] < 0:
        return None
    length = int(ds[t])
    dt = bfs([(graph.in_ptr, graph.in_idx)], graph.n, np.array([t]), length)[0]
    on = (ds >= 0) & (dt >= 0) & (ds + dt == length)

    def forward(x: int) -> list[int]:
        if x == t:
            return []
        row = graph.dst[graph.out_ptr[x]:graph.out_ptr[x + 1]]
        return row[on[row] & (ds[row] == ds[x] + 1)].tolist()

    def backward(x: int) -> list[int]:
        if x == s:
            return []
        row = graph.in_idx[graph.in_ptr[x]:graph.in_ptr[x + 1]]
        return row[on[row] & (ds[row] == ds[x] - 1)].tolist()

    return forward, backward


def shortest_chains(graph: CitationGraph, source: str, target: str, limit: int = 10,
                    max_length: int | None = None) -> dict:
    """The shortest citation chains between two papers, up to ``limit`` of them.

    Tries ``source`` cites ... cites ``target`` first, then the other way round. Returns
    ``{"from", "to", "direction": "cites" | "cited-by" | None, "length": hops | None,
    "paths": [[pmid, ...], ...]}``; each path starts at ``source`` and ends at ``target``.
    ``max_length`` drops chains longer than that many hops.
    """
    require_node(graph, source)
    require_node(graph, target)
    if limit < 1:
        raise InputError("the number of chains must be at least 1")
    result = {"from": source, "to": target, "direction": None, "length": None, "paths": []}
    if source == target:
        result.update(direction="cites", length=0, paths=[[source]])
        return result
    for direction, (a, b) in (("cites", (source, target)), ("cited-by", (target, source))):
        chains = _chains(graph, a, b, limit)
        if chains:
            if direction == "cited-by":
                chains = [list(reversed(c)) for c in chains]
            length = len(chains[0]) - 1
            if max_length is not None and length > max_length:
                continue
            result.update(direction=direction, length=length, paths=chains)
            return result
    return result


def why(graph: CitationGraph, pmid: str, seed: str, limit: int = 5) -> dict:
    """Why ``pmid`` is among ``seed``'s descendants: the shortest chains ``seed`` <- ... <- ``pmid``
    (each path listed from the seed to the paper; empty when it does not descend from the seed)."""
    require_node(graph, pmid)
    require_node(graph, seed, "seed")
    chains = [list(reversed(c)) for c in _chains(graph, pmid, seed, limit, from_target=True)]
    return {"pmid": pmid, "seed": seed, "generation": len(chains[0]) - 1 if chains else None, "paths": chains}
