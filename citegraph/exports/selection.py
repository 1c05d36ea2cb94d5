"""Which records an export holds, and where each came from (its provenance).

A :class:`Selection` is a list of stored articles, each with a :class:`Provenance` — the
seed(s) it descends from, its generation (hops from the nearest seed) and one shortest path
of PMIDs from a seed to it — plus the citation edges among the selected papers.

:func:`select` takes a :class:`~citegraph.filters.Filters` and selects what every command
selects with it (:func:`citegraph.analysis.load.prepare`), walking the stored graph with the
papers that have no record in it. Without seeds the selection is the whole store and the
provenance that of the latest crawl: its seeds, its generations, and paths found by the same
walk along the crawl's direction (or the one the filters name).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import networkx as nx

from ..errors import InputError
from ..filters import Filters
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


def select(store: Store, filters: Filters | None = None) -> Selection:
    """The stored articles ``filters`` select, ascending PMID, with their provenance and the
    citations among them (see the module docstring). Seeds are always selected; a seed the store
    knows nothing of is an :class:`InputError`, and so is a depth without seeds."""
    from ..analysis.load import load_graph, prepare
    from ..analysis.neighbourhood import reach

    filters = filters or Filters()
    if filters.depth is not None and not filters.seeds:
        raise InputError("--depth needs --seed")
    graph = load_graph(store, include_unstored=True)
    roots: list[str] = list(filters.seeds)
    direction = filters.walk_direction
    crawl_generation: dict[str, int] = {}
    if not roots:
        latest = store.latest_crawl()
        if latest is not None:
            roots = [str(s) for s in latest["seeds"]]
            direction = filters.direction or latest["params"].get("direction", "cited-by")
            crawl_generation = dict(store.nodes(latest["id"]))
    for seed in filters.seeds:
        if seed not in graph:
            raise InputError(f"PMID {seed} is not in the store: crawl it first (`citegraph crawl {seed}`)")
    found = reach(graph, roots, filters.depth, direction)
    provenance: dict[str, Provenance] = {}
    for pmid, how in found.items():
        g = crawl_generation.get(pmid)
        if g is None or g == how.generation:
            provenance[pmid] = Provenance(how.seeds, how.generation, how.path)
        else:  # the crawl saw it at another distance: keep the crawl's word, no path
            provenance[pmid] = Provenance(how.seeds, g, ())
    chosen = _stored(graph, prepare(store, filters, graph=graph).graph)
    if filters.seeds:
        articles = sorted(store.get_articles(chosen).values(), key=lambda a: int(a.pmid))
    else:  # most of the store: one scan, without the raw records
        wanted = set(chosen)
        articles = [a for a in store.iter_articles() if a.pmid in wanted]
    chosen = {a.pmid for a in articles}
    unstored_seeds = [s for s in roots if not (s in graph and _is_stored(graph, s))]
    nodes = chosen | set(unstored_seeds)
    rows = list(store.iter_citation_sources())
    edges = [(a, b, s) for a, b, s in rows if a in nodes and b in nodes]
    return Selection(articles=articles, provenance=_with_sources({p: provenance[p] for p in chosen if p in provenance},
                                                                 rows),
                     edges=edges, unstored_seeds=unstored_seeds)


def _is_stored(graph, pmid: str) -> bool:
    return bool(graph.stored[graph.index(pmid)])


def _stored(graph, selected) -> list[str]:
    """The PMIDs of ``selected`` that have a stored record in ``graph``."""
    return [p for p, stored in zip(selected.names(), selected.stored.tolist()) if stored]


def attach_contexts(selection: Selection, store: Store) -> Selection:
    """Fill ``selection.contexts``: for each selected paper, the sentences of stored full
    text that cite it (any citing paper), oldest citing paper first."""
    from ..analysis.contexts import citing_contexts, contexts_json

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
