"""Search path counts on the CSR citation graph: the steps of main path analysis
(:mod:`citegraph.analysis.mainpath` has the method, its sources and the assembly of the result).

Knowledge flows from a cited paper u to the citing paper v: citation edge e (``src[e]`` cites
``dst[e]``) is the flow link ``dst[e] -> src[e]``. A paper's flow predecessors are the papers it
cites (its row of ``out_ptr``/``dst``), its flow successors the papers citing it (its row of
``in_ptr``/``in_idx``). Rows are sorted by node index, which is PMID order, so the first maximum
of a row is the lowest PMID among equals: the tie-break main path analysis asks for.

The flow DAG of a large crawl is deep (a 100,000-paper synthetic store has chains of some
30,000 links), so the passes that must follow a topological order (path counts, best SPC
totals) run as tight loops over plain lists, one paper at a time; the topological order, the
SPC of every link and the ranking of links are vectorised with numpy.
"""

from __future__ import annotations

import math

import numpy as np

from .csr import CitationGraph, gather

__all__ = ["MAX_BITS", "kahn", "drop_cycles", "counts", "log_counts", "exact_counts", "logsumexp", "best_steps",
           "top_links"]

#: path counts beyond this many bits are not kept exact (see :mod:`citegraph.analysis.mainpath`)
MAX_BITS = 256


def kahn(n: int, indegree: list[int], ptr: list[int], idx: list[int], nodes: list[int] | None = None) -> list[int]:
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
    order = kahn(g.n, np.diff(g.out_ptr).tolist(), g.in_ptr.tolist(), g.in_idx.tolist())
    return order, len(order) == g.n


def drop_cycles(sub: CitationGraph) -> tuple[CitationGraph, list[tuple[str, str]], list[int] | None]:
    """``sub`` less the citation links that close cycles, those links (citing, cited), and a
    topological order when one came for free.

    Trimming papers that start or end no cycle (Kahn's algorithm both ways) leaves every
    strongly connected component whole; only that remainder goes through the depth-first
    search of :func:`_break_cycles`."""
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
    behind = kahn(n, outdeg.tolist(), sub.out_ptr.tolist(), sub.dst.tolist(), remaining)
    rest[behind] = False
    knot = sub.subgraph(rest)
    citation_links = sorted((int(knot.ids[v]), int(knot.ids[u])) for u, v in _break_cycles(knot))
    bad = np.zeros(sub.number_of_edges(), dtype=bool)
    for citing, cited in citation_links:
        a = sub.index(citing)
        row = sub.dst[sub.out_ptr[a]:sub.out_ptr[a + 1]]
        bad[sub.out_ptr[a] + int(np.searchsorted(row, sub.index(cited)))] = True
    return sub.subgraph(np.ones(n, dtype=bool), ~bad), [(str(a), str(b)) for a, b in citation_links], None


def _components(n: int, ptr: list[int], idx: list[int]) -> list[list[int]]:
    """The strongly connected components of the graph (``ptr``, ``idx``: successors) with more
    than one node (Tarjan's algorithm, iterative)."""
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        work = [(root, ptr[root])]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            v, at = work[-1]
            if at < ptr[v + 1]:
                work[-1] = (v, at + 1)
                w = idx[at]
                if index[w] < 0:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, ptr[w]))
                elif on_stack[w]:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _break_cycles(g: CitationGraph) -> list[tuple[int, int]]:
    """The flow links (cited u, citing v, as node indices of ``g``) to drop to break every cycle
    of ``g``: inside each strongly connected component a depth-first search from the oldest
    paper (lowest PMID among equals), neighbours oldest first, drops every link back to a paper
    still on the search stack (see :mod:`citegraph.analysis.mainpath`)."""
    ptr, idx = g.in_ptr.tolist(), g.in_idx.tolist()  # flow successors: the papers citing each
    year = np.where(g.year > 0, g.year, 10_000).tolist()

    def key(v: int):
        return (year[v], v)  # index order is PMID order

    dropped: list[tuple[int, int]] = []
    for component in _components(g.n, ptr, idx):
        inside = set(component)
        state: dict[int, int] = {}  # 1 on the stack, 2 finished

        def children(v: int):
            return iter(sorted((w for w in idx[ptr[v]:ptr[v + 1]] if w in inside), key=key))

        for root in sorted(component, key=key):
            if root in state:
                continue
            stack = [(root, children(root))]
            state[root] = 1
            while stack:
                node, kids = stack[-1]
                for child in kids:
                    if state.get(child) == 1:
                        dropped.append((node, child))
                    elif child not in state:
                        state[child] = 1
                        stack.append((child, children(child)))
                        break
                else:
                    state[node] = 2
                    stack.pop()
    return dropped


def counts(order: list[int], ptr: list[int], idx: list[int], one) -> list:
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


def log_counts(order: np.ndarray, ptr: np.ndarray, idx: np.ndarray) -> np.ndarray:
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


def logsumexp(x: list[float]) -> float:
    top = max(x)
    return top + math.log(sum(math.exp(y - top) for y in x))


def exact_counts(order, reverse, out_ptr, out_idx, in_ptr, in_idx) -> tuple[list[int], list[int]] | None:
    """Path counts as exact integers, or None when one needs more than the bit budget."""
    b, a = counts(order, out_ptr, out_idx, 1), counts(reverse, in_ptr, in_idx, 1)
    if max(x.bit_length() for x in (*b, *a)) > MAX_BITS:
        return None
    return b, a


def best_steps(order: np.ndarray, ptr: np.ndarray, idx: np.ndarray, weight: np.ndarray, local: bool
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


def top_links(weight: np.ndarray, u: np.ndarray, v: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` links of highest weight, ties by (cited, citing) PMID: a partition finds the
    candidates, only they are sorted."""
    if k < len(weight):
        threshold = np.partition(weight, len(weight) - k)[len(weight) - k]
        candidates = np.flatnonzero(weight >= threshold)
    else:
        candidates = np.arange(len(weight))
    ranked = candidates[np.lexsort((v[candidates], u[candidates], -weight[candidates]))]
    return ranked[:k]
