"""Main path analysis on a networkx DiGraph: the reference implementation the array version
(:mod:`citegraph.analysis.mainpath`) is checked against, written straight from the method's
description (see that module's docstring): cycles broken by a depth-first search, path counts
as exact integers (or logarithms past the bit budget), global or local search, and the path
choice weighted by mentions.
"""

from __future__ import annotations

import math
import statistics
from typing import Collection, Iterable, Mapping

import networkx as nx

from citegraph.analysis.mainpath import SEARCHES
from citegraph.analysis.mainpath_spc import MAX_BITS as _MAX_BITS
from citegraph.analysis.selection import require_node
from citegraph.errors import InputError

from .nx_oracle import generations, induced_subgraph

__all__ = ["flow_dag", "search_path_counts", "search_path_shares", "mention_factors", "main_paths"]


def _order_key(graph: nx.DiGraph):
    def key(node: str):
        year = graph.nodes[node].get("year") if node in graph else None
        return (year if year is not None else 10_000, int(node) if node.isdigit() else 0, node)
    return key


def flow_dag(graph: nx.DiGraph, nodes: Iterable[str] | None = None) -> tuple[nx.DiGraph, list[tuple[str, str]]]:
    """The knowledge-flow DAG (cited -> citing) over ``nodes`` and the citation edges
    (citing, cited) dropped to break cycles."""
    sub = graph if nodes is None else induced_subgraph(graph, nodes)
    flow = nx.DiGraph()
    flow.add_nodes_from(sub.nodes)
    flow.add_edges_from((v, u) for u, v in sub.edges)
    dropped: list[tuple[str, str]] = []
    if nx.is_directed_acyclic_graph(flow):
        return flow, dropped
    dropped = _break_cycles(flow, _order_key(graph))
    flow.remove_edges_from(dropped)
    # report as citation edges: flow u -> v means v cites u
    return flow, sorted(((v, u) for u, v in dropped), key=lambda e: (int(e[0]), int(e[1])) if all(
        x.isdigit() for x in e) else (0, 0))


def _break_cycles(flow: nx.DiGraph, key) -> list[tuple[str, str]]:
    """The flow edges to drop to break every cycle (see the module docstring)."""
    dropped: list[tuple[str, str]] = []
    for component in nx.strongly_connected_components(flow):
        if len(component) < 2:
            continue
        state: dict[str, int] = {}  # 1 on stack, 2 finished
        for root in sorted(component, key=key):
            if root in state:
                continue
            stack = [(root, iter(sorted((w for w in flow.succ[root] if w in component), key=key)))]
            state[root] = 1
            while stack:
                node, children = stack[-1]
                for child in children:
                    if state.get(child) == 1:
                        dropped.append((node, child))
                    elif child not in state:
                        state[child] = 1
                        stack.append((child, iter(sorted((w for w in flow.succ[child] if w in component), key=key))))
                        break
                else:
                    state[node] = 2
                    stack.pop()
    return dropped


class _TooLarge(Exception):
    pass


def _topological(flow: nx.DiGraph) -> list[str]:
    try:
        return list(nx.topological_sort(flow))
    except nx.NetworkXUnfeasible:
        raise InputError("main path analysis needs an acyclic graph; break its cycles first (flow_dag)") from None


def search_path_counts(flow: nx.DiGraph, max_bits: int | None = None
                       ) -> tuple[dict[tuple[str, str], int], int, list[str]]:
    """SPC of every edge of the flow DAG, the total number of source-to-sink paths, and a
    topological order of the nodes. With ``max_bits``, raises ``_TooLarge`` as soon as a path
    count needs more bits (exact counts then cost more than they tell)."""
    order = _topological(flow)
    pred, succ = flow.pred, flow.succ
    before: dict[str, int] = {}
    for v in order:
        before[v] = n = sum(before[u] for u in pred[v]) if pred[v] else 1
        if max_bits is not None and n.bit_length() > max_bits:
            raise _TooLarge
    after: dict[str, int] = {}
    for v in reversed(order):
        after[v] = n = sum(after[w] for w in succ[v]) if succ[v] else 1
        if max_bits is not None and n.bit_length() > max_bits:
            raise _TooLarge
    spc = {(u, v): before[u] * after[v] for u, v in flow.edges}
    total = sum(after[v] for v in order if not pred[v])
    return spc, total, order


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(x - top) for x in values))


def search_path_shares(flow: nx.DiGraph) -> tuple[dict[tuple[str, str], float], float, list[str]]:
    """SPC / total paths of every edge, computed with logarithms (no overflow however many
    paths there are), the natural log of the total, and a topological order."""
    order = _topological(flow)
    pred, succ = flow.pred, flow.succ
    before: dict[str, float] = {}
    for v in order:
        before[v] = _logsumexp([before[u] for u in pred[v]]) if pred[v] else 0.0
    after: dict[str, float] = {}
    for v in reversed(order):
        after[v] = _logsumexp([after[w] for w in succ[v]]) if succ[v] else 0.0
    log_total = _logsumexp([after[v] for v in order if not pred[v]])
    shares = {(u, v): math.exp(before[u] + after[v] - log_total) for u, v in flow.edges}
    return shares, log_total, order


def _tiebreak(node: str):
    return int(node) if node.isdigit() else 0


def mention_factors(flow: nx.DiGraph, mentions: Mapping[tuple[str, str], int], with_text: Collection[str]
                    ) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], int | None], dict]:
    """Factor and mentions of every flow edge (cited u, citing v), and the coverage: 1 + the
    mentions of u in v's full text where v has full text, else the median of those factors
    (1.0 when none has)."""
    counted = {(u, v): int(mentions.get((v, u), 0)) if v in with_text else None for u, v in flow.edges}
    known = [1.0 + m for m in counted.values() if m is not None]
    neutral = float(statistics.median(known)) if known else 1.0
    factor = {e: 1.0 + m if m is not None else neutral for e, m in counted.items()}
    cover = {"papers": flow.number_of_nodes(), "with_text": sum(1 for p in flow if p in with_text),
             "links": flow.number_of_edges(), "links_with_text": len(known), "neutral_factor": neutral}
    return factor, counted, cover


def main_paths(graph: nx.DiGraph, seed: str | None = None, key_routes: int = 0, search: str = "global",
               mentions: Mapping[tuple[str, str], int] | None = None, with_text: Collection[str] = ()) -> dict:
    """:func:`citegraph.analysis.mainpath.main_paths` on a DiGraph (the same result)."""
    if key_routes < 0:
        raise InputError("--key-routes must be 0 or more")
    if search not in SEARCHES:
        raise InputError(f"unknown main path search {search!r}; use one of {', '.join(SEARCHES)}")
    nodes = None
    if seed is not None:
        require_node(graph, seed, "seed")
    if seed is not None:
        nodes = generations(graph, seed).keys()
    flow, dropped = flow_dag(graph, nodes)
    result: dict = {"seed": seed, "search": search, "paper_count": flow.number_of_nodes(),
                    "citation_count": flow.number_of_edges(), "link_count": flow.number_of_edges(),
                    "dropped_cycle_links": [list(e) for e in dropped], "total_paths": 0, "main_path": [],
                    "main_path_links": [], "key_routes": [], "key_route_links": [],
                    "weight": "none" if mentions is None else "mentions"}
    factor = counted = None
    if mentions is not None:
        factor, counted, result["full_text"] = mention_factors(flow, mentions, with_text)
    if flow.number_of_edges() == 0:
        result["main_path"] = [seed] if seed is not None else []
        return result
    try:
        spc, total, order = search_path_counts(flow, max_bits=_MAX_BITS)
        share = {e: c / total for e, c in spc.items()}
        weight: dict = spc if total < 2 ** 53 else share  # exact comparisons while they fit a float
    except _TooLarge:
        spc, total = None, None
        share, log_total, order = search_path_shares(flow)
        weight = share
        result["log10_total_paths"] = log_total / math.log(10)
    if factor is not None:
        weight = {e: w * factor[e] for e, w in weight.items()}
    pred, succ = flow.pred, flow.succ
    # best SPC total of a path from any source to v (and its last step), and from v to any sink
    best_in: dict[str, float | int] = {}
    came: dict[str, str | None] = {}
    local = search == "local"
    for v in order:
        best_in[v], came[v] = 0, None
        for u in sorted(pred[v], key=_tiebreak):
            score = weight[(u, v)] if local else best_in[u] + weight[(u, v)]
            if came[v] is None or score > best_in[v]:
                best_in[v], came[v] = score, u
    best_out: dict[str, float | int] = {}
    goes: dict[str, str | None] = {}
    for v in reversed(order):
        best_out[v], goes[v] = 0, None
        for w in sorted(succ[v], key=_tiebreak):
            score = weight[(v, w)] if local else best_out[w] + weight[(v, w)]
            if goes[v] is None or score > best_out[v]:
                best_out[v], goes[v] = score, w

    def back(v: str) -> list[str]:
        path = [v]
        while came[path[-1]] is not None:
            path.append(came[path[-1]])
        return path[::-1]

    def forward(v: str) -> list[str]:
        path = [v]
        while goes[path[-1]] is not None:
            path.append(goes[path[-1]])
        return path

    def link(u: str, v: str) -> dict:
        record = {"cited": u, "citing": v, "spc": spc[(u, v)] if spc is not None else None, "share": share[(u, v)]}
        if counted is not None:
            record["mentions"] = counted[(u, v)]
        return record

    sources = [v for v in order if not pred[v]]
    if seed is not None:
        sources = [seed]
    start = max(sorted(sources, key=_tiebreak), key=lambda s: best_out[s])  # local: the strongest first link
    main = forward(start)
    result.update(total_paths=total, main_path=main,
                  main_path_links=[link(u, v) for u, v in zip(main, main[1:])])
    if key_routes:
        ranked = sorted(weight, key=lambda e: (-weight[e], _tiebreak(e[0]), _tiebreak(e[1])))[:key_routes]
        union: dict[tuple[str, str], None] = {}
        for u, v in ranked:
            path = back(u) + forward(v)
            result["key_routes"].append({"link": link(u, v), "path": path})
            union.update(dict.fromkeys(zip(path, path[1:])))
        result["key_route_links"] = [link(u, v) for u, v in sorted(union, key=lambda e: (_tiebreak(e[0]),
                                                                                          _tiebreak(e[1])))]
    return result
