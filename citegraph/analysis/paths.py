"""Citation chains: the shortest ways one paper leads to another, and why a paper is in a
seed's neighbourhood (the chains by which it descends from the seed)."""

from __future__ import annotations

from itertools import islice

import networkx as nx

from ..errors import InputError
from .selection import require_node

__all__ = ["shortest_chains", "why"]


def _chains(graph: nx.DiGraph, source: str, target: str, limit: int) -> list[list[str]]:
    try:
        found = nx.all_shortest_paths(graph, source, target)
        return sorted(islice(found, limit), key=lambda p: [int(x) if x.isdigit() else 0 for x in p])
    except nx.NetworkXNoPath:
        return []


def shortest_chains(graph: nx.DiGraph, source: str, target: str, limit: int = 10,
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


def why(graph: nx.DiGraph, pmid: str, seed: str, limit: int = 5) -> dict:
    """Why ``pmid`` is among ``seed``'s descendants: the shortest chains ``seed`` <- ... <- ``pmid``
    (each path listed from the seed to the paper; empty when it does not descend from the seed)."""
    require_node(graph, pmid)
    require_node(graph, seed, "seed")
    chains = [list(reversed(c)) for c in _chains(graph, pmid, seed, limit)]
    chains.sort(key=lambda p: [int(x) if x.isdigit() else 0 for x in p])
    return {"pmid": pmid, "seed": seed, "generation": len(chains[0]) - 1 if chains else None, "paths": chains}
