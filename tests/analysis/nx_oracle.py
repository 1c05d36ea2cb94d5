"""The reference implementations on a networkx DiGraph (edge = citing -> cited): plain,
dict-by-dict versions of the algorithms :mod:`citegraph.analysis` runs on the CSR arrays. The
comparison tests check the array versions against these on hand-built and random graphs.
Not used by citegraph itself. Main paths are in :mod:`.nx_oracle_mainpath`.
"""

from __future__ import annotations

from collections import Counter, deque
from typing import Iterable, Mapping

import networkx as nx
import numpy as np

from citegraph.analysis.csr import CitationGraph
from citegraph.analysis.influence import RANKINGS, relative_pagerank
from citegraph.analysis.selection import DIRECTIONS, Filters, PaperMeta, record_of, require_node
from citegraph.errors import InputError
from citegraph.store import Store

# -- graphs -------------------------------------------------------------------------------------


def build_graph(store: Store, *, include_unstored: bool = False) -> nx.DiGraph:
    """All stored articles (year, title, journal) and the edges between them; with
    ``include_unstored`` also the edges to PMIDs without a record (nodes ``stored=False``)."""
    graph = nx.DiGraph()
    for pmid, year, title, journal in store.article_summaries():
        graph.add_node(pmid, year=year, title=title, journal=journal, stored=True)
    for citing, cited in store.iter_citations():
        if citing in graph and cited in graph:
            graph.add_edge(citing, cited)
        elif include_unstored:
            for pmid in (citing, cited):
                if pmid not in graph:
                    graph.add_node(pmid, stored=False)
            graph.add_edge(citing, cited)
    return graph


def csr_of(g: nx.DiGraph) -> CitationGraph:
    """The same graph as a CitationGraph (years; titles and journals through its reader)."""
    ids = [int(n) for n in g.nodes]
    years = [g.nodes[n].get("year") or 0 for n in g.nodes]
    citing = np.array([int(a) for a, _ in g.edges], dtype=np.int64)
    cited = np.array([int(b) for _, b in g.edges], dtype=np.int64)
    summaries = {n: (a.get("year"), a.get("title") or "", a.get("journal") or "") for n, a in g.nodes(data=True)}
    return CitationGraph.from_edges(citing, cited, np.array(ids, dtype=np.int64), np.array(years, dtype=np.int64),
                                    reader=lambda pmids: {p: summaries[p] for p in pmids if p in summaries})


def _key(node: str):
    return (int(node) if node.isdigit() else 0, node)


# -- show ---------------------------------------------------------------------------------------


def citing_generations(graph: nx.DiGraph, pmid: str, depth: int) -> dict[str, int]:
    """Papers citing ``pmid`` directly (1) or through others, up to ``depth``: shortest hops."""
    if pmid not in graph:
        return {}
    generation = {pmid: 0}
    queue = deque([pmid])
    while queue:
        node = queue.popleft()
        if generation[node] >= depth:
            continue
        for citing in sorted(graph.predecessors(node), key=int):
            if citing not in generation:
                generation[citing] = generation[node] + 1
                queue.append(citing)
    del generation[pmid]
    return generation


def descent(graph: nx.DiGraph, root: str, depth: int) -> dict[str, str]:
    """{pmid: the lowest-PMID paper it cites one generation nearer ``root``} for the papers of
    :func:`citing_generations`."""
    generations = citing_generations(graph, root, depth)
    parents = {}
    for pmid, generation in generations.items():
        nearer = [p for p in graph.successors(pmid) if generations.get(p, 0 if p == root else -1) == generation - 1]
        if nearer:
            parents[pmid] = min(nearer, key=int)
    return parents


def top_cited(graph: nx.DiGraph, nodes: list[str] | None = None, limit: int = 10) -> list[tuple[str, int]]:
    """(pmid, in-graph citation count), most cited first; ties by PMID."""
    candidates = graph.nodes if nodes is None else [n for n in nodes if n in graph]
    ranked = sorted(((n, graph.in_degree(n)) for n in candidates), key=lambda item: (-item[1], int(item[0])))
    return ranked[:limit]


# -- selection ----------------------------------------------------------------------------------


def induced_subgraph(graph: nx.DiGraph, nodes: Iterable[str]) -> nx.DiGraph:
    keep = {n for n in nodes if n in graph}
    sub = nx.DiGraph()
    sub.add_nodes_from((n, graph.nodes[n]) for n in graph if n in keep)
    sub.add_edges_from((u, v) for u in sub for v in graph.succ[u] if v in keep)
    return sub


def neighbourhood(graph: nx.DiGraph, seeds: Iterable[str], depth: int | None = None,
                  direction: str = "cited-by") -> dict[str, int]:
    if direction not in DIRECTIONS:
        raise InputError(f"unknown direction {direction!r}")
    hops: dict[str, int] = {}
    queue: deque[str] = deque()
    for seed in seeds:
        require_node(graph, seed, "seed")
        if seed not in hops:
            hops[seed] = 0
            queue.append(seed)
    while queue:
        node = queue.popleft()
        h = hops[node]
        if depth is not None and h >= depth:
            continue
        nexts: list = []
        if direction != "references":
            nexts.extend(graph.pred[node])
        if direction != "cited-by":
            nexts.extend(graph.succ[node])
        for other in nexts:
            if other not in hops:
                hops[other] = h + 1
                queue.append(other)
    return hops


def select(graph: nx.DiGraph, filters: Filters | None = None, *, meta: Mapping[str, PaperMeta] | None = None,
           topics_of: Mapping[str, Iterable[str]] | None = None) -> nx.DiGraph:
    filters = filters or Filters()
    seeds = list(filters.seeds)
    nodes: Iterable[str] = (neighbourhood(graph, seeds, filters.depth, filters.walk_direction) if seeds
                            else graph.nodes)
    if filters.active:
        meta, topics_of = meta or {}, topics_of or {}
        nodes = [n for n in nodes if n in seeds
                 or filters.matches(record_of(graph.nodes[n], meta.get(n), topics_of.get(n, ())))]
    return induced_subgraph(graph, nodes)


# -- influence ----------------------------------------------------------------------------------


def generations(graph: nx.DiGraph, seeds: Iterable[str] | str, depth: int | None = None) -> dict[str, int]:
    seeds = [seeds] if isinstance(seeds, str) else list(seeds)
    gen: dict[str, int] = {}
    queue: deque[str] = deque()
    for seed in seeds:
        require_node(graph, seed, "seed")
        gen.setdefault(seed, 0)
        queue.append(seed)
    while queue:
        node = queue.popleft()
        g = gen[node]
        if depth is not None and g >= depth:
            continue
        for citing in graph.pred[node]:
            if citing not in gen:
                gen[citing] = g + 1
                queue.append(citing)
    return gen


def citation_counts(graph: nx.DiGraph, nodes: Iterable[str] | None = None) -> dict[str, int]:
    return {n: len(graph.pred[n]) for n in (graph.nodes if nodes is None else nodes) if n in graph.pred}


def pagerank(graph: nx.DiGraph, alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 200) -> dict[str, float]:
    """Power iteration node by node: a paper passes its score evenly to the papers it cites,
    papers citing nothing spread theirs over every paper; stop when the change (L1) is below
    ``n * tol``."""
    nodes = list(graph.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    out = {v: len(graph.succ[v]) for v in nodes}
    x = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(max_iter):
        dangling = sum(x[v] for v in nodes if out[v] == 0)
        new = {v: alpha * (sum(x[u] / out[u] for u in graph.pred[v]) + dangling / n) + (1 - alpha) / n
               for v in nodes}
        total = sum(new.values())
        new = {v: value / total for v, value in new.items()}
        done = sum(abs(new[v] - x[v]) for v in nodes) < n * tol
        x = new
        if done:
            break
    return x


def seed_betweenness(graph: nx.DiGraph, seed: str) -> dict[str, float]:
    require_node(graph, seed, "seed")
    sigma: dict[str, int] = {seed: 1}
    dist: dict[str, int] = {seed: 0}
    order: list[str] = []
    parents: dict[str, list[str]] = {seed: []}
    queue = deque([seed])
    while queue:
        v = queue.popleft()
        order.append(v)
        for w in graph.pred[v]:
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


def rank(graph: nx.DiGraph, seed: str, by: str = "citations", limit: int | None = 20) -> list[dict]:
    if by not in RANKINGS:
        raise InputError(f"unknown ranking {by!r}")
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
    out = [{"pmid": n, "generation": gen[n], "citations": counts[n], "score": scores.get(n, 0.0)} for n in rows]
    if by == "pagerank":
        for row in out:
            row["pagerank_raw"] = row["score"]
            row["pagerank_relative"] = relative_pagerank(row["score"], graph.number_of_nodes())
    return out


# -- paths --------------------------------------------------------------------------------------


def _walk(start, step, limit: int) -> list[list]:
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


def _bfs(adj, start: str, stop: str | None, depth: int | None) -> dict[str, int]:
    dist = {start: 0}
    frontier = [start]
    d = 0
    while frontier and (stop is None or stop not in dist) and (depth is None or d < depth):
        d += 1
        nxt = []
        for x in frontier:
            for y in adj[x]:
                if y not in dist:
                    dist[y] = d
                    nxt.append(y)
        frontier = nxt
    return dist


def _chains(graph: nx.DiGraph, source: str, target: str, limit: int, from_target: bool = False) -> list[list[str]]:
    ds = _bfs(graph.succ, source, target, None)
    if target not in ds:
        return []
    length = ds[target]
    dt = _bfs(graph.pred, target, None, length)
    on = {x for x in ds if dt.get(x, -1) == length - ds[x]}

    def forward(x):
        return [] if x == target else sorted((y for y in graph.succ[x] if y in on and ds[y] == ds[x] + 1), key=_key)

    def backward(x):
        return [] if x == source else sorted((y for y in graph.pred[x] if y in on and ds[y] == ds[x] - 1), key=_key)

    found = _walk(target if from_target else source, backward if from_target else forward, limit)
    return [p[::-1] for p in found] if from_target else found


def shortest_chains(graph: nx.DiGraph, source: str, target: str, limit: int = 10,
                    max_length: int | None = None) -> dict:
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
    require_node(graph, pmid)
    require_node(graph, seed, "seed")
    chains = [list(reversed(c)) for c in _chains(graph, pmid, seed, limit, from_target=True)]
    return {"pmid": pmid, "seed": seed, "generation": len(chains[0]) - 1 if chains else None, "paths": chains}


# -- related, retraction, timeline, topics, communities -----------------------------------------


def _ranked(counter: Counter, limit: int | None) -> list[tuple[str, int]]:
    rows = sorted(counter.items(), key=lambda item: (-item[1], int(item[0]) if item[0].isdigit() else 0))
    return rows if limit is None else rows[:limit]


def co_citation(graph: nx.DiGraph, pmid: str, limit: int | None = None) -> list[tuple[str, int]]:
    require_node(graph, pmid)
    counts: Counter = Counter()
    for citing in graph.pred[pmid]:
        counts.update(other for other in graph.succ[citing] if other != pmid)
    return _ranked(counts, limit)


def coupling(graph: nx.DiGraph, pmid: str, limit: int | None = None) -> list[tuple[str, int]]:
    require_node(graph, pmid)
    counts: Counter = Counter()
    for ref in graph.succ[pmid]:
        counts.update(other for other in graph.pred[ref] if other != pmid)
    return _ranked(counts, limit)


def related(graph: nx.DiGraph, pmid: str, limit: int | None = 20) -> list[dict]:
    co = dict(co_citation(graph, pmid))
    cp = dict(coupling(graph, pmid))
    rows = [{"pmid": p, "co_cited": co.get(p, 0), "coupled": cp.get(p, 0)} for p in set(co) | set(cp)]
    rows.sort(key=lambda r: (-(r["co_cited"] + r["coupled"]), -r["co_cited"],
                             int(r["pmid"]) if r["pmid"].isdigit() else 0))
    return rows if limit is None else rows[:limit]


def through_retracted(graph: nx.DiGraph, seed: str, retracted: Iterable[str]) -> dict[str, str]:
    require_node(graph, seed, "seed")
    bad = set(retracted)
    gen = {seed: 0}
    via: dict[str, str] = {}
    order = [seed]
    queue = deque([seed])
    while queue:
        node = queue.popleft()
        for citing in graph.pred[node]:
            if citing not in gen:
                gen[citing] = gen[node] + 1
                queue.append(citing)
                order.append(citing)
    for node in order[1:]:
        best = None
        for parent in graph.succ[node]:
            if gen.get(parent) != gen[node] - 1:
                continue
            if parent in via:
                candidate = via[parent]
            elif parent in bad and parent != seed:
                candidate = parent
            else:
                continue
            key = (gen[candidate], int(candidate) if candidate.isdigit() else 0)
            if best is None or key < best[0]:
                best = (key, candidate)
        if best is not None:
            via[node] = best[1]
    return via


def _count(years: Iterable[int | None]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for year in years:
        if year is not None:
            counts[year] = counts.get(year, 0) + 1
    return dict(sorted(counts.items()))


def timeline(graph: nx.DiGraph, seed: str, by: str | None = None,
             topics_of: Mapping[str, Iterable[str]] | None = None, topic_keys: Iterable[str] = ()) -> dict:
    gen = generations(graph, seed)
    gen.pop(seed)
    year = {n: graph.nodes[n].get("year") for n in gen}
    result: dict = {"seed": seed, "papers": len(gen), "undated": sum(1 for y in year.values() if y is None),
                    "years": _count(year.values()), "groups": {}}
    if by == "generation":
        for g in sorted(set(gen.values())):
            result["groups"][str(g)] = _count(year[n] for n in gen if gen[n] == g)
    elif by == "topic":
        topics_of = topics_of or {}
        keys = list(dict.fromkeys(topic_keys))
        for n in gen:
            keys.extend(k for k in topics_of.get(n, ()) if k not in keys)
        per_topic: dict[str, list] = {key: [] for key in keys}
        for n in gen:
            for key in topics_of.get(n, ()):
                per_topic[key].append(year[n])
        for key in keys:
            result["groups"][key] = _count(per_topic[key])
    return result


def topic_summary(graph: nx.DiGraph, seed: str, lens, topics_of: Mapping[str, Iterable[str]]) -> list[dict]:
    gen = generations(graph, seed)
    gen.pop(seed)
    in_topic: dict[str, list[str]] = {t.key: [] for t in lens.topics}
    for n in gen:
        for key in topics_of.get(n, ()):
            if key in in_topic:
                in_topic[key].append(n)
    year = {n: graph.nodes[n].get("year") for n in gen}
    counts = citation_counts(graph, gen)
    never = 10_000
    rows = []
    for topic in lens.topics:
        members = in_topic[topic.key]
        row = {"key": topic.key, "name": topic.name, "papers": len(members), "first_year": None, "peak_year": None,
               "earliest": None, "most_cited": None, "path_to_earliest": []}
        if members:
            per_year: dict[int, int] = {}
            for n in members:
                if year[n] is not None:
                    per_year[year[n]] = per_year.get(year[n], 0) + 1
            earliest = min(members, key=lambda n: (year[n] if year[n] is not None else never, gen[n], int(n)))
            top = min(members, key=lambda n: (-counts[n], year[n] if year[n] is not None else never, int(n)))
            chains = why(graph, earliest, seed, limit=1)["paths"]
            row.update(first_year=min(per_year) if per_year else None,
                       peak_year=min(per_year, key=lambda y: (-per_year[y], y)) if per_year else None,
                       earliest=earliest, most_cited={"pmid": top, "citations": counts[top]},
                       path_to_earliest=chains[0] if chains else [])
        rows.append(row)
    return rows


def undirected(graph: nx.DiGraph) -> tuple[list[str], list[tuple[int, int]]]:
    """(nodes in PMID order, the undirected edges as sorted index pairs, self-loops left out),
    as networkx's Graph keeps a DiGraph's edges."""
    names = sorted(graph.nodes, key=_key)
    pos = {p: i for i, p in enumerate(names)}
    und = nx.Graph(graph.to_undirected(as_view=True))
    und.remove_edges_from(list(nx.selfloop_edges(und)))
    return names, sorted(tuple(sorted((pos[a], pos[b]))) for a, b in und.edges)
