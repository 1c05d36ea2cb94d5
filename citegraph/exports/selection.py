"""Which records an export holds, and where each came from (its provenance).

A :class:`Selection` is a list of stored articles, each with a :class:`Provenance` — the
seed(s) it descends from, its generation (hops from the nearest seed) and one shortest path
of PMIDs from a seed to it — plus the citation edges among the selected papers.

Selections:
- the whole store (provenance taken from the latest crawl: its seeds, its generations, and
  paths found breadth-first in the stored graph along the crawl's direction);
- the neighbourhood of ``seeds`` up to ``depth`` generations in the stored graph;
- either one narrowed by publication year and publication type.

Topic, MeSH, text and journal filters belong to the analysis layer
(:mod:`citegraph.analysis.selection`); the CLI passes the PMIDs it selects as ``keep``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Sequence

import networkx as nx

from ..errors import InputError
from ..links import DIRECTIONS
from ..models import Article
from ..store import Store

__all__ = ["Provenance", "Selection", "select", "attach_contexts", "DIRECTIONS"]


@dataclass(frozen=True)
class Provenance:
    #: the seeds at the shortest distance from which the paper is reached
    seeds: tuple[str, ...] = ()
    #: hops from the nearest seed (0 for a seed); None when unknown
    generation: int | None = None
    #: PMIDs from a seed to the paper, both ends included
    path: tuple[str, ...] = ()
    #: the sources (as ``Store.iter_citation_sources`` names them) of the stored citations
    #: between the paper and the one before it on its path: who found the paper; () for a
    #: seed or when the path is unknown
    sources: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.generation is not None


@dataclass
class Selection:
    articles: list[Article]
    provenance: dict[str, Provenance]
    #: (citing, cited, source) rows between selected nodes (the seeds count as selected)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    #: seeds that are graph nodes without a stored record (a cited paper outside the store)
    unstored_seeds: list[str] = field(default_factory=list)
    #: with ``--contexts``: {selected pmid: what citing papers' stored full text says of it,
    #: as :func:`citegraph.contexts.contexts_json` items}; None when not asked for
    contexts: dict[str, list[dict]] | None = None

    def contexts_of(self, pmid: str) -> list[dict]:
        return (self.contexts or {}).get(pmid, [])

    def __len__(self) -> int:
        return len(self.articles)

    def provenance_of(self, pmid: str) -> Provenance:
        return self.provenance.get(pmid, Provenance())

    def nodes(self) -> list[str]:
        """Every node of the exported graph: the selected articles and the unstored seeds."""
        return [a.pmid for a in self.articles] + list(self.unstored_seeds)

    def distinct_edges(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((a, b) for a, b, _ in self.edges))

    def graph(self) -> nx.DiGraph:
        """The selection as a DiGraph (edge citing -> cited, ``sources`` as a list)."""
        graph = nx.DiGraph()
        for article in self.articles:
            graph.add_node(article.pmid)
        for pmid in self.unstored_seeds:
            graph.add_node(pmid)
        for citing, cited, source in self.edges:
            if graph.has_edge(citing, cited):
                graph.edges[citing, cited]["sources"].append(source)
            else:
                graph.add_edge(citing, cited, sources=[source])
        return graph


def _neighbours(edges: dict[str, list[str]], reverse: dict[str, list[str]], node: str,
                direction: str) -> Iterator[str]:
    if direction in ("cited-by", "both"):
        yield from reverse.get(node, ())
    if direction in ("references", "both"):
        yield from edges.get(node, ())


def _bfs(cites: dict[str, list[str]], cited_by: dict[str, list[str]], seeds: Sequence[str],
         direction: str, depth: int | None) -> dict[str, Provenance]:
    """Multi-source breadth-first search; each node keeps every seed reaching it at its
    shortest distance and the path through its first-found parent."""
    generation: dict[str, int] = {}
    seed_sets: dict[str, set[str]] = {}
    parent: dict[str, str | None] = {}
    queue: deque[str] = deque()
    for seed in seeds:
        if seed not in generation:
            generation[seed], parent[seed], seed_sets[seed] = 0, None, {seed}
            queue.append(seed)
        else:
            seed_sets[seed].add(seed)
    while queue:
        node = queue.popleft()
        g = generation[node]
        if depth is not None and g >= depth:
            continue
        for nxt in sorted(set(_neighbours(cites, cited_by, node, direction)), key=int):
            if nxt not in generation:
                generation[nxt], parent[nxt], seed_sets[nxt] = g + 1, node, set(seed_sets[node])
                queue.append(nxt)
            elif generation[nxt] == g + 1:
                seed_sets[nxt] |= seed_sets[node]
    result: dict[str, Provenance] = {}
    for node, g in generation.items():
        path = [node]
        while parent[path[-1]] is not None:
            path.append(parent[path[-1]])
        result[node] = Provenance(tuple(sorted(seed_sets[node], key=int)), g, tuple(reversed(path)))
    return result


def select(store: Store, *, seeds: Sequence[str] = (), depth: int | None = None, direction: str | None = None,
           since: int | None = None, until: int | None = None, types: Iterable[str] = (),
           exclude_types: Iterable[str] = (), keep: set[str] | None = None) -> Selection:
    """Build a selection (see the module docstring). ``types`` keeps records having at least
    one of these publication types; ``exclude_types`` drops records having any of them (both
    case-insensitive); ``keep``, when given, drops every record not in it."""
    if direction is not None and direction not in DIRECTIONS:
        raise InputError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if since is not None and until is not None and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    cites: dict[str, list[str]] = {}
    cited_by: dict[str, list[str]] = {}
    rows = list(store.iter_citation_sources())
    for citing, cited, _source in rows:
        cites.setdefault(citing, []).append(cited)
        cited_by.setdefault(cited, []).append(citing)

    if seeds:
        seeds = list(dict.fromkeys(str(s) for s in seeds))
        provenance = _bfs(cites, cited_by, seeds, direction or "cited-by", depth)
        candidates = store.get_articles(provenance)
        for seed in seeds:
            if seed not in candidates and seed not in cites and seed not in cited_by:
                raise InputError(f"PMID {seed} is not in the store: crawl it first (`citegraph crawl {seed}`)")
        members = set(provenance)
        roots = seeds
    else:
        if depth is not None:
            raise InputError("--depth needs --seed")
        latest = store.latest_crawl()
        candidates = {a.pmid: a for a in store.iter_articles()}
        members = set(candidates)
        provenance = {}
        roots = []
        if latest is not None:
            roots = [str(s) for s in latest["seeds"]]
            crawl_direction = direction or latest["params"].get("direction", "cited-by")
            found = _bfs(cites, cited_by, roots, crawl_direction, None)
            crawl_generation = dict(store.nodes(latest["id"]))
            for pmid, prov in found.items():
                g = crawl_generation.get(pmid)
                if g is None or g == prov.generation:
                    provenance[pmid] = prov
                else:  # the crawl saw it at another distance: keep the crawl's word, no path
                    provenance[pmid] = Provenance(prov.seeds, g, ())
            members |= {s for s in roots if s in provenance}

    wanted = {t.lower() for t in types}
    unwanted = {t.lower() for t in exclude_types}

    def wanted_record(article: Article) -> bool:
        if keep is not None and article.pmid not in keep:
            return False
        if since is not None and (article.year is None or article.year < since):
            return False
        if until is not None and (article.year is None or article.year > until):
            return False
        kinds = {t.lower() for t in article.publication_types}
        if wanted and not kinds & wanted:
            return False
        return not (kinds & unwanted)

    articles = sorted((a for a in candidates.values() if wanted_record(a)), key=lambda a: int(a.pmid))
    chosen = {a.pmid for a in articles}
    unstored_seeds = [s for s in roots if s in members and s not in candidates and s in provenance]
    nodes = chosen | set(unstored_seeds)
    edges = [(a, b, s) for a, b, s in rows if a in nodes and b in nodes]
    return Selection(articles=articles, provenance=_with_sources({p: provenance[p] for p in chosen if p in provenance},
                                                                 rows),
                     edges=edges, unstored_seeds=unstored_seeds)


def attach_contexts(selection: Selection, store: Store) -> Selection:
    """Fill ``selection.contexts``: for each selected paper, the sentences of stored full
    text that cite it (any citing paper), oldest citing paper first."""
    from ..contexts import citing_contexts, contexts_json

    selection.contexts = {}
    for article in selection.articles:
        items = contexts_json(citing_contexts(store, article.pmid))
        if items:
            selection.contexts[article.pmid] = items
    return selection


def _with_sources(provenance: dict[str, Provenance], rows: list[tuple[str, str, str]]) -> dict[str, Provenance]:
    """``provenance`` with each paper's ``sources``: those of its path's last hop."""
    hops = {(p, prov.path[-2]) for p, prov in provenance.items() if len(prov.path) >= 2}
    hops |= {(b, a) for a, b in hops}
    told: dict[tuple[str, str], set[str]] = {}
    for citing, cited, source in rows:
        if (citing, cited) in hops:
            told.setdefault((citing, cited), set()).add(source)
    for pmid, prov in provenance.items():
        if len(prov.path) >= 2:
            prev = prov.path[-2]
            found = told.get((pmid, prev), set()) | told.get((prev, pmid), set())
            provenance[pmid] = replace(prov, sources=tuple(sorted(found)))
    return provenance
