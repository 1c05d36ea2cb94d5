"""Which papers an analysis looks at: the whole graph, or the neighbourhood of seeds, filtered.

Filters remove papers from the graph (seeds are always kept); citation chains that ran through
a removed paper are cut, so a descendant reached only through removed papers drops out of a
seed's neighbourhood. Neighbourhoods are taken first, on the unfiltered graph, then filtered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np

from ..errors import InputError
from ..links import DIRECTIONS
from .csr import CitationGraph, bfs

__all__ = ["PaperMeta", "Filters", "DIRECTIONS", "neighbourhood", "passes", "select", "require_node",
           "induced_subgraph"]


@dataclass(frozen=True, slots=True)
class PaperMeta:
    """What filters, lenses and labels need beyond the graph's node attributes."""

    publication_types: tuple[str, ...] = ()
    #: (descriptor UI, descriptor name)
    mesh: tuple[tuple[str, str], ...] = ()
    retracted: bool = False
    abstract: str = ""


@dataclass(frozen=True)
class Filters:
    """Paper filters shared by every analysis command. Empty means "keep everything"."""

    since: int | None = None
    until: int | None = None
    #: publication type names to leave out (case-insensitive), e.g. "Comment", "Published Erratum"
    exclude_types: tuple[str, ...] = ()
    #: keep papers in any of these lens topics (keys or names, case-insensitive)
    topics: tuple[str, ...] = ()
    #: keep papers with any of these MeSH descriptors (UI or name, case-insensitive)
    mesh: tuple[str, ...] = ()
    #: keep papers whose title or abstract matches this regular expression (case-insensitive)
    match: str | None = None
    #: keep papers whose journal title contains this text (case-insensitive)
    journal: str | None = None
    _pattern: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise InputError(f"--since {self.since} is after --until {self.until}")
        if self.match:
            from .patterns import backtracking_risk

            risk = backtracking_risk(self.match, re.IGNORECASE)
            if risk:
                raise InputError(f"--match {self.match!r} is refused: {risk}")
            try:
                object.__setattr__(self, "_pattern", re.compile(self.match, re.IGNORECASE))
            except (re.error, RecursionError, OverflowError) as exc:
                raise InputError(f"--match {self.match!r} is not a valid regular expression: "
                                 f"{exc if isinstance(exc, re.error) else 'nested too deeply'}") from None

    @property
    def active(self) -> bool:
        return bool(self.since is not None or self.until is not None or self.exclude_types or self.topics
                    or self.mesh or self.match or self.journal)

    @property
    def needs_meta(self) -> bool:
        return bool(self.exclude_types or self.mesh)

    @property
    def needs_text(self) -> bool:
        return bool(self.match)


def require_node(graph: CitationGraph, pmid: str, what: str = "PMID") -> None:
    """Raise :class:`InputError` unless ``pmid`` is a node of ``graph``."""
    if pmid not in graph:
        raise InputError(f"{what} {pmid} is not in the selected graph (crawl it first, or loosen the filters)")


def induced_subgraph(graph: CitationGraph, nodes: Iterable[str]) -> CitationGraph:
    """The subgraph on those of ``nodes`` in ``graph`` (``graph`` itself when that is every
    node); it shares the graph's title cache."""
    mask = np.zeros(graph.n, dtype=bool)
    mask[graph.indices(n for n in nodes if n in graph)] = True
    return graph.subgraph(mask)


def neighbourhood(graph: CitationGraph, seeds: Iterable[str], depth: int | None = None,
                  direction: str = "cited-by") -> dict[str, int]:
    """{pmid: hops} of the papers within ``depth`` hops of any seed (seeds at 0; ``None``: no limit).

    ``cited-by`` follows the papers citing each paper (descendants), ``references`` the papers
    it cites (ancestors), ``both`` either.
    """
    if direction not in DIRECTIONS:
        raise InputError(f"unknown direction {direction!r}; use one of {', '.join(DIRECTIONS)}")
    levels = _levels(graph, seeds, depth, direction)[1]
    return {p: h for h, level in enumerate(levels) for p in graph.names(level)}


def _levels(graph: CitationGraph, seeds: Iterable[str], depth: int | None, direction: str):
    seeds = list(seeds)
    for seed in seeds:
        require_node(graph, seed, "seed")
    ptrs = []
    if direction != "references":
        ptrs.append((graph.in_ptr, graph.in_idx))
    if direction != "cited-by":
        ptrs.append((graph.out_ptr, graph.dst))
    return bfs(ptrs, graph.n, graph.indices(seeds), depth)


def _lower_set(values: Iterable[str]) -> set[str]:
    return {v.strip().lower() for v in values if v.strip()}


def passes(attrs: Mapping, meta: PaperMeta | None, filters: Filters, topics: Iterable[str] = ()) -> bool:
    """Whether one paper (graph node attributes, its metadata, its lens topics) passes ``filters``."""
    year = attrs.get("year")
    if filters.since is not None and (year is None or year < filters.since):
        return False
    if filters.until is not None and (year is None or year > filters.until):
        return False
    if filters.journal and filters.journal.lower() not in (attrs.get("journal") or "").lower():
        return False
    meta = meta or PaperMeta()
    if filters.exclude_types:
        excluded = _lower_set(filters.exclude_types)
        if any(t.lower() in excluded for t in meta.publication_types):
            return False
    if filters.mesh:
        wanted = _lower_set(filters.mesh)
        if not any(ui.lower() in wanted or name.lower() in wanted for ui, name in meta.mesh):
            return False
    if filters.topics:
        if not _lower_set(filters.topics) & _lower_set(topics):
            return False
    if filters._pattern is not None:
        if not (filters._pattern.search(attrs.get("title") or "") or filters._pattern.search(meta.abstract)):
            return False
    return True


def select(graph: CitationGraph, *, seeds: Iterable[str] = (), depth: int | None = None,
           direction: str = "cited-by", filters: Filters | None = None,
           meta: Mapping[str, PaperMeta] | None = None,
           topics_of: Mapping[str, Iterable[str]] | None = None) -> CitationGraph:
    """The subgraph an analysis works on: the seeds' neighbourhood (or the whole graph when no
    seed is given), less the papers ``filters`` reject. Seeds are always kept.

    ``meta`` and ``topics_of`` supply what the MeSH, publication-type, text and topic filters
    read; papers missing from them count as having none.
    """
    seeds = list(dict.fromkeys(seeds))
    filters = filters or Filters()
    if direction not in DIRECTIONS:
        raise InputError(f"unknown direction {direction!r}; use one of {', '.join(DIRECTIONS)}")
    if seeds:
        keep = _levels(graph, seeds, depth, direction)[0] >= 0
    else:
        keep = np.ones(graph.n, dtype=bool)
    if filters.active:
        candidates = np.flatnonzero(keep)
        names = graph.names(candidates)
        if filters.journal or filters.match:
            graph.preload(names)  # titles and journals, in one query
        meta = meta or {}
        topics_of = topics_of or {}
        keep_always = set(seeds)
        year = graph.year[candidates].tolist()
        for i, name, y in zip(candidates.tolist(), names, year):
            if name in keep_always:
                continue
            if filters.journal or filters.match:
                attrs = graph.attrs(name)
            else:
                attrs = {"year": y or None}
            keep[i] = passes(attrs, meta.get(name), filters, topics_of.get(name, ()))
    return graph.subgraph(keep)
