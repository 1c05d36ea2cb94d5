"""Reading what the analysis needs from the store, once per command: the graph (the CSR arrays
of :mod:`.csr`), per-paper metadata (publication types, MeSH, retraction flag from the
``article_meta`` table of migration 2, brought up to date on demand by
:meth:`Store.sync_article_meta`, so no record is decoded; abstracts only on request), the
lens classification, the selection, and the retraction flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

from ..errors import InputError
from ..filters import fold
from ..store import Store
from .csr import CitationGraph
from .mesh import MeshIndex, StoredMeta, mesh_index
from .retraction import through_retracted
from .neighbourhood import neighbourhood, require_node
from .selection import Filters, PaperMeta, selection_mask

if TYPE_CHECKING:  # the lens modules load only for the commands that classify
    from .lens import Lens
    from .lens_store import ColdStart

__all__ = ["load_graph", "keep_snapshots", "load_paper_graph", "load_meta", "add_unstored_seed", "Prepared", "prepare",
           "topic_keys"]


def load_graph(store: Store, *, include_unstored: bool = False) -> CitationGraph:
    """All stored articles and the citations between them, as a
    :class:`~citegraph.analysis.csr.CitationGraph` (years loaded; titles and journals read
    later, only for the papers shown). A citation stored from several sources is one edge; a
    self-citation is none. With ``include_unstored`` the graph also keeps
    the citations to or from PMIDs that have no stored record (nodes marked unstored).

    The arrays are read back from the store's snapshot of them when nothing was written since
    it was kept (:mod:`citegraph.store.snapshots`); otherwise built from the tables and kept."""
    reader = _summary_reader(store.path)
    return store.snapshot_of("graph+unstored" if include_unstored else "graph",
                             lambda parts: CitationGraph.from_parts(parts, reader),
                             lambda: _graph_from_tables(store, include_unstored, reader), CitationGraph.parts)


def keep_snapshots(store: Store) -> None:
    """Bring the store's snapshots of the graph and of the MeSH index up to date (see
    :mod:`citegraph.store.snapshots`), so that the next reading command reads them back: for
    the commands that write papers and citations (crawl, import, refresh), once they are done."""
    load_graph(store)
    mesh_index(store)


def _graph_from_tables(store: Store, include_unstored: bool, reader) -> CitationGraph:
    citing_text, cited_text = store.citation_columns()
    citing = _ints(citing_text)
    del citing_text  # tens of megabytes on a large store
    cited = _ints(cited_text)
    del cited_text
    rows = store.article_years()
    nodes = np.fromiter((p for p, _ in rows), dtype=np.int64, count=len(rows))
    years = np.fromiter((y or 0 for _, y in rows), dtype=np.int64, count=len(rows))
    return CitationGraph.from_edges(citing, cited, nodes, years, include_unstored=include_unstored, reader=reader)


def _ints(text: str) -> np.ndarray:
    if not text:
        return np.empty(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def _summary_reader(path: Path):
    """Reads (year, title, journal) of stored papers, opening the store for each call (the
    command's own connection may be closed by the time it shows its rows)."""
    def read(pmids: list[str]) -> dict[str, tuple]:
        with Store(path) as store:
            return store.summaries_of(pmids)
    return read


def load_meta(store: Store, pmids: Iterable[str] | None = None, *, abstracts: bool = False) -> StoredMeta:
    """{pmid: PaperMeta} of every stored article, or of ``pmids``; ``abstracts`` adds the
    abstract (slower: it reads the stored records). The rows are read when the mapping is
    first used, each paper decoded when first read; ``mesh_index()`` gives the MeSH of all
    of them as columns without reading the rows (each read opens the store again: the
    command's own connection may be closed by then)."""
    wanted = None if pmids is None else list(pmids)
    store.sync_article_meta()
    path = store.path

    def read_rows() -> dict[str, tuple]:
        with Store(path) as again:
            return _meta_rows(again, wanted, abstracts)

    def read_mesh() -> MeshIndex:
        with Store(path) as again:
            return mesh_index(again, wanted)

    return StoredMeta(read_rows, read_mesh)


def _meta_rows(store: Store, pmids: list[str] | None, abstracts: bool) -> dict[str, tuple]:
    """{pmid: (pmid, publication types JSON, MeSH JSON, retracted[, abstract])} from the
    ``article_meta`` table."""
    sql = "SELECT pmid, publication_types, mesh, retracted FROM article_meta"
    if pmids is None:
        rows = {str(row[0]): row for row in store._execute(sql)}
    else:
        rows = {}
        numbers = [int(p) for p in pmids]
        for i in range(0, len(numbers), 50_000):
            chunk = numbers[i:i + 50_000]
            rows.update((str(row[0]), row) for row
                        in store._execute(f"{sql} WHERE pmid IN ({','.join('?' * len(chunk))})", chunk))
    if abstracts:
        for pmid, text in store.abstracts(list(rows)).items():
            rows[pmid] = (*rows[pmid], text)
    return rows


def add_unstored_seed(graph: CitationGraph, store: Store, pmid: str) -> None:
    """Put a seed that has no stored record into ``graph`` with the stored papers citing it
    (a crawl's seed can be unknown to efetch yet cited); :class:`InputError` if nothing is known."""
    if pmid in graph:
        return
    citing = [c for c in store.citing(pmid) if c in graph]
    if not citing:
        raise InputError(f"PMID {pmid} is not in the store: crawl it first (`citegraph crawl {pmid}`)")
    graph.add_unstored(pmid, citing)


def load_paper_graph(store: Store, pmid: str) -> CitationGraph:
    """The graph of :func:`load_graph` with ``pmid`` in it: a paper without a stored record
    joins it with the stored papers citing it (none when only papers without a record cite
    it); :class:`InputError` when the store knows nothing of it."""
    graph = load_graph(store)
    if pmid not in graph:
        citing = store.citing(pmid)
        if not citing:
            raise InputError(f"PMID {pmid} is not in the store: crawl it first (`citegraph crawl {pmid}`)")
        graph.add_unstored(pmid, [c for c in citing if c in graph])
    return graph


def _classify_cached(store: Store, lens: "Lens", graph, nodes: list[str] | None,
                     cold: "ColdStart | None" = None) -> dict[str, list[str]]:
    """:func:`~citegraph.analysis.lens.classify` through the store's topic cache: papers
    classified by this lens before (and unchanged since) are read back, the others are
    classified all at once and kept (:func:`~citegraph.analysis.lens_store.classify_store`):
    when they are most of the store, the whole store, in one scan (in two processes when it is
    large, with the worker ``cold`` if one was started)."""
    from . import lens_store
    from .lens import classify_many

    wanted = list(graph.nodes) if nodes is None else nodes
    if cold is not None and len(wanted) * 2 > graph.number_of_nodes():
        cached: dict[str, str] = {}  # the cold start's scan classifies every stored paper anyway
    else:
        cached = store.read_topic_cache(lens.digest) if lens.digest else {}
    todo = [n for n in wanted if n not in cached]
    found: dict[str, list[str]] = {}
    if todo:
        # most of the store: one scan beats thousands of lookups by PMID
        found, stored = lens_store.classify_store(store, lens, todo, scan=len(todo) * 2 > graph.number_of_nodes(),
                                       started=cold)
        # a seed without a record: classified on an empty title, as before
        unstored = [n for n in todo if n not in stored]
        if unstored:
            found.update(classify_many(lens, unstored, [""] * len(unstored), [None] * len(unstored),
                                       [[] for _ in unstored]))
    topics_of = {n: keys.split("\t") for n in wanted if (keys := cached.get(n))}
    topics_of.update(found)
    return topics_of


@dataclass
class Prepared:
    """What an analysis command works on."""

    #: the selected graph
    graph: CitationGraph
    seeds: list[str]
    meta: Mapping[str, PaperMeta]
    lens: "Lens | None" = None
    topics_of: dict[str, list[str]] = field(default_factory=dict)
    retracted: set[str] = field(default_factory=set)
    #: {pmid: retracted paper on a shortest chain from it to the first seed}
    via: dict[str, str] = field(default_factory=dict)
    #: the filters the graph was selected by (topics as lens keys)
    filters: Filters = field(default_factory=Filters)

    def paper(self, pmid: str) -> dict:
        attrs = self.graph.nodes[pmid] if pmid in self.graph else {}
        return {"year": attrs.get("year"), "title": attrs.get("title") or "", "journal": attrs.get("journal") or "",
                "retracted": pmid in self.retracted, "via_retracted": self.via.get(pmid)}

    def papers(self, pmids: Iterable[str]) -> dict[str, dict]:
        wanted = list(dict.fromkeys(pmids))
        self.graph.preload(wanted)
        return {p: self.paper(p) for p in wanted}


def prepare(store: Store, filters: Filters | None = None, *, seeds: Iterable[str] | None = None,
            depth: int | None = None, direction: str | None = None, lens_path: str | Path | None = None,
            use_lens: bool = False, abstracts: bool = False, include_unstored: bool = False,
            graph: CitationGraph | None = None, mesh: bool = False) -> Prepared:
    """Load the graph (unless given one already loaded: it may gain unstored seeds), select what
    ``filters`` select (:func:`~citegraph.analysis.selection.selection_mask`), classify by the
    lens when ``use_lens`` (or a topic filter) asks for it, and flag retractions.

    ``seeds``, ``depth``, ``direction`` and ``lens_path``, when given, replace those of
    ``filters``. Topic filters may name topics by key or name; an unknown topic is an
    :class:`InputError`. Metadata (publication types, MeSH) is read only when a filter, the lens
    or ``mesh`` needs it, abstracts only when text is matched; the retraction flags always."""
    filters = _with_neighbourhood(filters or Filters(), seeds, depth, direction, lens_path)
    need_lens = use_lens or bool(filters.topics)
    # a first classification of a large store starts in a worker now, while the graph loads
    cold = None
    if need_lens:
        from .lens import load_lens
        from .lens_store import start_cold

        try:
            cold = start_cold(store, load_lens(filters.lens))
        except InputError:
            pass  # reported below, where the lens is loaded for the command
    try:
        return _prepare(store, filters, need_lens, abstracts, include_unstored, graph, mesh, cold)
    finally:
        if cold is not None:
            cold.cancel()  # not taken: an error, or no scan of the store after all


def _with_neighbourhood(filters: Filters, seeds: Iterable[str] | None, depth: int | None, direction: str | None,
                        lens_path: str | Path | None) -> Filters:
    changes: dict = {}
    if seeds is not None:
        changes["seeds"] = tuple(seeds)
    if depth is not None:
        changes["depth"] = depth
    if direction is not None:
        changes["direction"] = direction
    if lens_path is not None:
        changes["lens"] = lens_path
    return replace(filters, **changes) if changes else filters


def topic_keys(lens: "Lens", filters: Filters) -> Filters:
    """``filters`` with each topic named by its key in ``lens`` (a topic may be given by key or
    name, compared by the :func:`~citegraph.filters.fold` rule); :class:`InputError` naming the
    lens' topics for one it does not have."""
    keys = []
    for wanted in filters.topics:
        found = [t.key for t in lens.topics if fold(wanted) in (fold(t.key), fold(t.name))]
        keys.append(found[0] if found else lens.topic(wanted).key)
    return filters.with_topics(keys) if keys else filters


def _prepare(store: Store, filters: Filters, need_lens: bool, abstracts: bool, include_unstored: bool,
             graph: CitationGraph | None, mesh: bool, cold: "ColdStart | None") -> Prepared:
    if graph is None:
        graph = load_graph(store, include_unstored=include_unstored)
    seeds = list(filters.seeds)
    for seed in seeds:
        add_unstored_seed(graph, store, seed)
    lens = None
    if need_lens:
        from .lens import load_lens

        lens = load_lens(filters.lens)
    if lens is not None and filters.topics:
        # filters name topics by key or name (an unknown one is an error); classification speaks in keys
        filters = topic_keys(lens, filters)
    nodes = None
    if need_lens or filters.needs_meta or filters.needs_text:
        nodes = list(neighbourhood(graph, seeds, filters.depth, filters.walk_direction)) if seeds else None
    else:
        for seed in seeds:
            require_node(graph, seed, "seed")
    # metadata the filters read is needed for every candidate; what is only shown (MeSH labels,
    # abstracts) only for the papers selected
    early = filters.needs_meta or filters.needs_text
    meta = load_meta(store, nodes, abstracts=abstracts or filters.needs_text) if early else {}
    # before the lens writes its cache, so that the sync is not done twice (see sync_article_meta);
    # a cold start did it already (its worker's cache writes would make it run again)
    if cold is None:
        store.sync_article_meta()
    retracted = store.retracted_pmids()
    topics_of = _classify_cached(store, lens, graph, nodes, cold) if lens is not None else {}
    selected = graph.subgraph(selection_mask(graph, filters, meta=meta, topics_of=topics_of))
    if (mesh or abstracts) and not early:
        whole = selected.number_of_nodes() == graph.number_of_nodes()
        meta = load_meta(store, None if whole else list(selected.nodes), abstracts=abstracts)
    retracted = {p for p in retracted if p in selected}
    via = through_retracted(selected, seeds[0], retracted) if seeds and retracted else {}
    return Prepared(graph=selected, seeds=seeds, meta=meta, lens=lens, topics_of=topics_of, retracted=retracted,
                    via=via, filters=filters)
