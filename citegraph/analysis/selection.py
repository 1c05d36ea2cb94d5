"""Which papers an analysis looks at: the neighbourhood of the seeds (or the whole graph), less
the papers the record filters reject (seeds are always kept).

The neighbourhood is taken first, on the unfiltered graph (:mod:`.neighbourhood`), then each
paper in it is decided by :meth:`citegraph.filters.Filters.matches`; a paper reached only
through rejected papers stays when it passes itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np

from ..filters import Filters, PaperRecord
from ..links import DIRECTIONS
from .csr import CitationGraph
from .neighbourhood import levels, neighbourhood, require_node

__all__ = ["PaperMeta", "Filters", "DIRECTIONS", "neighbourhood", "record_of", "select", "selection_mask",
           "require_node", "induced_subgraph"]


@dataclass(frozen=True, slots=True)
class PaperMeta:
    """What filters, lenses and labels need beyond the graph's node attributes."""

    publication_types: tuple[str, ...] = ()
    #: (descriptor UI, descriptor name)
    mesh: tuple[tuple[str, str], ...] = ()
    retracted: bool = False
    abstract: str = ""


def induced_subgraph(graph: CitationGraph, nodes: Iterable[str]) -> CitationGraph:
    """The subgraph on those of ``nodes`` in ``graph`` (``graph`` itself when that is every
    node); it shares the graph's title cache."""
    mask = np.zeros(graph.n, dtype=bool)
    mask[graph.indices(n for n in nodes if n in graph)] = True
    return graph.subgraph(mask)


def record_of(attrs: Mapping, meta: PaperMeta | None, topics: Iterable[str] = ()) -> PaperRecord:
    """The :class:`~citegraph.filters.PaperRecord` of one paper: its graph node attributes
    (year, title, journal), its metadata and its lens topic keys."""
    meta = meta or PaperMeta()
    return PaperRecord(year=attrs.get("year"), title=attrs.get("title") or "", journal=attrs.get("journal") or "",
                       abstract=meta.abstract, publication_types=tuple(meta.publication_types),
                       mesh=tuple(meta.mesh), topics=tuple(topics))


def selection_mask(graph: CitationGraph, filters: Filters | None = None, *,
                   meta: Mapping[str, PaperMeta] | None = None,
                   topics_of: Mapping[str, Iterable[str]] | None = None) -> np.ndarray:
    """The selection as a boolean mask over ``graph``'s nodes: the neighbourhood of
    ``filters.seeds`` (every node when there is none), less the papers the record filters reject;
    seeds are always kept. A seed not in ``graph`` is an :class:`~citegraph.errors.InputError`.

    ``meta`` and ``topics_of`` supply what the MeSH, publication-type, text and topic filters
    read; papers missing from them count as having none.
    """
    filters = filters or Filters()
    if filters.seeds:
        keep = levels(graph, filters.seeds, filters.depth, filters.walk_direction)[0] >= 0
    else:
        keep = np.ones(graph.n, dtype=bool)
    if not filters.active:
        return keep
    candidates = np.flatnonzero(keep)
    names = graph.names(candidates)
    titles = filters.needs_titles
    if titles:
        graph.preload(names)  # titles and journals, in one query
    meta = meta or {}
    topics_of = topics_of or {}
    seeds = set(filters.seeds)
    years = graph.year[candidates].tolist()
    for i, name, year in zip(candidates.tolist(), names, years):
        if name in seeds:
            continue
        attrs = graph.attrs(name) if titles else {"year": year or None}
        keep[i] = filters.matches(record_of(attrs, meta.get(name), topics_of.get(name, ())))
    return keep


def select(graph: CitationGraph, filters: Filters | None = None, *,
           meta: Mapping[str, PaperMeta] | None = None,
           topics_of: Mapping[str, Iterable[str]] | None = None) -> list[str]:
    """The selected PMIDs, ascending (see :func:`selection_mask`)."""
    return graph.names(np.flatnonzero(selection_mask(graph, filters, meta=meta, topics_of=topics_of)))
