"""Main path analysis (see :mod:`citegraph.analysis.mainpath` for the method and its sources)
on a :class:`~citegraph.analysis.core.CitationGraph`: the same answers, about ten times faster.

Knowledge flows from a cited paper u to the citing paper v: citation edge e (``src[e]`` cites
``dst[e]``) is the flow link ``dst[e] -> src[e]``. A paper's flow predecessors are the papers it
cites (its row of ``out_ptr``/``dst``), its flow successors the papers citing it (its row of
``in_ptr``/``in_idx``). Rows are sorted by node index, which is PMID order, so the first maximum
of a row is the lowest PMID among equals: the tie-break of the reference code.

The flow DAG of a large crawl is deep (a 100,000-paper synthetic store has chains of some
30,000 links), so the passes that must follow a topological order (path counts, best SPC
totals) run as tight loops over plain lists, one paper at a time; the topological order, the
SPC of every link and the ranking of links are vectorised with numpy.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from .core import CitationGraph, bfs, gather
from .mainpath import _MAX_BITS, _break_cycles, _order_key

__all__ = ["main_paths_core"]


def _kahn(n: int, indegree: list[int], ptr: list[int], idx: list[int], nodes: list[int] | None = None) -> list[int]:
    """Kahn's algorithm over the CSR adjacency (ptr, idx) restricted to ``nodes``: a
    topological order of the nodes on no cycle and after none (the rest are left out).
    Plain Python: the flow DAG of a large crawl is tens of thousands of levels deep, too deep
    for one vectorised step per level."""
    indeg = list(indegree)
    order = [v for v in (range(n) if nodes is None else nodes) if indeg[v] == 0]
    i = 0
    while i < len(order):
        v = order[i]
        i += 1
        for w in idx[ptr[v]:ptr[v + 1]]:
            indeg[w] -= 1
            if indeg[w] == 0:
                order.append(w)
    return order


def _topological(g: CitationGraph) -> tuple[list[int], bool]:
    """A topological order of the flow DAG (cited before citing) and True; with a cycle, the
    papers on no cycle and after none, in order, and False.

    Papers sorted by year are nearly in order already: ranks start there and are raised
    along the links that disagree (a few vectorised rounds); Kahn's algorithm decides when
    that does not settle (cycles, long runs of papers citing later ones)."""
    year = np.where(g.year > 0, g.year, 10_000)
    rank = np.empty(g.n, dtype=np.int64)
    rank[np.lexsort((np.arange(g.n), year))] = np.arange(g.n)
    cited, citing = g.dst, g.src
    for _ in range(8):  # a cycle never settles: few rounds, then Kahn
        bad = rank[citing] <= rank[cited]
        if not bad.any():
            return np.lexsort((np.arange(g.n), rank)).tolist(), True
        np.maximum.at(rank, citing[bad], rank[cited[bad]] + 1)
    order = _kahn(g.n, np.diff(g.out_ptr).tolist(), g.in_ptr.tolist(), g.in_idx.tolist())
    return order, len(order) == g.n


def _drop_cycles(sub: CitationGraph) -> tuple[CitationGraph, list[tuple[str, str]], list[int] | None]:
    """``sub`` less the citation links that close cycles, those links (citing, cited), and a
    topological order when one came for free.

    Trimming papers that start or end no cycle (Kahn's algorithm both ways) leaves every
    strongly connected component whole; only that remainder goes through the reference
    depth-first search (:func:`citegraph.analysis.mainpath._break_cycles`)."""
    ahead, complete = _topological(sub)
    if complete:
        return sub, [], ahead
    n = sub.n
    rest = np.ones(n, dtype=bool)
    rest[ahead] = False
    remaining = np.flatnonzero(rest).tolist()
    # flow out-degree within the remainder, then peel sinks backward
    outdeg = np.zeros(n, dtype=np.int64)
    inside = rest[sub.src] & rest[sub.dst]
    np.add.at(outdeg, sub.dst[inside], 1)
    behind = _kahn(n, outdeg.tolist(), sub.out_ptr.tolist(), sub.dst.tolist(), remaining)
    rest[behind] = False
    core = sub.subgraph(rest)
    flow = core.to_networkx().reverse(copy=True)
    for i, p in enumerate(core.names()):
        flow.nodes[p]["year"] = int(core.year[i]) or None
    dropped = _break_cycles(flow, _order_key(flow))
    citation_links = sorted(((int(v), int(u)) for u, v in dropped))
    bad = np.zeros(sub.number_of_edges(), dtype=bool)
    for citing, cited in citation_links:
        a = sub.index(citing)
        row = sub.dst[sub.out_ptr[a]:sub.out_ptr[a + 1]]
        bad[sub.out_ptr[a] + int(np.searchsorted(row, sub.index(cited)))] = True
    return sub.subgraph(np.ones(n, dtype=bool), ~bad), [(str(a), str(b)) for a, b in citation_links], None


def _counts(order: list[int], ptr: list[int], idx: list[int], one) -> list:
    """Paths from any source to each node (``ptr``/``idx``: flow predecessors, ``order``
    topological) or, with the successors and the order reversed, from each node to a sink;
    ``one`` (1 or 1.0) sets the number type."""
    values = [one] * len(order)
    get = values.__getitem__
    for v in order:
        a, b = ptr[v], ptr[v + 1]
        if a != b:
            values[v] = sum(map(get, idx[a:b]))
    return values


#: papers per vectorised step of the passes that follow the topological order
_CHUNK = 128


def _segments(owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each run of equal values in ``owner`` (rows come grouped)."""
    starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
    return starts, np.diff(np.append(starts, len(owner)))


def _chunks(order: np.ndarray, ptr: np.ndarray, idx: np.ndarray):
    """The topological order in chunks: (offset, chunk, owner, other, position in ``idx``,
    whether ``other`` is in the same chunk). Links from earlier chunks are final and handled
    in one vectorised step; only links inside a chunk need a loop in order."""
    n = len(order)
    pos = np.full(len(ptr) - 1, -1, dtype=np.int64)  # ``order`` may hold only some of the nodes
    pos[order] = np.arange(n)
    for k in range(0, n, _CHUNK):
        nodes = order[k:k + _CHUNK]
        owner, other, at = gather(ptr, idx, nodes)
        yield k, nodes, pos, owner, other, at, pos[other] >= k


def _log_counts(order: np.ndarray, ptr: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Path counts (see :func:`_counts`) as natural logarithms, log-sum-exp per node: for
    counts past the bit budget."""
    values = np.zeros(len(ptr) - 1)
    has_pred = ptr[1:] > ptr[:-1]
    for k, nodes, pos, owner, other, _, inside in _chunks(order, ptr, idx):
        part = np.where(has_pred[nodes], -np.inf, 0.0)
        outside = ~inside
        if outside.any():
            o_owner, x = owner[outside], values[other[outside]]
            starts, lengths = _segments(o_owner)
            top = np.maximum.reduceat(x, starts)
            part[pos[o_owner[starts]] - k] = top + np.log(np.add.reduceat(np.exp(x - np.repeat(top, lengths)), starts))
        if inside.any():
            part = _inside_log_sums(part, pos[owner[inside]] - k, (pos[other[inside]] - k).tolist())
        values[nodes] = part
    return values


def _inside_log_sums(part: np.ndarray, owners: np.ndarray, others: list[int]) -> np.ndarray:
    """Add, in chunk order, each owner's links from inside its chunk to its log count
    (``part``: from earlier chunks; -inf for none). The sums run on plain floats scaled by the
    chunk's largest count (no exp or log per paper); an owner whose count is too far below
    that scale to keep its digits, or too far above it, is summed again with log-sum-exp."""
    finite = part[np.isfinite(part)]
    ref = float(finite.max()) if len(finite) else 0.0
    lin = np.exp(part - ref).tolist()
    starts, lengths = _segments(owners)
    segments = list(zip(owners[starts].tolist(), starts.tolist(), (starts + lengths).tolist()))
    get = lin.__getitem__
    for o, a, b in segments:
        lin[o] += sum(map(get, others[a:b]))
    lin_a = np.array(lin)
    done = part.copy()
    mine = owners[starts]
    with np.errstate(divide="ignore"):
        done[mine] = ref + np.log(lin_a[mine])
    unsure = (lin_a < 1e-250) | ~np.isfinite(lin_a)
    if unsure[mine].any():
        loc = done.tolist()
        exp, log, inf = math.exp, math.log, math.inf
        for o, a, b in segments:
            if not unsure[o]:
                continue
            xs = [loc[t] for t in others[a:b]] + ([part[o]] if part[o] != -inf else [])
            top = max(xs)
            loc[o] = top + log(sum(exp(y - top) for y in xs))
        done = np.array(loc)
    return done


def _logsumexp(x: list[float]) -> float:
    top = max(x)
    return top + math.log(sum(math.exp(y - top) for y in x))


def _exact_counts(order, reverse, out_ptr, out_idx, in_ptr, in_idx) -> tuple[list[int], list[int]] | None:
    """Path counts as exact integers, or None when one needs more than the bit budget."""
    b, a = _counts(order, out_ptr, out_idx, 1), _counts(reverse, in_ptr, in_idx, 1)
    if max(x.bit_length() for x in (*b, *a)) > _MAX_BITS:
        return None
    return b, a


def _best(order: np.ndarray, ptr: np.ndarray, idx: np.ndarray, weight: np.ndarray, local: bool
          ) -> tuple[np.ndarray, list[int]]:
    """Best SPC total (``local``: best single link) into each node from a source (``ptr``,
    ``idx``: flow predecessors, ``weight`` by position in ``idx``), or out of each node to a
    sink (successors, order reversed), and the neighbour it comes from or goes to (-1 at the
    end). Rows are in PMID order: the first maximum is the lowest PMID among equals."""
    n = len(ptr) - 1
    best = np.zeros(n)
    step = np.full(n, -1, dtype=np.int64)
    if local:  # no dependency between nodes: one step for all
        owner = np.repeat(np.arange(n), np.diff(ptr))
        if len(owner):
            _first_max(owner, idx, weight, best, step)
        return best, step.tolist()
    for k, nodes, pos, owner, other, at, inside in _chunks(order, ptr, idx):
        outside = ~inside
        if outside.any():
            _first_max(owner[outside], other[outside], best[other[outside]] + weight[at[outside]], best, step)
        if inside.any():
            top, came = best[nodes].tolist(), step[nodes].tolist()
            owners = pos[owner[inside]] - k
            others, local_others = other[inside].tolist(), (pos[other[inside]] - k).tolist()
            ws = weight[at[inside]].tolist()
            starts, lengths = _segments(owners)
            get, add = top.__getitem__, float.__add__
            for o, a, b in zip(owners[starts].tolist(), starts.tolist(), (starts + lengths).tolist()):
                scores = list(map(add, map(get, local_others[a:b]), ws[a:b]))
                score = max(scores)
                u = others[a + scores.index(score)]  # the lowest PMID among the inside maxima
                if came[o] < 0 or score > top[o] or (score == top[o] and u < came[o]):
                    top[o], came[o] = score, u
            best[nodes], step[nodes] = top, came
    return best, step.tolist()


def _first_max(owner: np.ndarray, other: np.ndarray, score: np.ndarray, best: np.ndarray, step: np.ndarray) -> None:
    """For each run of ``owner`` (rows grouped, ``other`` ascending within a row): the
    largest score and the first ``other`` reaching it, written to ``best`` and ``step``."""
    starts, lengths = _segments(owner)
    top = np.maximum.reduceat(score, starts)
    run = np.repeat(np.arange(len(starts)), lengths)
    hits = np.flatnonzero(score == top[run])
    first = hits[np.concatenate(([True], run[hits][1:] != run[hits][:-1]))]
    best[owner[starts]] = top
    step[owner[starts]] = other[first]


def _top_links(weight: np.ndarray, u: np.ndarray, v: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` links of highest weight, ties by (cited, citing) PMID: a partition finds the
    candidates, only they are sorted."""
    if k < len(weight):
        threshold = np.partition(weight, len(weight) - k)[len(weight) - k]
        candidates = np.flatnonzero(weight >= threshold)
    else:
        candidates = np.arange(len(weight))
    ranked = candidates[np.lexsort((v[candidates], u[candidates], -weight[candidates]))]
    return ranked[:k]


def main_paths_core(graph: CitationGraph, seed: str | None, key_routes: int, search: str) -> dict:
    """:func:`citegraph.analysis.mainpath.main_paths` on a CitationGraph (same result)."""
    if seed is not None:
        dist, _ = bfs([(graph.in_ptr, graph.in_idx)], graph.n, np.array([graph.index(seed)]))
        sub = graph.subgraph(dist >= 0)
    else:
        sub = graph
    g, dropped, order = _drop_cycles(sub)
    result: dict = {"seed": seed, "search": search, "paper_count": g.n, "citation_count": g.number_of_edges(),
                    "link_count": g.number_of_edges(),
                    "dropped_cycle_links": [list(e) for e in dropped], "total_paths": 0, "main_path": [],
                    "main_path_links": [], "key_routes": [], "key_route_links": []}
    if g.number_of_edges() == 0:
        result["main_path"] = [seed] if seed is not None else []
        return result
    if order is None:
        order = _kahn(g.n, np.diff(g.out_ptr).tolist(), g.in_ptr.tolist(), g.in_idx.tolist())
    if len(order) != g.n:  # pragma: no cover - _drop_cycles leaves no cycle
        raise InputError("main path analysis needs an acyclic graph; breaking its cycles failed")
    u, v = g.dst, g.src  # flow link u -> v of each citation edge (edge ids in out-row order)
    sources = np.flatnonzero(np.diff(g.out_ptr) == 0)
    order_np = np.array(order, dtype=np.int64)
    # path counts as logarithms first (vectorised); exact counts only where they stay small
    lb, la = _log_counts(order_np, g.out_ptr, g.dst), _log_counts(order_np[::-1], g.in_ptr, g.in_idx)
    log_total = _logsumexp(la[sources].tolist())
    spc_of = None
    total: int | None = None
    if log_total < (_MAX_BITS + 2) * math.log(2):
        out_ptr, out_idx = g.out_ptr.tolist(), g.dst.tolist()  # flow predecessors
        in_ptr, in_idx = g.in_ptr.tolist(), g.in_idx.tolist()  # flow successors
        reverse = order[::-1]
        before, after = np.array(_counts(order, out_ptr, out_idx, 1.0)), np.array(_counts(reverse, in_ptr, in_idx, 1.0))
        total_f = float(after[sources].sum())
        exact = None if total_f < 2 ** 53 else _exact_counts(order, reverse, out_ptr, out_idx, in_ptr, in_idx)
    if log_total < (_MAX_BITS + 2) * math.log(2) and total_f < 2 ** 53:
        # every count is at most the total, so floats hold them all exactly
        total = int(total_f)
        spc = before[u] * after[v]
        share = spc / total_f
        weight = spc
        spc_of = lambda e: int(spc[e])  # noqa: E731
    elif log_total < (_MAX_BITS + 2) * math.log(2) and exact:
        # exact integers, as the reference does while every count fits its bit budget
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
    local = search == "local"
    ranked = _top_links(weight, u, v, key_routes) if key_routes else np.empty(0, dtype=np.int64)
    came: list[int] = []
    if key_routes:
        # backward from a key route's link needs the best totals into each paper, but only
        # into the papers that link can be reached from (its ancestors: usually few)
        ancestors = bfs([(g.out_ptr, g.dst)], g.n, u[ranked])[0] >= 0
        came = _best(order_np[ancestors[order_np]], g.out_ptr, g.dst, weight, local)[1]
    best_out, goes = _best(order_np[::-1], g.in_ptr, g.in_idx, weight[g.in_perm], local)
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
        return [{"cited": names[a], "citing": names[b], "spc": spc_of(e) if spc_of else None, "share": share_l[e]}
                for (a, b), e in zip(pairs, edges)]

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
