"""The neighbourhood walk: breadth-first from seeds over the citation graph's arrays.

One walk serves every command: :func:`levels` gives each reached paper's hops from the nearest
seed; :func:`reach` adds, for each reached paper, every seed at that shortest distance and one
shortest chain from a seed to it (what an export records as provenance). Directions are those
of :data:`citegraph.filters.DIRECTIONS`.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

import numpy as np

from ..errors import InputError
from ..links import DIRECTIONS
from .csr import CitationGraph, bfs

__all__ = ["levels", "neighbourhood", "reach", "Reached", "require_node"]


class Reached(NamedTuple):
    """How the walk reached one paper."""

    #: the seeds at the shortest distance from which it is reached, ascending PMID
    seeds: tuple[str, ...]
    #: hops from the nearest seed (0 for a seed)
    generation: int
    #: PMIDs from a seed to the paper, both ends included
    path: tuple[str, ...]


def require_node(graph: CitationGraph, pmid: str, what: str = "PMID") -> None:
    """Raise :class:`InputError` unless ``pmid`` is a node of ``graph``."""
    if pmid not in graph:
        raise InputError(f"{what} {pmid} is not in the selected graph (crawl it first, or loosen the filters)")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise InputError(f"unknown direction {direction!r}; use one of {', '.join(DIRECTIONS)}")


def _adjacency(graph: CitationGraph, direction: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The CSR rows a walk in ``direction`` follows: citing papers, cited papers, or both."""
    _check_direction(direction)
    ptrs = []
    if direction != "references":
        ptrs.append((graph.in_ptr, graph.in_idx))
    if direction != "cited-by":
        ptrs.append((graph.out_ptr, graph.dst))
    return ptrs


def levels(graph: CitationGraph, seeds: Iterable[str], depth: int | None = None,
           direction: str = "cited-by") -> tuple[np.ndarray, list[np.ndarray]]:
    """(hops of every node from the nearest seed, -1 where unreached; the node indices of each
    level, ascending), up to ``depth`` hops (None: no limit). A seed not in ``graph`` is an
    :class:`InputError`."""
    ptrs = _adjacency(graph, direction)
    seeds = list(seeds)
    for seed in seeds:
        require_node(graph, seed, "seed")
    return bfs(ptrs, graph.n, graph.indices(seeds), depth)


def neighbourhood(graph: CitationGraph, seeds: Iterable[str], depth: int | None = None,
                  direction: str = "cited-by") -> dict[str, int]:
    """{pmid: hops} of the papers within ``depth`` hops of any seed (seeds at 0; None: no limit)."""
    found = levels(graph, seeds, depth, direction)[1]
    return {p: h for h, level in enumerate(found) for p in graph.names(level)}


def reach(graph: CitationGraph, seeds: Iterable[str], depth: int | None = None,
          direction: str = "cited-by") -> dict[str, Reached]:
    """{pmid: :class:`Reached`} of the papers within ``depth`` hops of any seed.

    The walk is a queue: the seeds in the order given, then each paper's unvisited neighbours
    in ascending PMID order. A paper's path runs through the first paper in that queue order
    that reaches it; its seeds are all those of the papers one hop nearer that reach it. Seeds
    not in ``graph`` are reached at generation 0 and lead nowhere.
    """
    ptrs = _adjacency(graph, direction)
    order = list(dict.fromkeys(str(s) for s in seeds))
    inside = [s for s in order if s in graph]
    n, k = graph.n, len(inside)
    words = max(1, (k + 63) // 64)
    dist = np.full(n, -1, dtype=np.int64)
    parent = np.full(n, -1, dtype=np.int64)
    marks = np.zeros((n, words), dtype=np.uint64)  # bit j: reached from the j-th seed
    frontier = graph.indices(inside)
    dist[frontier] = 0
    for j, i in enumerate(frontier.tolist()):
        marks[i, j // 64] |= np.uint64(1 << (j % 64))
    reached = [frontier]
    d = 0
    while frontier.size and (depth is None or d < depth):
        positions, found = [], []
        for ptr, idx in ptrs:
            starts = ptr[frontier]
            counts = ptr[frontier + 1] - starts
            total = int(counts.sum())
            if total:
                ends = np.cumsum(counts)
                offsets = np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - counts), counts)
                positions.append(np.repeat(np.arange(frontier.size, dtype=np.int64), counts))
                found.append(idx[offsets])
        if not found:
            break
        at, nxt = np.concatenate(positions), np.concatenate(found)
        new = dist[nxt] < 0
        at, nxt = at[new], nxt[new]
        if not nxt.size:
            break
        by_queue = np.lexsort((nxt, at))  # queue position, then ascending PMID
        at, nxt = at[by_queue], nxt[by_queue]
        first = np.sort(np.unique(nxt, return_index=True)[1])
        following = nxt[first]
        parent[following] = frontier[at[first]]
        np.bitwise_or.at(marks, nxt, marks[frontier[at]])
        d += 1
        dist[following] = d
        reached.append(following)
        frontier = following
    names = graph.names()
    nodes = np.concatenate(reached)
    bits = np.unpackbits(marks[nodes].astype("<u8").view(np.uint8), axis=1, bitorder="little")
    rows, cols = np.nonzero(bits[:, :k])
    by_seed = sorted(range(k), key=lambda j: int(inside[j]))
    rank = np.empty(k, dtype=np.int64)
    rank[by_seed] = np.arange(k)
    by_row = np.lexsort((rank[cols], rows))
    rows, cols = rows[by_row], cols[by_row]
    bounds = np.searchsorted(rows, np.arange(len(nodes) + 1))
    parents = parent.tolist()
    result: dict[str, Reached] = {}
    for row, (i, generation) in enumerate(zip(nodes.tolist(), dist[nodes].tolist())):
        path = [i]
        while parents[path[-1]] >= 0:
            path.append(parents[path[-1]])
        from_seeds = tuple(inside[j] for j in cols[bounds[row]:bounds[row + 1]].tolist())
        result[names[i]] = Reached(from_seeds, generation, tuple(names[p] for p in reversed(path)))
    for seed in order:
        if seed not in result:
            result[seed] = Reached((seed,), 0, (seed,))
    return result
