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

from collections import deque
from typing import Iterable

import networkx as nx
import numpy as np

from ..errors import InputError
from .core import CitationGraph, bfs, gather, is_core
from .selection import require_node

__all__ = ["generations", "citation_counts", "pagerank", "relative_pagerank", "seed_betweenness", "rank", "RANKINGS"]

RANKINGS = ("citations", "pagerank", "betweenness")


def generations(graph: nx.DiGraph, seeds: Iterable[str] | str, depth: int | None = None) -> dict[str, int]:
    """{pmid: generation}: the seeds are generation 0, the papers citing them 1, and so on
    (shortest hop count along citations towards the seed); papers not descending are absent."""
    seeds = [seeds] if isinstance(seeds, str) else list(seeds)
    if is_core(graph):
        levels = _levels(graph, seeds, depth)[1]
        return {p: g for g, level in enumerate(levels) for p in graph.names(level)}
    gen: dict[str, int] = {}
    queue: deque[str] = deque()
    for seed in seeds:
        require_node(graph, seed, "seed")
        gen.setdefault(seed, 0)
        queue.append(seed)
    pred = graph.pred
    while queue:
        node = queue.popleft()
        g = gen[node]
        if depth is not None and g >= depth:
            continue
        for citing in pred[node]:
            if citing not in gen:
                gen[citing] = g + 1
                queue.append(citing)
    return gen


def citation_counts(graph: nx.DiGraph, nodes: Iterable[str] | None = None) -> dict[str, int]:
    """{pmid: number of papers in the graph citing it}."""
    if is_core(graph):
        every = dict(zip(graph.names(), graph.in_degrees().tolist()))
        return every if nodes is None else {n: every[n] for n in nodes if n in every}
    pred = graph.pred
    return {n: len(pred[n]) for n in (graph.nodes if nodes is None else nodes) if n in pred}


def pagerank(graph: nx.DiGraph, alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 200) -> dict[str, float]:
    """{pmid: PageRank}, summing to 1 (empty for an empty graph)."""
    if not 0 < alpha < 1:
        raise InputError(f"PageRank damping must be between 0 and 1, not {alpha}")
    if is_core(graph):
        nodes, n, src, dst = graph.names(), graph.n, graph.src, graph.dst
    else:
        nodes = list(graph.nodes)
        n = len(nodes)
        index = {node: i for i, node in enumerate(nodes)}
        m = graph.number_of_edges()
        src = np.empty(m, dtype=np.int64)
        dst = np.empty(m, dtype=np.int64)
        k = 0
        for u, nbrs in graph.succ.items():
            iu = index[u]
            for v in nbrs:
                src[k] = iu
                dst[k] = index[v]
                k += 1
    if n == 0:
        return {}
    return dict(zip(nodes, _pagerank_array(n, src, dst, alpha, tol, max_iter).tolist()))


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


def seed_betweenness(graph: nx.DiGraph, seed: str) -> dict[str, float]:
    """{pmid: share of shortest seed-to-descendant citation chains through it} for every
    descendant (the seed and papers no chain passes through score 0)."""
    require_node(graph, seed, "seed")
    if is_core(graph):
        return _seed_betweenness_core(graph, seed)
    sigma: dict[str, int] = {seed: 1}
    dist: dict[str, int] = {seed: 0}
    order: list[str] = []
    parents: dict[str, list[str]] = {seed: []}
    queue = deque([seed])
    pred = graph.pred
    while queue:
        v = queue.popleft()
        order.append(v)
        for w in pred[v]:  # w cites v: one step further from the seed
            if w not in dist:
                dist[w] = dist[v] + 1
                sigma[w] = 0
                parents[w] = []
                queue.append(w)
            if dist[w] == dist[v] + 1:
                sigma[w] += sigma[v]
                parents[w].append(v)
    delta = dict.fromkeys(order, 0.0)
    for w in reversed(order):
        for v in parents[w]:
            delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w])
    targets = len(order) - 1
    if targets <= 0:
        return {seed: 0.0}
    delta[seed] = 0.0
    return {v: d / targets for v, d in delta.items()}


def _levels(graph: CitationGraph, seeds: list[str], depth: int | None = None):
    for seed in seeds:
        require_node(graph, seed, "seed")
    return bfs([(graph.in_ptr, graph.in_idx)], graph.n, graph.indices(seeds), depth)


def _seed_betweenness_core(graph: CitationGraph, seed: str) -> dict[str, float]:
    order, values = _betweenness_array(graph, seed)
    if len(order) <= 1:
        return {seed: 0.0}
    return dict(zip(graph.names(order), values[order].tolist()))


def _betweenness_array(graph: CitationGraph, seed: str, levels: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`seed_betweenness` level by level on the arrays: path counts (``sigma``, as
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


def rank(graph: nx.DiGraph, seed: str, by: str = "citations", limit: int | None = 20) -> list[dict]:
    """The seed's descendants ranked ``by`` citations, pagerank or betweenness (best first; ties
    broken by more citations, then lower PMID). Each row: pmid, generation, citations, score;
    ranked by PageRank, also ``pagerank_raw`` (the score) and ``pagerank_relative`` (see
    :func:`relative_pagerank`)."""
    if by not in RANKINGS:
        raise InputError(f"unknown ranking {by!r}; use one of {', '.join(RANKINGS)}")
    if is_core(graph):
        return _rank_core(graph, seed, by, limit)
    gen = generations(graph, seed)
    gen.pop(seed)
    counts = citation_counts(graph, gen)
    if by == "citations":
        scores: dict[str, float] = {n: float(c) for n, c in counts.items()}
    elif by == "pagerank":
        scores = pagerank(graph)
    else:
        scores = seed_betweenness(graph, seed)
    rows = sorted(gen, key=lambda n: (-scores.get(n, 0.0), -counts[n], int(n) if n.isdigit() else 0, n))
    if limit is not None:
        rows = rows[:limit]
    return _with_relative([{"pmid": n, "generation": gen[n], "citations": counts[n], "score": scores.get(n, 0.0)}
                           for n in rows], by, graph.number_of_nodes())


def _with_relative(rows: list[dict], by: str, n: int) -> list[dict]:
    """``rows`` with the PageRank scales of :func:`rank` added when ranked by PageRank."""
    if by == "pagerank":
        for row in rows:
            row["pagerank_raw"] = row["score"]
            row["pagerank_relative"] = relative_pagerank(row["score"], n)
    return rows


def _rank_core(graph: CitationGraph, seed: str, by: str, limit: int | None) -> list[dict]:
    """:func:`rank` on the arrays: one sort of the descendants, rows only for those shown."""
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
