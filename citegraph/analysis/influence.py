"""Who built on the seed, and who matters: generations, citation counts, PageRank, betweenness.

PageRank is the power iteration of Brin & Page (1998) on the citation graph (a paper passes
its score to the papers it cites; papers citing nothing in the graph spread theirs evenly),
vectorised with numpy so a 100,000-paper graph ranks in about a second.

Betweenness here is *seed betweenness*: for each paper, the share of the shortest citation
chains from the seed to its descendants that run through it (Brandes 2001, accumulation from a
single source). It names the bridge papers through which the seed's influence reached later
work, and costs one breadth-first search, where all-pairs betweenness (Freeman 1977) is
quadratic and out of reach on large crawls.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ..errors import InputError
from .csr import CitationGraph, bfs, gather
from .selection import require_node

__all__ = ["generations", "descent", "citation_counts", "most_cited", "pagerank", "relative_pagerank", "seed_betweenness", "rank",
           "RANKINGS"]

RANKINGS = ("citations", "pagerank", "betweenness")


def generations(graph: CitationGraph, seeds: Iterable[str] | str, depth: int | None = None) -> dict[str, int]:
    """{pmid: generation}: the seeds are generation 0, the papers citing them 1, and so on
    (shortest hop count along citations towards the seed, up to ``depth``); papers not
    descending are absent. Generation by generation, each in PMID order."""
    seeds = [seeds] if isinstance(seeds, str) else list(seeds)
    levels = _levels(graph, seeds, depth)[1]
    return {p: g for g, level in enumerate(levels) for p in graph.names(level)}


def descent(graph: CitationGraph, seed: str, depth: int | None = None) -> dict[str, str]:
    """{pmid: the paper it cites one generation nearer the seed (lowest PMID on a tie)} for
    every paper descending from ``seed`` (up to ``depth`` generations); following it from a
    paper gives a shortest chain to the seed."""
    dist = _levels(graph, [seed], depth)[0]
    src, dst = graph.src, graph.dst  # citing -> cited
    nearer = (dist[src] > 0) & (dist[dst] == dist[src] - 1)
    # node index order is PMID order: the lowest index is the lowest PMID
    best = np.full(graph.n, graph.n, dtype=np.int64)
    np.minimum.at(best, src[nearer], dst[nearer])
    children = np.flatnonzero(best < graph.n)
    return dict(zip(graph.names(children), graph.names(best[children])))


def citation_counts(graph: CitationGraph, nodes: Iterable[str] | None = None) -> dict[str, int]:
    """{pmid: number of papers in the graph citing it} of ``nodes`` in the graph (default: all)."""
    every = dict(zip(graph.names(), graph.in_degrees().tolist()))
    return every if nodes is None else {n: every[n] for n in nodes if n in every}


def most_cited(graph: CitationGraph, nodes: Iterable[str], limit: int = 10) -> list[tuple[str, int]]:
    """(pmid, in-graph citation count) of the ``limit`` most cited of ``nodes`` (those in the
    graph), most cited first, ties by lower PMID."""
    counts = citation_counts(graph, nodes)
    return sorted(counts.items(), key=lambda item: (-item[1], int(item[0])))[:limit]


def pagerank(graph: CitationGraph, alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 200) -> dict[str, float]:
    """{pmid: PageRank}, summing to 1 (empty for an empty graph)."""
    if not 0 < alpha < 1:
        raise InputError(f"PageRank damping must be between 0 and 1, not {alpha}")
    if graph.n == 0:
        return {}
    return dict(zip(graph.names(), _pagerank_array(graph.n, graph.src, graph.dst, alpha, tol, max_iter).tolist()))


def relative_pagerank(raw, n: int):
    """PageRank on the scale every table shows: ``raw`` (a value of :func:`pagerank`, or an
    array of them) times ``n``, the number of papers in the graph it was computed on. Raw
    values sum to 1, so relative ones average 1.0: 2.0 is twice an average paper's share,
    whatever the size of the graph."""
    return raw * n


def _pagerank_array(n: int, src: np.ndarray, dst: np.ndarray, alpha: float = 0.85, tol: float = 1e-10,
                    max_iter: int = 200) -> np.ndarray:
    out = np.bincount(src, minlength=n).astype(float)
    dangling = out == 0
    share = np.divide(1.0, out, out=np.zeros(n), where=~dangling)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        flow = np.bincount(dst, weights=(x * share)[src], minlength=n)
        new = alpha * (flow + x[dangling].sum() / n) + (1 - alpha) / n
        new /= new.sum()
        done = np.abs(new - x).sum() < n * tol
        x = new
        if done:
            break
    return x


def seed_betweenness(graph: CitationGraph, seed: str) -> dict[str, float]:
    """{pmid: share of shortest seed-to-descendant citation chains through it} for every
    descendant (the seed and papers no chain passes through score 0)."""
    require_node(graph, seed, "seed")
    order, values = _betweenness_array(graph, seed)
    if len(order) <= 1:
        return {seed: 0.0}
    return dict(zip(graph.names(order), values[order].tolist()))


def _levels(graph: CitationGraph, seeds: list[str], depth: int | None = None):
    for seed in seeds:
        require_node(graph, seed, "seed")
    return bfs([(graph.in_ptr, graph.in_idx)], graph.n, graph.indices(seeds), depth)


def _betweenness_array(graph: CitationGraph, seed: str, levels: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Seed betweenness (Brandes' accumulation) level by level: path counts (``sigma``, as
    floats) forward, dependencies (``delta``) backward, one vectorised step per generation.
    Returns (the nodes reached, in BFS order; the score of every node, 0 if unreached)."""
    if levels is None:
        levels = _levels(graph, [seed])[1]
    dist = np.full(graph.n, -1, dtype=np.int64)
    for g, level in enumerate(levels):
        dist[level] = g
    n = graph.n
    sigma = np.zeros(n)
    sigma[levels[0]] = 1.0
    steps = []  # per generation: (parent v, child w) of the shortest-chain links
    for level in levels[:-1]:
        v, w, _ = gather(graph.in_ptr, graph.in_idx, level)
        on = dist[w] == dist[v] + 1
        v, w = v[on], w[on]
        sigma += np.bincount(w, weights=sigma[v], minlength=n)
        steps.append((v, w))
    delta = np.zeros(n)
    for v, w in reversed(steps):
        delta += np.bincount(v, weights=sigma[v] / sigma[w] * (1.0 + delta[w]), minlength=n)
    order = np.concatenate(levels)
    targets = len(order) - 1
    delta[graph.index(seed)] = 0.0
    return order, (delta / targets if targets > 0 else delta)


def rank(graph: CitationGraph, seed: str, by: str = "citations", limit: int | None = 20) -> list[dict]:
    """The seed's descendants ranked ``by`` citations, pagerank or betweenness (best first; ties
    broken by more citations, then lower PMID). Each row: pmid, generation, citations, score;
    ranked by PageRank, also ``pagerank_raw`` (the score) and ``pagerank_relative`` (see
    :func:`relative_pagerank`)."""
    if by not in RANKINGS:
        raise InputError(f"unknown ranking {by!r}; use one of {', '.join(RANKINGS)}")
    dist, levels = _levels(graph, [seed])
    descendants = np.concatenate(levels[1:]) if len(levels) > 1 else np.empty(0, dtype=np.int64)
    counts = graph.in_degrees()
    if by == "citations":
        scores = counts.astype(float)
    elif by == "pagerank":
        scores = _pagerank_array(graph.n, graph.src, graph.dst)
    else:
        scores = _betweenness_array(graph, seed, levels)[1]
    d = descendants
    ranked = d[np.lexsort((d, -counts[d], -scores[d]))]  # index order is PMID order
    if limit is not None:
        ranked = ranked[:limit]
    return _with_relative([{"pmid": p, "generation": g, "citations": c, "score": x} for p, g, c, x in
                           zip(graph.names(ranked), dist[ranked].tolist(), counts[ranked].tolist(),
                               scores[ranked].tolist())], by, graph.n)


def _with_relative(rows: list[dict], by: str, n: int) -> list[dict]:
    """``rows`` with the PageRank scales of :func:`rank` added when ranked by PageRank."""
    if by == "pagerank":
        for row in rows:
            row["pagerank_raw"] = row["score"]
            row["pagerank_relative"] = relative_pagerank(row["score"], n)
    return rows
