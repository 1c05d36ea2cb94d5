"""Main path analysis: the backbone of a citation network by search path count (SPC).

Method: Hummon & Doreian (1989), "Connectivity in a citation network: the development of DNA
theory", *Social Networks* 11:39-63 (search path counts, main paths); key-route main paths
from Liu & Lu (2012), "An integrated approach for main path analysis: development of the
Hirsch index as an example", *JASIST* 63(3):528-542.

Knowledge flows from a cited paper to the paper citing it, so the analysis runs on the
reversed citation graph: a *source* is a paper citing nothing in the graph (with a seed: the
seed itself), a *sink* one that nothing in the graph cites. The SPC of a flow edge u -> v is
the number of source-to-sink paths through it, N-(u) x N+(v), where N-(u) counts the paths
from any source to u and N+(v) those from v to any sink.

* The **global main path** is the source-to-sink path whose SPC total is largest (Liu & Lu's
  global search).
* **Key-route main paths** start from each of the K edges of highest SPC and extend it
  backward to a source and forward to a sink, each way along the largest SPC total (global
  search from the key route); their union is the key-route network.

Citation cycles (papers citing each other, seen in real data: preprints, simultaneous papers,
errata) make path counts infinite. They are broken before counting: inside each strongly
connected component a depth-first search starts from the oldest paper (lowest PMID among
equals) and visits neighbours oldest first; every edge back to a paper still on the search
stack is dropped. The dropped edges are reported, so nothing is removed silently. Dropping
back-edges keeps every paper (condensing components would merge papers into one node).

The graph is the CSR citation graph (:mod:`.csr`); the counting steps are in
:mod:`.mainpath_spc`.

SPC values can be astronomically large on big networks (the number of paths grows
exponentially with depth). Counts are exact Python integers while every path count fits in
256 bits; the searches compare exact SPC while the total fits a float's 53 bits and the SPC
share (SPC / total paths) beyond. When a count outgrows 256 bits (thousands of digits on a
large crawl, where exact products would take minutes), the shares are computed with
logarithms instead, ``spc`` and ``total_paths`` are reported as null and
``log10_total_paths`` gives the size of the total.

**Weighting by mentions** (``mentions`` given to :func:`main_paths`) asks for the backbone along which later work
actually used earlier work: the path choice (global and local search, and the ranking of key
routes) uses SPC x factor instead of SPC, where a link's factor is 1 + the in-text citations of
the cited paper in the citing paper's stored full text. Only open-access papers in PMC have
stored full text; a link whose citing paper has none is not penalised: its factor is the
*neutral factor*, the median factor of the links whose citing paper has text (1 when none
has), so the weighting reorders by how much a paper was used where that can be read and leaves
the rest at a typical value. SPC counts and shares are reported unweighted. With no full text
at all every factor is 1 and the paths are those without weighting.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping

import numpy as np

from ..errors import InputError
from .csr import CitationGraph, bfs
from .mainpath_spc import (MAX_BITS, best_steps, counts, drop_cycles, exact_counts, kahn, log_counts, logsumexp,
                           top_links)
from .selection import require_node

__all__ = ["main_paths", "mention_factors", "shorten", "SEARCHES", "WEIGHTS"]

SEARCHES = ("global", "local")
#: how links are weighted for the path choice (see the module docstring)
WEIGHTS = ("none", "mentions")


def mention_factors(g: CitationGraph, mentions: Mapping[tuple[str, str], int], with_text: Collection[str]
                    ) -> tuple[np.ndarray, list[int | None], dict]:
    """The mention factor of each citation edge of ``g`` (edge id order), its mentions, and the
    full-text coverage.

    ``mentions`` maps (citing, cited) to in-text citations; ``with_text`` holds the papers whose
    full text is stored. An edge whose citing paper is in ``with_text`` has mentions
    ``mentions.get((citing, cited), 0)`` and factor 1 + mentions; any other edge has mentions
    None and the neutral factor, the median of those factors (1.0 when there are none). The
    coverage is ``{"papers", "with_text", "links", "links_with_text", "neutral_factor"}``."""
    names = g.names()
    text = np.array([name in with_text for name in names], dtype=bool)
    citing, cited = g.src.tolist(), g.dst.tolist()
    has = text[g.src]
    counted: list[int | None] = [int(mentions.get((names[a], names[b]), 0)) if text[a] else None
                                 for a, b in zip(citing, cited)]
    factor = np.array([1.0 + m if m is not None else 0.0 for m in counted], dtype=float)
    neutral = float(np.median(factor[has])) if has.any() else 1.0
    factor[~has] = neutral
    cover = {"papers": g.n, "with_text": int(text.sum()), "links": len(citing),
             "links_with_text": int(has.sum()), "neutral_factor": neutral}
    return factor, counted, cover


def main_paths(graph: CitationGraph, seed: str | None = None, key_routes: int = 0, search: str = "global",
               mentions: Mapping[tuple[str, str], int] | None = None, with_text: Collection[str] = ()) -> dict:
    """Main path analysis of ``graph`` (or of ``seed`` and its descendants).

    ``search="global"`` follows the largest SPC total (Liu & Lu 2012); ``"local"`` is Hummon &
    Doreian's forward search, taking the link of highest SPC at each step (backward likewise
    for key routes).

    With ``mentions`` ({(citing, cited): in-text citations}) and ``with_text`` (the papers
    whose full text is stored), the searches and the key-route ranking use SPC x the mention
    factor of :func:`mention_factors`; the result then has ``"weight": "mentions"``, a
    ``"full_text"`` coverage (see :func:`mention_factors`) and each link its ``"mentions"``
    (None where the citing paper has no stored full text). Otherwise ``"weight"`` is
    ``"none"``.

    Returns ``{"seed", "search", "paper_count", "citation_count", "link_count" (the same number: the
    citations analysed, cycle-breaking ones left out), "dropped_cycle_links": [[citing, cited], ...],
    "total_paths", "main_path": [pmid, ... oldest first], "main_path_links": [link, ...],
    "key_routes": [{"link": link, "path": [pmid, ...]}, ...], "key_route_links": [link, ...]}``
    where a link is ``{"cited": pmid, "citing": pmid, "spc": int | None, "share": float}``
    (``share`` = SPC / total paths; ``spc`` and ``total_paths`` are None, and
    ``log10_total_paths`` is set, when the counts are too large to keep exact).
    """
    if key_routes < 0:
        raise InputError("--key-routes must be 0 or more")
    if search not in SEARCHES:
        raise InputError(f"unknown main path search {search!r}; use one of {', '.join(SEARCHES)}")
    if seed is not None:
        require_node(graph, seed, "seed")
        dist, _ = bfs([(graph.in_ptr, graph.in_idx)], graph.n, np.array([graph.index(seed)]))
        sub = graph.subgraph(dist >= 0)
    else:
        sub = graph
    g, dropped, order = drop_cycles(sub)
    result: dict = {"seed": seed, "search": search, "paper_count": g.n, "citation_count": g.number_of_edges(),
                    "link_count": g.number_of_edges(),
                    "dropped_cycle_links": [list(e) for e in dropped], "total_paths": 0, "main_path": [],
                    "main_path_links": [], "key_routes": [], "key_route_links": [],
                    "weight": "none" if mentions is None else "mentions"}
    factor, counted = None, []
    if mentions is not None:
        factor, counted, result["full_text"] = mention_factors(g, mentions, with_text)
    if g.number_of_edges() == 0:
        result["main_path"] = [seed] if seed is not None else []
        return result
    if order is None:
        order = kahn(g.n, np.diff(g.out_ptr).tolist(), g.in_ptr.tolist(), g.in_idx.tolist())
    if len(order) != g.n:  # pragma: no cover - drop_cycles leaves no cycle
        raise InputError("main path analysis needs an acyclic graph; breaking its cycles failed")
    u, v = g.dst, g.src  # flow link u -> v of each citation edge (edge ids in out-row order)
    sources = np.flatnonzero(np.diff(g.out_ptr) == 0)
    order_np = np.array(order, dtype=np.int64)
    # path counts as logarithms first (vectorised); exact counts only where they stay small
    lb, la = log_counts(order_np, g.out_ptr, g.dst), log_counts(order_np[::-1], g.in_ptr, g.in_idx)
    log_total = logsumexp(la[sources].tolist())
    spc_of = None
    total: int | None = None
    if log_total < (MAX_BITS + 2) * math.log(2):
        out_ptr, out_idx = g.out_ptr.tolist(), g.dst.tolist()  # flow predecessors
        in_ptr, in_idx = g.in_ptr.tolist(), g.in_idx.tolist()  # flow successors
        reverse = order[::-1]
        before, after = np.array(counts(order, out_ptr, out_idx, 1.0)), np.array(counts(reverse, in_ptr, in_idx, 1.0))
        total_f = float(after[sources].sum())
        exact = None if total_f < 2 ** 53 else exact_counts(order, reverse, out_ptr, out_idx, in_ptr, in_idx)
    if log_total < (MAX_BITS + 2) * math.log(2) and total_f < 2 ** 53:
        # every count is at most the total, so floats hold them all exactly
        total = int(total_f)
        spc = before[u] * after[v]
        share = spc / total_f
        weight = spc
        spc_of = lambda e: int(spc[e])  # noqa: E731
    elif log_total < (MAX_BITS + 2) * math.log(2) and exact:
        # exact integers while every count fits the bit budget
        b, a = exact
        total = sum(a[s] for s in sources.tolist())
        ul, vl = u.tolist(), v.tolist()
        share = np.array([b[x] * a[y] / total for x, y in zip(ul, vl)])
        weight = share
        spc_of = lambda e: b[ul[e]] * a[vl[e]]  # noqa: E731
    else:
        share = np.exp(lb[u] + la[v] - log_total)
        weight = share
        result["log10_total_paths"] = log_total / math.log(10)
    if factor is not None:
        weight = weight * factor  # the path choice only: SPC and shares stay as counted
    local = search == "local"
    ranked = top_links(weight, u, v, key_routes) if key_routes else np.empty(0, dtype=np.int64)
    came: list[int] = []
    if key_routes:
        # backward from a key route's link needs the best totals into each paper, but only
        # into the papers that link can be reached from (its ancestors: usually few)
        ancestors = bfs([(g.out_ptr, g.dst)], g.n, u[ranked])[0] >= 0
        came = best_steps(order_np[ancestors[order_np]], g.out_ptr, g.dst, weight, local)[1]
    best_out, goes = best_steps(order_np[::-1], g.in_ptr, g.in_idx, weight[g.in_perm], local)
    best_out = best_out.tolist()
    names = g.names()

    keys = g.src * g.n + g.dst  # ascending: edges are sorted by (citing, cited)
    share_l = share.tolist()

    def links(pairs: list[tuple[int, int]]) -> list[dict]:
        """Link records of flow links (cited, citing), their edges found in one search."""
        if not pairs:
            return []
        cited_i, citing_i = np.array(pairs, dtype=np.int64).T
        edges = np.searchsorted(keys, citing_i * g.n + cited_i).tolist()
        records = [{"cited": names[a], "citing": names[b], "spc": spc_of(e) if spc_of else None,
                    "share": share_l[e]} for (a, b), e in zip(pairs, edges)]
        if factor is not None:
            for record, e in zip(records, edges):
                record["mentions"] = counted[e]
        return records

    def back(x: int) -> list[int]:
        path = [x]
        while came[path[-1]] >= 0:
            path.append(came[path[-1]])
        return path[::-1]

    def forward(x: int) -> list[int]:
        path = [x]
        while goes[path[-1]] >= 0:
            path.append(goes[path[-1]])
        return path

    starts = [g.index(seed)] if seed is not None else sources.tolist()
    start = max(starts, key=best_out.__getitem__)  # the first maximum: lowest PMID
    main = forward(start)
    result.update(total_paths=total, main_path=[names[x] for x in main],
                  main_path_links=links(list(zip(main, main[1:]))))
    if key_routes:
        union: dict[tuple[int, int], None] = {}
        for e in ranked.tolist():
            path = back(int(u[e])) + forward(int(v[e]))
            result["key_routes"].append({"link": links([(int(u[e]), int(v[e]))])[0],
                                         "path": [names[x] for x in path]})
            union.update(dict.fromkeys(zip(path, path[1:])))
        result["key_route_links"] = links(sorted(union))
    return result


def _ends(path: list, limit: int) -> tuple[list, int]:
    """The first ``ceil(limit / 2)`` and last ``floor(limit / 2)`` items of ``path`` and how
    many were left out between them (none when ``path`` has at most ``limit`` items)."""
    if len(path) <= limit:
        return list(path), 0
    head = (limit + 1) // 2
    tail = limit - head
    return list(path[:head]) + list(path[len(path) - tail:]), len(path) - limit


def shorten(result: dict, limit: int) -> dict:
    """A copy of a :func:`main_paths` result whose chains (the main path and each key route's
    path) keep only their first and last papers, ``limit`` in all: the first half from the
    source, the rest up to the sink. ``main_path_omitted`` (and each route's ``omitted``) says
    how many papers were left out between the two halves; ``main_path_links`` keeps the links
    between consecutive papers shown, and ``key_route_links`` the links whose both papers are
    shown. ``limit`` 0 keeps everything."""
    if limit < 0:
        raise InputError("--limit must be 0 or more")
    out = dict(result)
    if limit == 0:
        return out
    main = result["main_path"]
    shown, omitted = _ends(main, limit)
    links = result["main_path_links"]
    if omitted:
        head = (limit + 1) // 2
        links = links[:head - 1] + links[len(links) - max(limit - head - 1, 0):]
    out.update(main_path=shown, main_path_omitted=omitted, main_path_links=list(links))
    routes, kept = [], set(shown)
    for route in result["key_routes"]:
        path, left_out = _ends(route["path"], limit)
        routes.append({**route, "path": path, "omitted": left_out})
        kept.update(path)
    out["key_routes"] = routes
    out["key_route_links"] = [link for link in result["key_route_links"]
                              if link["cited"] in kept and link["citing"] in kept]
    return out
